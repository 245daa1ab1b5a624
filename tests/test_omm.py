"""OMM in (JSON, XML, CSV as CelesTrak and Space-Track publish) and TLE/OMM out, via the public interfaces.

The OMM files under test are made from the real TLE files by an independent route: skyfield parses
the TLEs and sgp4's own exporter (``sgp4.exporter.export_omm``) gives the OMM keywords, written here
in CelesTrak's three layouts.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from sgp4.exporter import export_omm
from skyfield.api import load
from skyfield.iokit import parse_tle_file

from sdn_desktop.cli import main
from sdn_desktop.engine import Network
from sdn_desktop.scenario import read_tle_file, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scenarios" / "data"
TLE_FILES = {"iridium": DATA / "iridium-next_2021-01-30.tle", "gps": DATA / "gps-ops_2021-01-30.tle"}
ONE_M_KM = 1e-3
TIMES_S = np.array([0.0, 2700.0, 5400.0, 86400.0])
CELESTRAK_KEYS = (
    "OBJECT_NAME", "OBJECT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER", "MEAN_ANOMALY", "EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "NORAD_CAT_ID",
    "ELEMENT_SET_NO", "REV_AT_EPOCH", "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT",
)  # fmt: skip
XML_GROUPS = {
    "metadata": CELESTRAK_KEYS[:2] + ("CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY"),
    "meanElements": CELESTRAK_KEYS[2:9],
    "tleParameters": CELESTRAK_KEYS[9:],
}


def omm_records(tle: Path) -> list[dict]:
    with tle.open("rb") as f:
        sats = list(parse_tle_file(f, load.timescale(builtin=True)))
    return [export_omm(sat.model, sat.name) for sat in sats]


def write_xml(records: list[dict], path: Path) -> None:
    ndm = ET.Element("ndm")
    for record in records:
        omm = ET.SubElement(ndm, "omm", id="CCSDS_OMM_VERS", version="2.0")
        ET.SubElement(omm, "header")
        segment = ET.SubElement(ET.SubElement(omm, "body"), "segment")
        metadata, data = ET.SubElement(segment, "metadata"), ET.SubElement(segment, "data")
        for group, keys in XML_GROUPS.items():
            parent = metadata if group == "metadata" else ET.SubElement(data, group)
            for key in keys:
                ET.SubElement(parent, key).text = str(record[key])
    ET.ElementTree(ndm).write(path, encoding="UTF-8", xml_declaration=True)


@pytest.fixture(scope="module")
def omm_files(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(constellation, form) -> an OMM file of the same objects as the TLE file."""
    out = {}
    folder = tmp_path_factory.mktemp("omm")
    for name, tle in TLE_FILES.items():
        records = omm_records(tle)
        celestrak = [{k: r[k] for k in CELESTRAK_KEYS} for r in records]
        (path := folder / f"{name}.json").write_text(json.dumps(celestrak))
        out[name, "json"] = path
        spacetrack = [{k: str(v) for k, v in r.items()} for r in records]  # Space-Track: every value a string
        (path := folder / f"{name}_spacetrack.json").write_text(json.dumps(spacetrack, indent=1))
        out[name, "spacetrack-json"] = path
        with (path := folder / f"{name}.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, CELESTRAK_KEYS, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(celestrak)
        out[name, "csv"] = path
        write_xml(records, path := folder / f"{name}.xml")
        out[name, "xml"] = path
    return out


def network(path: Path, kind: str, **source) -> Network:
    source = {"kind": kind, "path": str(path), "plane_tolerance_deg": 5.0, **source}
    doc = {
        "format": "sdn-scenario",
        "version": 1,
        "time": {"start": "2021-01-30T12:00:00Z", "duration_s": 86400.0, "step_s": 60.0},
        "constellations": [{"name": "Sats", "source": source}],
    }
    return Network(scenario_from_dict(doc))


@pytest.fixture(scope="module")
def tle_networks() -> dict[str, tuple[Network, np.ndarray]]:
    out = {}
    for name, tle in TLE_FILES.items():
        net = network(tle, "tle")
        out[name] = net, net.propagate(TIMES_S)[0]
    return out


@pytest.mark.parametrize("form", ["json", "spacetrack-json", "csv", "xml"])
@pytest.mark.parametrize("name", ["iridium", "gps"])
def test_omm_and_tle_give_the_same_positions_and_planes(omm_files, tle_networks, name, form):
    """Same objects, same Earth-fixed positions (to 1 m over a day) and the same inferred planes and slots."""
    tle_net, tle_pos = tle_networks[name]
    omm_net = network(omm_files[name, form], "omm")
    assert omm_net.sats.names == tle_net.sats.names
    omm_pos = omm_net.propagate(TIMES_S)[0]
    assert np.isfinite(omm_pos).all()
    assert np.abs(omm_pos - tle_pos).max() < ONE_M_KM
    assert (omm_net.sats.plane == tle_net.sats.plane).all() and (omm_net.sats.slot == tle_net.sats.slot).all()
    assert not omm_net.warnings


def test_iridium_planes_inferred_from_omm(omm_files):
    """Iridium NEXT flies 6 planes; the layout inferred from OMM elements finds them, as from the TLEs."""
    net = network(omm_files["iridium", "xml"], "omm")
    assert len(np.unique(net.sats.plane)) == 6
    file_order = network(omm_files["iridium", "csv"], "omm", layout="file_order", planes=5)
    assert file_order.sats.plane.max() == 4


def test_broken_entries_are_skipped_with_file_entry_and_field(tmp_path):
    records = [{k: r[k] for k in CELESTRAK_KEYS} for r in omm_records(TLE_FILES["iridium"])[:4]]
    del records[1]["MEAN_MOTION"]
    records[2]["INCLINATION"] = "steep"
    (path := tmp_path / "broken.json").write_text(json.dumps(records))
    net = network(path, "omm")
    warnings = net.warnings
    assert len(net.sats) == 2
    assert any("broken.json: entry 2" in w and "MEAN_MOTION is missing" in w for w in warnings)
    assert any("broken.json: entry 3" in w and "INCLINATION 'steep' is not a number" in w for w in warnings)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[{\"OBJECT_NAME\": ", "not valid OMM JSON"),
        ("<ndm><omm>", "not valid OMM XML"),
        ("[]", "no OMM entries found (JSON)"),
        ("OBJECT_NAME,EPOCH\nX,2021-01-30T00:00:00\n", "no valid OMM entries"),
    ],
)
def test_unreadable_omm_is_one_line_naming_file_and_field(tmp_path, capsys, content, message):
    (tmp_path / "bad.omm").write_text(content)
    doc = {
        "format": "sdn-scenario",
        "version": 1,
        "time": {"start": "2021-01-30T12:00:00Z"},
        "constellations": [{"name": "Sats", "source": {"kind": "omm", "path": "bad.omm"}}],
    }
    (scenario := tmp_path / "s.json").write_text(json.dumps(doc))
    assert main(["validate", str(scenario)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "source.path" in out[0] and "bad.omm" in out[0] and message in out[0]


# ------------------------------------------------------------------ TLE and OMM out
# planes 51.43 deg apart, slots 32.73 deg apart: angles a TLE has to round
WALKER = {"kind": "walker", "planes": 7, "sats_per_plane": 11, "phasing": 3, "inclination_deg": 63.4,
          "altitude_km": 780.0, "raan_offset_deg": 12.5}  # fmt: skip
N_WALKER = 77
N_ALL = N_WALKER + 75  # and the 75 Iridium NEXT TLEs


@pytest.fixture(scope="module")
def walker_file(tmp_path_factory) -> Path:
    doc = {
        "format": "sdn-scenario",
        "version": 1,
        "time": {"start": "2021-01-31T06:30:00Z", "duration_s": 86400.0, "step_s": 60.0},
        "constellations": [
            {"name": "Shell", "source": WALKER, "isl": {"pattern": "none"}},
            {"name": "Iridium", "source": {"kind": "tle", "path": str(TLE_FILES["iridium"])},
             "isl": {"pattern": "none"}},
        ],  # fmt: skip
    }
    path = tmp_path_factory.mktemp("walker") / "walker.json"
    path.write_text(json.dumps(doc))
    return path


def exported_network(walker_file: Path, out: Path, kind: str) -> Network:
    doc = json.loads(walker_file.read_text())
    source = {"kind": kind, "path": str(out), "plane_tolerance_deg": 1.0}
    doc["constellations"] = [{"name": "Out", "source": source}]
    return Network(scenario_from_dict(doc))


@pytest.mark.parametrize("suffix", [".json", ".xml", ".csv"])
def test_walker_shell_exported_as_omm_reloads_to_the_same_positions(walker_file, tmp_path, capsys, suffix):
    out = tmp_path / f"elements{suffix}"
    assert main(["export", str(walker_file), "--omm", str(out)]) == 0
    assert f"wrote {out} ({N_ALL} satellites" in capsys.readouterr().out
    original = Network(scenario_from_dict(json.loads(walker_file.read_text())))
    reloaded = exported_network(walker_file, out, "omm")
    assert reloaded.sats.names == original.sats.names
    numbers = [s.satnum for s in reloaded.sats.satrecs]
    assert numbers[:N_WALKER] == list(range(1, N_WALKER + 1))  # generated satellites numbered in order
    assert len(set(numbers)) == N_ALL
    a, b = original.propagate(TIMES_S)[0], reloaded.propagate(TIMES_S)[0]
    assert np.abs(a - b).max() < ONE_M_KM
    assert same_planes(original, reloaded)


def same_planes(original: Network, reloaded: Network) -> bool:
    """The Walker satellites fall into the same planes (numbered from wherever inference starts)."""
    walker = slice(0, N_WALKER)
    pairs = set(zip(original.sats.plane[walker].tolist(), reloaded.sats.plane[walker].tolist(), strict=True))
    return len(pairs) == WALKER["planes"] and len({b for _, b in pairs}) == WALKER["planes"]


def test_walker_shell_exported_as_tle_reloads_within_tle_precision(walker_file, tmp_path):
    """TLE angles carry 4 decimals of a degree (1e-4 deg is 12 m at 780 km altitude): 30 m over a day."""
    out = tmp_path / "elements.tle"
    assert main(["export", str(walker_file), "--tle", str(out)]) == 0
    original = Network(scenario_from_dict(json.loads(walker_file.read_text())))
    reloaded = exported_network(walker_file, out, "tle")
    assert reloaded.sats.names == original.sats.names and not reloaded.warnings
    a, b = original.propagate(TIMES_S)[0], reloaded.propagate(TIMES_S)[0]
    assert np.abs(a - b).max() < 0.03
    assert same_planes(original, reloaded)
    # a TLE source is passed through line for line
    lines = out.read_text().splitlines()
    source = read_tle_file(TLE_FILES["iridium"]).records
    assert lines[N_WALKER * 3 :] == [x for r in source for x in (r.name, r.line1, r.line2)]


def test_export_needs_an_output_and_a_known_omm_form(walker_file, tmp_path, capsys):
    assert main(["export", str(walker_file)]) == 2
    assert main(["export", str(walker_file), "--omm", str(tmp_path / "x.kvn")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "give at least one of --czml, --tle and --omm" in err[0]
    assert "--omm" in err[1] and ".json, .xml, .csv" in err[1]


def test_elements_a_tle_cannot_carry_are_refused_by_name(tmp_path, capsys):
    records = [{k: r[k] for k in CELESTRAK_KEYS} for r in omm_records(TLE_FILES["iridium"])[:3]]
    records[0]["MEAN_ANOMALY"] = -10.0  # fine for SGP4, not for a TLE's 0-360 field
    records[1]["NORAD_CAT_ID"] = 400000  # beyond Alpha-5: SGP4 (sgp4init) refuses it
    (tmp_path / "odd.json").write_text(json.dumps(records))
    doc = {
        "format": "sdn-scenario",
        "version": 1,
        "time": {"start": "2021-01-30T12:00:00Z"},
        "constellations": [{"name": "Odd", "source": {"kind": "omm", "path": "odd.json"}}],
    }
    (scenario := tmp_path / "odd_scenario.json").write_text(json.dumps(doc))
    assert main(["export", str(scenario), "--tle", str(tmp_path / "odd.tle")]) == 2
    err = capsys.readouterr().err
    assert "entry 2: satellite number cannot exceed 339999" in err
    assert f"--tle: '{records[0]['OBJECT_NAME']}' cannot be written as a TLE" in err
    assert not (tmp_path / "odd.tle").exists()
