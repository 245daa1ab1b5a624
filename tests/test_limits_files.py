"""The work limits hold for satellites read from TLE and OMM files: on every command, and in the app
(the limit is shown where the file or constellation is given, and no engine process gets the
scenario). The limits are lowered through scenario/limits.py so the files stay small."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sgp4.api import WGS72, Satrec
from sgp4.exporter import export_tle

from sdn_desktop.cli import main
from sdn_desktop.scenario import ScenarioError
from sdn_desktop.scenario import limits as limits_module

START = datetime(2026, 1, 1, tzinfo=UTC)
LIMIT = 100  # MAX_SATELLITES in these tests
OVER = 120  # satellites in the big file


def _satellites(count: int) -> list[Satrec]:
    """``count`` valid circular LEO satellites spread over 12 planes, element sets of the day."""
    epoch = (START - datetime(1949, 12, 31, tzinfo=UTC)).total_seconds() / 86400.0
    sats = []
    for i in range(count):
        sat = Satrec()
        sat.sgp4init(
            WGS72, "i", i + 1, epoch, 0.0, 0.0, 0.0, 0.0001, 0.0, math.radians(53.0),
            math.radians(i * 37 % 360), 15.0 * 2 * math.pi / 1440, math.radians(i % 12 * 30),
        )  # fmt: skip
        sats.append(sat)
    return sats


def write_tle(path: Path, count: int) -> Path:
    lines = []
    for i, sat in enumerate(_satellites(count)):
        lines += [f"SYNTH {i}", *export_tle(sat)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_omm_json(path: Path, count: int) -> Path:
    entries = [
        {
            "OBJECT_NAME": f"SYNTH {i}",
            "NORAD_CAT_ID": i + 1,
            "EPOCH": START.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "MEAN_MOTION": 15.0,
            "ECCENTRICITY": 0.0001,
            "INCLINATION": 53.0,
            "RA_OF_ASC_NODE": i % 12 * 30.0,
            "ARG_OF_PERICENTER": 0.0,
            "MEAN_ANOMALY": i * 37 % 360.0,
        }
        for i in range(count)
    ]
    path.write_text(json.dumps(entries))
    return path


def write_scenario(folder: Path, constellations: list[dict], name: str = "big.json") -> Path:
    doc = {
        "format": "sdn-scenario",
        "version": 2,
        "name": "File limits",
        "time": {"start": START.isoformat(), "duration_s": 600.0, "step_s": 60.0},
        "constellations": constellations,
        "nodes": [
            {"name": "Radar", "role": "sensor", "position": {"lat_deg": 50.0, "lon_deg": 0.0}},
            {"name": "Battery", "role": "shooter", "position": {"lat_deg": 35.0, "lon_deg": 140.0}},
        ],
        "chains": [{"name": "Track", "nodes": ["Radar", "Battery"]}],
    }
    path = folder / name
    path.write_text(json.dumps(doc))
    return path


def tle_constellation(file: str, name: str = "Big") -> dict:
    return {"name": name, "source": {"kind": "tle", "path": file}, "isl": {"pattern": "none"}}


@pytest.fixture
def lowered(monkeypatch):
    monkeypatch.setattr(limits_module, "MAX_SATELLITES", LIMIT)


@pytest.fixture
def big_tle_scenario(tmp_path, lowered) -> Path:
    write_tle(tmp_path / "big.tle", OVER)
    return write_scenario(tmp_path, [tle_constellation("big.tle")])


def too_many(total: int, from_file: int, file: str) -> str:
    return (
        f"{total:,} satellites exceed the limit of {LIMIT:,} satellites per scenario; "
        f"{from_file:,} of the satellites are read from {file}"
    )


def run(capsys, *argv: str) -> tuple[int, list[str]]:
    """Exit status and every printed line (stdout, then stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out.splitlines() + out.err.splitlines()


# ------------------------------------------------------------------ command line
@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["analyze"],
        ["report", "-o", "{out}/report.json"],
        ["export", "--czml", "{out}/scene.czml"],
        ["resilience", "--trials", "2", "--attrition", "0,0.5"],
        ["record", "-o", "{out}/movie.gif", "--duration", "60"],
        ["snapshot", "-o", "{out}/frame.png"],
    ],
    ids=lambda command: command[0],
)
def test_every_command_refuses_a_tle_file_over_the_satellite_limit(capsys, big_tle_scenario, command):
    verb, *options = (part.format(out=big_tle_scenario.parent) for part in command)
    code, lines = run(capsys, verb, str(big_tle_scenario), *options)
    where = f"{big_tle_scenario}: constellations[0].source.path: "
    assert (code, lines) == (1, [where + too_many(OVER, OVER, "big.tle")])
    assert sorted(p.name for p in big_tle_scenario.parent.iterdir()) == ["big.json", "big.tle"]


def test_omm_satellites_count_with_the_walker_shells(capsys, tmp_path, lowered):
    write_omm_json(tmp_path / "elements.json", 90)
    shell = {
        "name": "Shell",
        "source": {
            "kind": "walker",
            "planes": 2,
            "sats_per_plane": 10,
            "inclination_deg": 53,
            "altitude_km": 550,
        },
    }
    omm = {"name": "Vendor", "source": {"kind": "omm", "path": "elements.json"}, "isl": {"pattern": "none"}}
    path = write_scenario(tmp_path, [shell, omm])
    code, lines = run(capsys, "analyze", str(path))
    assert (code, lines) == (
        1,
        [f"{path}: constellations[1].source.path: " + too_many(110, 90, "elements.json")],
    )


