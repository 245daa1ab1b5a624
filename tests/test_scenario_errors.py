"""Bad scenario files: every problem is one clear line naming the file, the object and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdn_desktop.engine import Network, SatelliteSourceError
from sdn_desktop.scenario import ScenarioError, load_scenario


def base() -> dict:
    return {
        "format": "sdn-scenario",
        "version": 1,
        "time": {"start": "2026-01-01T00:00:00Z", "duration_s": 600.0, "step_s": 10.0},
        "constellations": [
            {
                "name": "Shell",
                "source": {
                    "kind": "walker", "planes": 4, "sats_per_plane": 5, "phasing": 1,
                    "inclination_deg": 53.0, "altitude_km": 550.0,
                },
            }
        ],
        "nodes": [
            {"name": "Radar", "role": "sensor", "position": {"lat_deg": 10.0, "lon_deg": 20.0}},
            {"name": "Ship", "role": "shooter", "position": {"lat_deg": 12.0, "lon_deg": 25.0}},
        ],
        "chains": [{"name": "Kill", "nodes": ["Radar", "Ship"]}],
    }  # fmt: skip


def write(tmp_path: Path, doc: dict, name: str = "bad.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value) == "\n".join(f"{path}: {p}" for p in err.value.problems)
    assert "Traceback" not in str(err.value)
    return err.value.problems


def source(**fields):
    def change(doc):
        doc["constellations"][0]["source"].update(fields)

    return change


CASES = {
    "negative altitude": (
        source(altitude_km=-550.0),
        "constellations[0] 'Shell'.source.altitude_km: Input should be greater than 100",
    ),
    "inclination 181": (
        source(inclination_deg=181.0),
        "constellations[0] 'Shell'.source.inclination_deg: Input should be less than or equal to 180",
    ),
    "zero planes": (
        source(planes=0),
        "constellations[0] 'Shell'.source.planes: Input should be greater than or equal to 1",
    ),
    "phasing equal to planes": (
        source(phasing=4),
        "constellations[0] 'Shell'.source: phasing F=4 must be smaller than planes=4",
    ),
    "altitude and mean motion": (
        source(mean_motion_rev_per_day=15.0),
        "constellations[0] 'Shell'.source: give exactly one of altitude_km and mean_motion_rev_per_day",
    ),
    "step longer than duration": (
        lambda d: d["time"].update(step_s=700.0),
        "time: step_s (700.0 s) is longer than duration_s (600.0 s)",
    ),
    "wrong type": (
        source(planes="many"),
        "constellations[0] 'Shell'.source.planes: Input should be a valid integer, "
        "unable to parse string as an integer",
    ),
    "unknown field": (
        lambda d: d["nodes"][1].update(colour="#ffffff"),
        "nodes[1] 'Ship'.colour: unknown field",
    ),
    "missing field": (
        lambda d: d["nodes"][0].pop("role"),
        "nodes[0] 'Radar'.role: required field is missing",
    ),
    "chain names a missing node": (
        lambda d: d["chains"][0]["nodes"].append("Nowhere"),
        "chains[0] 'Kill'.nodes[2]: no node or sensor constellation named 'Nowhere'",
    ),
    "chain starts at a constellation without sensors": (
        lambda d: d["chains"][0]["nodes"].insert(0, "Shell"),
        "chains[0] 'Kill'.nodes[0]: constellation 'Shell' is not marked as a sensor",
    ),
    "a node named like a constellation": (
        lambda d: d["nodes"][0].update(name="Shell"),
        "nodes[0] 'Shell'.name: 'Shell' is already the name of a constellation",
    ),
    "node without a position": (
        lambda d: d["nodes"][0].pop("position"),
        "nodes[0] 'Radar': give exactly one of position and waypoints",
    ),
    "bad colour": (
        lambda d: d["chains"][0].update(color="red"),
        "chains[0] 'Kill'.color: String should match pattern '^#[0-9a-fA-F]{6}$'",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_impossible_parameters_are_named(tmp_path, case):
    change, expected = CASES[case]
    doc = base()
    change(doc)
    assert problems_of(write(tmp_path, doc)) == [expected]


def test_every_problem_is_reported(tmp_path):
    doc = base()
    source(altitude_km=-1.0)(doc)
    doc["nodes"][1]["colour"] = "#ffffff"
    doc["time"]["duration_s"] = "long"
    problems = problems_of(write(tmp_path, doc))
    assert len(problems) == 3
    assert any(p.startswith("time.duration_s:") for p in problems)


def test_malformed_json_names_file_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "sdn-scenario",\n  "version": 1,\n  "time": {"start": "x",}\n}\n')
    assert problems_of(path) == [
        "line 4 column 25: invalid JSON: Expecting property name enclosed in double quotes"
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "line 1 column 1: invalid JSON: Expecting value"),
        (b"[1, 2]", "the document is not a JSON object"),
        (b'{"format": "sdn-scenario", "version": 1, "time": {"start": "\xff"}}', "cannot read: "),
    ],
)
def test_unusable_documents(tmp_path, content, expected):
    path = tmp_path / "odd.json"
    path.write_bytes(content)
    (problem,) = problems_of(path)
    assert problem.startswith(expected)


def test_missing_scenario_file(tmp_path):
    assert problems_of(tmp_path / "nowhere.json") == ["file not found"]


def test_missing_tle_file_names_constellation_and_path(tmp_path):
    doc = base()
    doc["constellations"].append({"name": "Real", "source": {"kind": "tle", "path": "data/none.tle"}})
    path = write(tmp_path, doc)
    with pytest.raises(SatelliteSourceError) as err:
        Network(load_scenario(path), tmp_path)
    assert (
        str(err.value)
        == f"constellation 'Real': source.path '{tmp_path / 'data' / 'none.tle'}': file not found"
    )


def test_tle_file_without_a_valid_entry(tmp_path):
    (tmp_path / "junk.tle").write_text("not a TLE\n1 too short\n")
    doc = base()
    doc["constellations"] = [{"name": "Junk", "source": {"kind": "tle", "path": "junk.tle"}}]
    doc["chains"] = []
    with pytest.raises(
        SatelliteSourceError, match=r"constellation 'Junk': .*junk\.tle': no valid TLE entries"
    ):
        Network(load_scenario(write(tmp_path, doc)), tmp_path)
