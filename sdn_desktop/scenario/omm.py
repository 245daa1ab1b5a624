"""Read CCSDS OMM files (the JSON, XML or CSV of CelesTrak and Space-Track), reporting what was skipped."""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .files import read_limited
from .limits import MAX_TLE_BYTES

# mean elements SGP4 cannot do without
OMM_ELEMENTS = (
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
)
# TLE parameters: a missing one takes this value, as in a TLE with the field blank
OMM_TLE_DEFAULTS = {
    "BSTAR": "0",
    "MEAN_MOTION_DOT": "0",
    "MEAN_MOTION_DDOT": "0",
    "EPHEMERIS_TYPE": "0",
    "CLASSIFICATION_TYPE": "U",
    "ELEMENT_SET_NO": "999",
    "REV_AT_EPOCH": "0",
    "OBJECT_ID": "",
}
OMM_EPOCH_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"  # as sgp4.omm reads it


@dataclass(frozen=True)
class OmmRecord:
    name: str
    fields: dict[str, str]  # every field sgp4.omm.initialize reads, checked and normalised
    where: str  # "entry 3" or "line 4": where in the file it came from


@dataclass
class OmmFile:
    path: Path
    records: list[OmmRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one human-readable reason per skipped entry
    problem: str | None = None  # the whole file could not be read as OMM


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_entries(text: str) -> list[tuple[str, dict]]:
    """Every ``segment`` of an ``ndm``/``omm`` document as its leaf fields (namespaces ignored)."""
    root = ET.fromstring(text)
    segments = [el for el in root.iter() if _local(el.tag) == "segment"]
    return [
        (
            f"segment {i}",
            {_local(leaf.tag): (leaf.text or "").strip() for leaf in seg.iter() if len(leaf) == 0},
        )
        for i, seg in enumerate(segments, 1)
    ]


def _json_entries(text: str) -> list[tuple[str, dict]]:
    data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    return [(f"entry {i}", item) for i, item in enumerate(items, 1)]


def _csv_entries(text: str) -> list[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    out = []
    for row in reader:
        if any((v or "").strip() for k, v in row.items() if k is not None):
            out.append((f"line {reader.line_num}", row))
    return out


def _parse_epoch(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _number(fields: dict, key: str, integer: bool = False) -> str:
    text = str(fields[key]).strip()
    value = int(text) if integer else float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return text


def _normalise(raw: dict) -> tuple[str, dict[str, str]]:
    """(name, fields) of one OMM entry; ``KeyError``/``ValueError`` name the field at fault."""
    fields = {str(k).strip().upper(): v for k, v in raw.items() if k is not None and v not in (None, "")}
    out: dict[str, str] = {}
    if "EPOCH" not in fields:
        raise KeyError("EPOCH")
    try:
        out["EPOCH"] = _parse_epoch(str(fields["EPOCH"])).strftime(OMM_EPOCH_FORMAT)
    except ValueError:
        raise ValueError(f"EPOCH '{fields['EPOCH']}' is not an ISO 8601 time") from None
    for key in OMM_ELEMENTS:
        if key not in fields:
            raise KeyError(key)
    for key in (*OMM_ELEMENTS, *OMM_TLE_DEFAULTS, "NORAD_CAT_ID"):
        if key not in fields:
            out[key] = OMM_TLE_DEFAULTS.get(key, "0")
            continue
        integer = key in ("NORAD_CAT_ID", "EPHEMERIS_TYPE", "ELEMENT_SET_NO", "REV_AT_EPOCH")
        try:
            out[key] = (
                str(fields[key]).strip()
                if key in ("CLASSIFICATION_TYPE", "OBJECT_ID")
                else _number(fields, key, integer)
            )
        except ValueError:
            kind = "an integer" if integer else "a number"
            raise ValueError(f"{key} '{fields[key]}' is not {kind}") from None
    name = str(fields.get("OBJECT_NAME", "")).strip() or f"NORAD {out['NORAD_CAT_ID']}"
    return name, out


def read_omm_file(path: str | Path) -> OmmFile:
    """Parse ``path`` (JSON, XML or CSV, told apart by content); raises OSError if it cannot be read
    (:class:`UnreadableFile` for a FIFO, a device or a file over ``MAX_TLE_BYTES``)."""
    path = Path(path)
    text = read_limited(path, MAX_TLE_BYTES, "element files").decode("utf-8-sig", errors="replace")
    result = OmmFile(path)
    head = text.lstrip()[:1]
    forms = {"[": ("JSON", _json_entries), "{": ("JSON", _json_entries), "<": ("XML", _xml_entries)}
    kind, parse = forms.get(head, ("CSV", _csv_entries))
    try:
        entries = parse(text)
    except (json.JSONDecodeError, ET.ParseError, csv.Error) as err:
        result.problem = f"not valid OMM {kind}: {err}"
        return result
    seen: set[str] = set()
    for where, raw in entries:
        if not isinstance(raw, dict):
            result.skipped.append(f"{path.name}: {where}: not an object of OMM fields")
            continue
        label = f"'{str(raw.get('OBJECT_NAME', '')).strip()}'" if raw.get("OBJECT_NAME") else "entry"
        try:
            name, fields = _normalise(raw)
        except KeyError as err:
            result.skipped.append(f"{path.name}: {where}: {label}: field {err.args[0]} is missing")
            continue
        except ValueError as err:
            result.skipped.append(f"{path.name}: {where}: {label}: {err}")
            continue
        if name in seen:
            name = f"{name} ({fields['NORAD_CAT_ID']})"
        seen.add(name)
        result.records.append(OmmRecord(name, fields, where))
    if not entries and result.problem is None:
        result.problem = f"no OMM entries found ({kind})"
    return result
