"""Bad threats and events (format v2): one line naming the file, the object and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdn_desktop.cli import main
from sdn_desktop.scenario import ScenarioError, load_scenario


def base() -> dict:
    return {
        "format": "sdn-scenario",
        "version": 2,
        "time": {"start": "2026-01-01T00:00:00Z", "duration_s": 600.0, "step_s": 60.0},
        "constellations": [
            {"name": "Shell", "operator": "Vendor A", "sensor": True,
             "source": {"kind": "walker", "planes": 4, "sats_per_plane": 5, "phasing": 1,
                        "inclination_deg": 53.0, "altitude_km": 550.0}},
        ],
        "nodes": [
            {"name": "Radar", "role": "sensor", "position": {"lat_deg": 10.0, "lon_deg": 20.0}},
            {"name": "Ship", "role": "shooter", "position": {"lat_deg": 12.0, "lon_deg": 25.0}},
        ],
        "threats": [
            {"name": "Glider", "kind": "hypersonic_glide", "waypoints": [
                {"t_s": 0.0, "lat_deg": 11.0, "lon_deg": 21.0, "alt_m": 30000.0},
                {"t_s": 600.0, "lat_deg": 12.0, "lon_deg": 24.0, "alt_m": 20000.0}]},
        ],
        "chains": [{"name": "Kill", "nodes": ["Glider", "Ship"]}],
        "events": [
            {"kind": "destroy", "name": "ASAT", "at_s": 100.0, "satellites": ["Shell P00S01"]},
            {"kind": "jam", "name": "Jammer", "from_s": 0.0, "until_s": 300.0,
             "center": {"lat_deg": 12.0, "lon_deg": 25.0}, "radius_km": 50.0},
            {"kind": "outage", "name": "Vendor", "from_s": 60.0, "operators": ["Vendor A"],
             "cause": "vendor"},
            {"kind": "cut_links", "name": "Cyber", "from_s": 0.0, "until_s": 60.0,
             "links": [["Shell P00S01", "Shell P00S02"]]},
        ],
    }  # fmt: skip


def event(i: int, **fields):
    return lambda doc: doc["events"][i].update(fields)


CASES = {
    "fraction 1.5": (
        event(0, random={"fraction": 1.5, "seed": 1}),
        "events[0] 'ASAT'.random.fraction: Input should be less than or equal to 1",
    ),
    "radius 0": (
        event(1, radius_km=0.0),
        "events[1] 'Jammer'.radius_km: Input should be greater than 0",
    ),
    "until before from": (
        event(1, from_s=300.0, until_s=200.0),
        "events[1] 'Jammer'.until_s: 200 s is not after from_s (300 s)",
    ),
    "unknown satellite": (
        event(0, satellites=["Shell P09S01"]),
        "events[0] 'ASAT'.satellites[0]: no satellite named 'Shell P09S01'",
    ),
    "unknown constellation of planes": (
        event(0, planes=[{"constellation": "Nope", "planes": [0]}]),
        "events[0] 'ASAT'.planes[0].constellation: no constellation named 'Nope'",
    ),
    "plane number out of range": (
        event(0, planes=[{"constellation": "Shell", "planes": [1, 4]}]),
        "events[0] 'ASAT'.planes[0].planes: 'Shell' has planes 0..3",
    ),
    "unknown operator": (
        event(2, operators=["Vendor Z"]),
        "events[2] 'Vendor'.operators[0]: no constellation has operator 'Vendor Z'",
    ),
    "unknown node in an outage": (
        event(2, nodes=["Nowhere"]),
        "events[2] 'Vendor'.nodes[0]: no node named 'Nowhere'",
    ),
    "unknown cause": (
        event(2, cause="weather"),
        "events[2] 'Vendor'.cause: Input should be 'vendor', 'cyber' or 'fault'",
    ),
    "unknown satellite in a cut link": (
        event(3, links=[["Shell P00S01", "Other P00S02"]]),
        "events[3] 'Cyber'.links[0][1]: no satellite named 'Other P00S02'",
    ),
    "unknown event kind": (
        event(3, kind="emp"),
        "events[3] 'Cyber': Input tag 'emp' found using 'kind' does not match any of the expected tags: "
        "'destroy', 'jam', 'outage', 'cut_links'",
    ),
    "two events of one name": (
        event(3, name="ASAT"),
        "events[3] 'ASAT'.name: 'ASAT' is already the name of an event",
    ),
    "threat waypoints out of order": (
        lambda d: d["threats"][0]["waypoints"][1].update(t_s=0.0),
        "threats[0] 'Glider'.waypoints[1].t_s: 0 s is not after the previous waypoint (0 s)",
    ),
    "threat of an unknown kind": (
        lambda d: d["threats"][0].update(kind="balloon"),
        "threats[0] 'Glider'.kind: Input should be 'aircraft', 'cruise_missile', 'hypersonic_glide', "
        "'ballistic_missile' or 'ship'",
    ),
    "threat named like a node": (
        lambda d: d["threats"][0].update(name="Radar"),
        "threats[0] 'Radar'.name: 'Radar' is already the name of a node",
    ),
    "threat in the middle of a chain": (
        lambda d: d["chains"][0].update(nodes=["Radar", "Glider", "Ship"]),
        "chains[0] 'Kill'.nodes[1]: threat 'Glider' can only start a chain",
    ),
    "chain sensors name no sensor": (
        lambda d: d["chains"][0].update(sensors=["Ship"]),
        "chains[0] 'Kill'.sensors[0]: no sensor node or sensor constellation named 'Ship'",
    ),
    "sensors on a chain without a threat": (
        lambda d: d["chains"][0].update(nodes=["Radar", "Ship"], sensors=["Radar"]),
        "chains[0] 'Kill'.sensors: only a chain that starts at a threat has sensors",
    ),
    "azimuth beyond 360": (
        lambda d: d["nodes"][0].update(detection={"azimuth_from_deg": 10.0, "azimuth_to_deg": 400.0}),
        "nodes[0] 'Radar'.detection.azimuth_to_deg: Input should be less than or equal to 360",
    ),
    "half an azimuth sector": (
        lambda d: d["nodes"][0].update(detection={"azimuth_from_deg": 10.0}),
        "nodes[0] 'Radar'.detection: give both azimuth_from_deg and azimuth_to_deg, or neither",
    ),
    "cone as wide as the horizon": (
        lambda d: d["constellations"][0].update(field_of_regard={"half_angle_deg": 90.0}),
        "constellations[0] 'Shell'.field_of_regard.half_angle_deg: Input should be less than 90",
    ),
}


def write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, indent=2))
    return path


def test_the_base_document_is_valid(tmp_path):
    assert len(load_scenario(write(tmp_path, base())).events) == 4


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_threats_and_events_are_named(tmp_path, case):
    change, expected = CASES[case]
    doc = base()
    change(doc)
    path = write(tmp_path, doc)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.problems == [expected]
    assert str(err.value) == f"{path}: {expected}"


@pytest.mark.parametrize("case", ["fraction 1.5", "threat waypoints out of order"])
def test_cli_reports_them_without_a_traceback(tmp_path, capsys, case):
    change, expected = CASES[case]
    doc = base()
    change(doc)
    path = write(tmp_path, doc)
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [f"{path}: {expected}"]
    assert main(["analyze", str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [f"{path}: {expected}"]