def test_node_satellite_pairs_count_the_file_satellites(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(limits_module, "MAX_NODE_SATELLITE_PAIRS", 100)
    write_tle(tmp_path / "sixty.tle", 60)
    path = write_scenario(tmp_path, [tle_constellation("sixty.tle")])
    code, lines = run(capsys, "report", str(path))
    assert code == 1
    assert lines == [
        f"{path}: constellations[0].source.path: 2 nodes x 60 satellites = 120 node-satellite pairs per step "
        "exceed the limit of 100; 60 of the satellites are read from sixty.tle"
    ]


def test_a_window_changed_on_the_command_line_is_checked_with_the_file(capsys, tmp_path, monkeypatch):
    """--step makes the route results too many: refused before the engine routes anything."""
    monkeypatch.setattr(limits_module, "MAX_ROUTE_RESULTS", 50)
    write_tle(tmp_path / "ten.tle", 10)
    path = write_scenario(tmp_path, [tle_constellation("ten.tle")])
    code, lines = run(capsys, "export", str(path), "--czml", str(tmp_path / "x.czml"), "--step", "6")
    assert code == 1 and not (tmp_path / "x.czml").exists()
    assert lines == [
        f"{path}: chains: 1 chain legs x 101 steps = 101 route results exceed the limit of 50; "
        "raise step_s, shorten duration_s or split the chains"
    ]


# ------------------------------------------------------------------ the app
def _engine_loads(monkeypatch) -> list:
    """Every scenario an engine process of the app is asked to load, from now on."""
    from sdn_desktop.engine.process import EngineProcess

    loads = []
    real = EngineProcess.load

    def load(process, scenario, base_dir):
        loads.append(scenario)
        return real(process, scenario, base_dir)

    monkeypatch.setattr(EngineProcess, "load", load)
    return loads


@pytest.fixture
def window(shared_window, small_scenario_file):
    shared_window.document.undo_stack.setClean()
    assert shared_window.open_path(small_scenario_file)
    yield shared_window
    shared_window.document.undo_stack.setClean()


def test_opening_a_scenario_over_the_limit_says_where_and_starts_no_engine(
    window, big_tle_scenario, answers, monkeypatch
):
    loads = _engine_loads(monkeypatch)
    before = window.scenario
    assert not window.open_path(big_tle_scenario)
    assert f"constellations[0] 'Big'.source.path: {too_many(OVER, OVER, 'big.tle')}" in answers.shown[0]
    assert window.scenario is before and loads == []


def test_importing_a_tle_file_over_the_limit_is_refused_with_the_reason(window, tmp_path, lowered, answers):
    before = window.scenario
    window.import_tle_file(write_tle(tmp_path / "Huge.tle", 90))  # 36 shell satellites + 90 > 100
    assert answers.shown[0] == f"Add Huge is not possible:\nPath of Huge: {too_many(126, 90, 'Huge.tle')}"
    assert window.scenario is before


def test_a_path_edited_to_a_bigger_file_is_refused_at_the_field(make_document, tmp_path, lowered):
    write_tle(tmp_path / "ten.tle", 10)
    write_tle(tmp_path / "big.tle", OVER)
    document = make_document(None)
    document.open(write_scenario(tmp_path, [tle_constellation("ten.tle")]))
    opened = document.scenario
    problems = document.try_set_fields([("constellations", 0, "source", "path")], "big.tle")
    assert problems == [f"constellations[0] 'Big'.source.path: {too_many(OVER, OVER, 'big.tle')}"]
    assert document.scenario is opened and document.undo_stack.count() == 0


def test_the_document_refuses_to_open_a_file_over_the_limit(make_document, big_tle_scenario):
    document = make_document(None)
    with pytest.raises(ScenarioError) as err:
        document.open(big_tle_scenario)
    assert err.value.problems == [f"constellations[0] 'Big'.source.path: {too_many(OVER, OVER, 'big.tle')}"]


def test_a_file_grown_after_opening_never_reaches_the_engine(qtbot, tmp_path, lowered, monkeypatch):
    """The analysis checks the files again before an engine process loads the scenario."""
    from sdn_desktop.scenario import load_scenario
    from sdn_desktop.ui.compute import Analysis

    write_tle(tmp_path / "grows.tle", 10)
    scenario = load_scenario(write_scenario(tmp_path, [tle_constellation("grows.tle", "Grows")]))
    write_tle(tmp_path / "grows.tle", OVER)
    loads = _engine_loads(monkeypatch)
    analysis = Analysis()
    try:
        with qtbot.waitSignal(analysis.failed, timeout=10000) as failed:
            assert analysis.set_scenario(scenario, tmp_path)
        assert failed.args == [f"constellations[0] 'Grows'.source.path: {too_many(OVER, OVER, 'grows.tle')}"]
        assert loads == []
    finally:
        analysis.stop()
