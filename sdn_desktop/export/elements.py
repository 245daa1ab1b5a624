"""A scenario's mean elements out as TLE or CCSDS OMM (JSON, XML or CSV, in the forms CelesTrak publishes).

Satellites of a TLE source are passed through line for line; every other satellite (Walker shells
as generated, OMM sources) is written from its SGP4 model. Generated satellites have no catalogue
numbers of their own: they are numbered 1, 2, ... in scenario order.
"""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import timedelta

from sgp4.alpha5 import to_alpha5
from sgp4.api import Satrec
from sgp4.exporter import export_tle

from ..engine import Network
from ..engine.frames import JD_2433281_5
from ..scenario import OmmSource, TleSource, read_tle_file
from ..scenario.omm import OMM_ELEMENTS, OMM_EPOCH_FORMAT
from ..scenario.tle import tle_checksum

OMM_FORMS = (".json", ".xml", ".csv")
XPDOTP = 1440.0 / (2.0 * math.pi)  # rad/min -> rev/day
# the columns of CelesTrak's OMM CSV, in its order (CCSDS keywords; their units are the standard's)
OMM_CSV_COLUMNS = (
    "OBJECT_NAME", "OBJECT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER", "MEAN_ANOMALY", "EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "NORAD_CAT_ID",
    "ELEMENT_SET_NO", "REV_AT_EPOCH", "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT",
)  # fmt: skip
OMM_METADATA = ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY")
OMM_MEAN_ELEMENTS = ("EPOCH", *OMM_ELEMENTS)
OMM_TLE_PARAMETERS = (
    "EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH", "BSTAR",
    "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT",
)  # fmt: skip


class ExportError(ValueError):
    """Elements that the asked-for format cannot carry; the message names the satellite."""


@dataclass(frozen=True)
class ElementSet:
    """One satellite's mean elements: its SGP4 model, and its TLE lines when a TLE file gave them."""

    name: str
    satrec: Satrec
    catalog_number: int
    tle_lines: tuple[str, str] | None = None


def scenario_element_sets(network: Network) -> list[ElementSet]:
    """Every satellite of the scenario, constellation by constellation, as the engine built it."""
    sats = network.sats
    out: list[ElementSet] = []
    generated = 0
    for constellation, members in zip(network.scenario.constellations, sats.ranges, strict=True):
        source = constellation.source
        lines: list[tuple[str, str] | None] = [None] * len(members)
        if isinstance(source, TleSource) and not isinstance(source, OmmSource):
            records = read_tle_file(network.base_dir / source.path).records
            lines = [(r.line1, r.line2) for r in records]
        for i, tle in zip(members, lines, strict=True):
            sat = sats.satrecs[i]
            if isinstance(source, TleSource):
                number = sat.satnum
            else:
                generated += 1
                number = generated
            out.append(ElementSet(sats.names[i], sat, number, tle))
    return out


def _tle_lines(element: ElementSet) -> tuple[str, str]:
    if element.tle_lines is not None:
        return element.tle_lines
    try:
        line1, line2 = export_tle(element.satrec)
        number = to_alpha5(element.catalog_number)
    except ValueError as err:
        reason = err.args[0] % err.args[1:] if len(err.args) > 1 else err  # sgp4 passes printf-style args
        raise ExportError(f"'{element.name}' cannot be written as a TLE: {reason}") from None
    line1, line2 = (line[:2] + number + line[7:68] for line in (line1, line2))
    return line1 + str(tle_checksum(line1)), line2 + str(tle_checksum(line2))


def tle_text(elements: list[ElementSet]) -> str:
    """A Celestrak-style 3-line TLE file."""
    return "".join("\n".join((e.name, *_tle_lines(e))) + "\n" for e in elements)


def _short(value: float) -> float:
    """The float of ``value``'s 15 significant digits: 99.9302, not 99.93020000000001 (1e-14 relative)."""
    return float(f"{value:.15g}")


def omm_fields(element: ElementSet) -> dict[str, str | int | float]:
    """The OMM keywords of one satellite (mean elements in TEME, SGP4 theory)."""
    sat = element.satrec
    epoch = JD_2433281_5 + timedelta(days=(sat.jdsatepoch - 2433281.5) + sat.jdsatepochF)
    designator = sat.intldesg.strip()
    if designator:
        year = int(designator[:2])
        designator = f"{year + (1900 if year >= 57 else 2000)}-{designator[2:]}"
    return {
        "OBJECT_NAME": element.name,
        "OBJECT_ID": designator or "UNKNOWN",
        "CENTER_NAME": "EARTH",
        "REF_FRAME": "TEME",
        "TIME_SYSTEM": "UTC",
        "MEAN_ELEMENT_THEORY": "SGP4",
        "EPOCH": epoch.strftime(OMM_EPOCH_FORMAT),
        "MEAN_MOTION": _short(sat.no_kozai * XPDOTP),
        "ECCENTRICITY": _short(sat.ecco),
        "INCLINATION": _short(math.degrees(sat.inclo)),
        "RA_OF_ASC_NODE": _short(math.degrees(sat.nodeo)),
        "ARG_OF_PERICENTER": _short(math.degrees(sat.argpo)),
        "MEAN_ANOMALY": _short(math.degrees(sat.mo)),
        "EPHEMERIS_TYPE": sat.ephtype,
        "CLASSIFICATION_TYPE": sat.classification.strip() or "U",
        "NORAD_CAT_ID": element.catalog_number,
        "ELEMENT_SET_NO": sat.elnum,
        "REV_AT_EPOCH": sat.revnum,
        "BSTAR": _short(sat.bstar),
        "MEAN_MOTION_DOT": _short(sat.ndot * XPDOTP * 1440.0),
        "MEAN_MOTION_DDOT": _short(sat.nddot * XPDOTP * 1440.0 * 1440.0),
    }


def _omm_xml(records: list[dict]) -> str:
    ndm = ET.Element("ndm", {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    for record in records:
        omm = ET.SubElement(ndm, "omm", {"id": "CCSDS_OMM_VERS", "version": "2.0"})
        ET.SubElement(omm, "header")
        segment = ET.SubElement(ET.SubElement(omm, "body"), "segment")
        metadata = ET.SubElement(segment, "metadata")
        data = ET.SubElement(segment, "data")
        groups = (
            (metadata, OMM_METADATA),
            (ET.SubElement(data, "meanElements"), OMM_MEAN_ELEMENTS),
            (ET.SubElement(data, "tleParameters"), OMM_TLE_PARAMETERS),
        )
        for parent, keys in groups:
            for key in keys:
                ET.SubElement(parent, key).text = str(record[key])
    ET.indent(ndm)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(ndm, encoding="unicode") + "\n"


def omm_text(elements: list[ElementSet], form: str) -> str:
    """OMM as ``.json`` (a list of objects), ``.xml`` (an ``ndm`` of ``omm``) or ``.csv`` (CelesTrak's)."""
    records = [omm_fields(e) for e in elements]
    if form == ".json":
        return json.dumps(records, indent=1) + "\n"
    if form == ".xml":
        return _omm_xml(records)
    if form == ".csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, OMM_CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(records)
        return buf.getvalue()
    raise ValueError(f"OMM form '{form}': expected one of {', '.join(OMM_FORMS)}")
