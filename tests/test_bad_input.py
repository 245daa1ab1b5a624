"""Bad input gives one clear line naming the file and the field, never a traceback or a hang."""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path

import pytest

from sdn_desktop.cli import main
from sdn_desktop.engine import Network, SatelliteSourceError
from sdn_desktop.scenario import ScenarioError, load_scenario, read_tle_file, save_scenario
from sdn_desktop.scenario import limits as limits_module

DATA = Path(__file__).resolve().parent / "data"
EVERY_FIELD = json.loads((DATA / "every_field.json").read_text())
IRIDIUM = Path(__file__).resolve().parent.parent / "scenarios" / "iridium_next_real_tle.json"


def document() -> dict:
    """every_field.json with its TLE paths made absolute, so the copy works from any folder."""
    doc = copy.deepcopy(EVERY_FIELD)
    for c in doc["constellations"]:
        if c["source"]["kind"] == "tle":
            c["source"]["path"] = str(DATA / c["source"]["path"])
    return doc


def write_text(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return err.value.problems


def text_with(replace: str, by: str) -> str:
    text = json.dumps(document())
    assert replace in text
    return text.replace(replace, by, 1)


def changed(change) -> str:
    doc = document()
    change(doc)
    return json.dumps(doc)


def shell(**fields):
    return lambda doc: doc["constellations"][0]["source"].update(fields)


BAD_FILES = {
    "integer of 5,000 digits": (
        text_with('"planes": 6', '"planes": ' + "9" * 5000),
        ["constellations[0] 'Star'.source.planes: an integer of 5,000 digits is out of range"],
    ),
    "max_links 2**63": (
        changed(lambda d: d["nodes"][0].update(max_links=2**63)),
        [
            "nodes[0] 'Radar'.max_links: 9223372036854775808 is out of range "
            "(at most 2**53 = 9,007,199,254,740,992 in size)"
        ],
    ),
    "plane_offset -2**63": (
        changed(lambda d: d["constellations"][0]["isl"].update(plane_offset=-(2**63))),
        [
            "constellations[0] 'Star'.isl.plane_offset: -9223372036854775808 is out of range "
            "(at most 2**53 = 9,007,199,254,740,992 in size)"
        ],
    ),
    "nested 10,000 levels": (
        '{"format": "sdn-scenario", "version": 1, "time": ' + "[" * 10000 + "]" * 10000 + "}",
        ["the document is nested more than 64 levels deep"],
    ),
    "nested 100 levels": (
        text_with('"description": ', '"description": ' + "[" * 100 + "]" * 100 + ', "x": '),
        ["the document is nested more than 64 levels deep"],
    ),
    "Infinity": (
        text_with('"max_range_km": 5000.0', '"max_range_km": Infinity'),
        [
            "constellations[1] 'Delta'.isl.max_range_km: Infinity is not a number JSON allows; "
            "give a finite number"
        ],
    ),
    "NaN": (
        text_with('"duration_s": 1200.0', '"duration_s": NaN'),
        ["time.duration_s: NaN is not a number JSON allows; give a finite number"],
    ),
    "-Infinity": (
        text_with('"lat_deg": ', '"lat_deg": -Infinity, "x": '),
        ["nodes[0] 'Radar'.position.lat_deg: -Infinity is not a number JSON allows; give a finite number"],
    ),
    "1e999": (
        text_with('"step_s": 30.0', '"step_s": 1e999'),
        ["time.step_s: 1e999 is too large for a number"],
    ),
    "true as a number": (
        changed(lambda d: d["constellations"][0]["isl"].update(max_range_km=True)),
        ["constellations[0] 'Star'.isl.max_range_km: expected a number, found true"],
    ),
    "false as an integer": (
        changed(shell(planes=False)),
        ["constellations[0] 'Star'.source.planes: expected a number, found false"],
    ),
    "duplicate key": (
        text_with('"role": ', '"role": "c2", "role": '),
        ["nodes[0] 'Radar': duplicate key 'role'"],
    ),
    "lone surrogate in a name": (
        text_with('"name": "Radar"', '"name": "Ra\\ud800dar"'),
        ["nodes[0] 'Ra\\ud800dar'.name: holds a lone surrogate (\\ud800), which cannot be saved as UTF-8"],
    ),
    "lone surrogate in a description": (
        text_with('"description": "', '"description": "\\udfff'),
        ["description: holds a lone surrogate (\\udfff), which cannot be saved as UTF-8"],
    ),
    "terminal escape in a name": (
        text_with('"name": "Radar"', '"name": "\\u001b[2J\\u001b]0;owned\\u0007Radar"'),
        [
            "nodes[0] '\\x1b[2J\\x1b]0;owned\\x07Radar'.name: holds the non-printable character \\x1b; "
            "names must be printable"
        ],
    ),
    "unknown key with an escape": (
        text_with('"role": ', '"\\u001b[31m": 1, "role": '),
        ["nodes[0] 'Radar'.\\x1b[31m: unknown field"],
    ),
    "NUL in a TLE path": (
        changed(lambda d: d["constellations"][2]["source"].update(path="a\x00b.tle")),
        [
            "constellations[2] 'Iridium'.source.path: holds the control character \\x00; "
            "a path cannot contain control characters"
        ],
    ),
    "Walker shell of 340,000": (
        changed(shell(planes=340, sats_per_plane=1000, phasing=0)),
        [
            "constellations[0] 'Star'.source: 340 planes x 1,000 satellites = 340,000 satellites exceed "
            "the limit of 50,000 satellites"
        ],
    ),
    "Walker shells of 60,000 in all": (
        changed(
            lambda d: [
                shell(planes=200, sats_per_plane=150)(d),
                d["constellations"][1]["source"].update(planes=200, sats_per_plane=150),
            ]
        ),
        ["constellations: 60,000 satellites exceed the limit of 50,000 satellites per scenario"],
    ),
    "5,000 nodes": (
        changed(
            lambda d: d.update(nodes=[dict(d["nodes"][1], name=f"N{i}") for i in range(5000)], chains=[])
        ),
        ["nodes: 5,000 nodes exceed the limit of 1,000 nodes per scenario"],
    ),
    "2,000 chains": (
        changed(lambda d: d.update(chains=[dict(d["chains"][1], name=f"C{i}") for i in range(2000)])),
        ["chains: 2,000 chains exceed the limit of 1,000 chains per scenario"],
    ),
    "step 1 ms over 30 days": (
        changed(lambda d: d["time"].update(step_s=0.001, duration_s=30 * 86400)),
        [
            "time: 2,592,000,001 steps exceed the limit of 1,000,000 steps per analysis; "
            "raise step_s or shorten duration_s"
        ],
    ),
    "route results": (
        changed(lambda d: d["time"].update(step_s=3.0, duration_s=30 * 86400)),
        [
            "chains: 7 chain legs x 864,001 steps = 6,048,007 route results exceed the limit of "
            "1,000,000; raise step_s, shorten duration_s or split the chains"
        ],
    ),
    "year 9999": (
        changed(lambda d: d["time"].update(start="9999-12-31T00:00:00Z")),
        ["time.start: year 9999 is outside the supported years 1950 to 2200"],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=str)
def test_bad_file_gives_one_line_per_problem(tmp_path, case):
    text, expected = BAD_FILES[case]
    assert problems(write_text(tmp_path, text)) == expected


@pytest.mark.parametrize(
    "case", ["terminal escape in a name", "unknown key with an escape", "lone surrogate in a name"]
)
def test_messages_are_printable(tmp_path, case):
    """The message quotes the bad text escaped: no raw control code, nothing UTF-8 cannot encode."""
    path = write_text(tmp_path, BAD_FILES[case][0])
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).isprintable() and str(err.value).encode("utf-8")


def test_nan_can_neither_be_set_nor_saved(tmp_path):
    scenario = load_scenario(IRIDIUM)
    with pytest.raises(ValueError, match="finite number"):
        scenario.constellations[0].isl.max_range_km = float("inf")
    broken = scenario.model_copy(deep=True)
    broken.time.__dict__["duration_s"] = float("nan")  # as if a bug bypassed validation
    with pytest.raises(ValueError, match="JSON compliant"):
        save_scenario(broken, tmp_path / "out.json")
    assert not list(tmp_path.iterdir())


def test_chain_names_are_checked_in_linear_time(tmp_path, monkeypatch):
    monkeypatch.setattr(limits_module, "MAX_CHAINS", 100_000)
    monkeypatch.setattr(limits_module, "MAX_ROUTE_RESULTS", 10**9)

    def seconds_to_load(chains: int) -> float:
        doc = document()
        doc["chains"] = [dict(doc["chains"][1], name=f"C{i}") for i in range(chains)]
        path = write_text(tmp_path, json.dumps(doc))
        started = time.perf_counter()
        assert len(load_scenario(path).chains) == chains
        return time.perf_counter() - started

    ratio = seconds_to_load(8000) / seconds_to_load(1000)
    assert ratio < 24  # 8 when linear, 64 when quadratic


def test_scenario_file_size_is_limited(tmp_path):
    path = write_text(tmp_path, json.dumps(document())[:-1] + ', "description": "' + "x" * 17_000_000 + '"}')
    assert problems(path) == ["is 16.2 MiB, over the limit of 16.0 MiB for scenario files"]


# ------------------------------------------------------------------ TLE paths
@pytest.fixture
def tle_paths(tmp_path):
    os.mkfifo(tmp_path / "fifo.tle")
    (tmp_path / "zero.tle").symlink_to("/dev/zero")
    (tmp_path / "loop.tle").symlink_to("loop.tle")
    (tmp_path / "big.tle").write_bytes(b"\n" * (limits_module.MAX_TLE_BYTES + 1))
    return tmp_path


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("fifo.tle", "is a FIFO, not a regular file"),
        ("zero.tle", "is a character device, not a regular file"),
        ("loop.tle", "cannot open: a symbolic link loop"),
        ("big.tle", "is 32.0 MiB, over the limit of 32.0 MiB for TLE files"),
    ],
)
def test_unusable_tle_paths_name_the_constellation(tle_paths, name, reason):
    doc = document()
    doc["constellations"][2]["source"]["path"] = name
    path = tle_paths / "scenario.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(SatelliteSourceError) as err:
        Network(load_scenario(path), tle_paths)
    assert str(err.value) == f"constellation 'Iridium': source.path '{tle_paths / name}': {reason}"


def test_tle_file_with_too_many_entries(tmp_path, monkeypatch):
    monkeypatch.setattr("sdn_desktop.scenario.tle.MAX_SATELLITES", 2)
    doc = document()
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(SatelliteSourceError, match="holds more than the limit of 2 satellites"):
        Network(load_scenario(path), tmp_path)


# ------------------------------------------------------------------ command line
def run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--duration", "1e9"], "--duration: Input should be less than or equal to 2592000"),
        (["--duration", "inf"], "--duration: Input should be a finite number"),
        (
            ["--step", "0.0001"],
            "--step: 60,000,001 steps exceed the limit of 1,000,000 steps per analysis; "
            "raise step_s or shorten duration_s",
        ),
        (
            ["--start", "9999-01-01T00:00:00Z"],
            "--start: year 9999 is outside the supported years 1950 to 2200",
        ),
        (["--at", "inf"], "--at: offsets must be finite and at most 2,592,000 s"),
        (["--at", "0,nan"], "--at: offsets must be finite and at most 2,592,000 s"),
        (["--at", "1e15"], "--at: offsets must be finite and at most 2,592,000 s"),
    ],
)
def test_analyze_option_bounds_exit_2(capsys, args, message):
    code, out, err = run(capsys, "analyze", str(IRIDIUM), *args)
    assert (code, out, err) == (2, [], [f"sdn-desktop analyze: {message}"])


def test_snapshot_time_bound_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "snapshot", str(IRIDIUM), "-o", str(tmp_path / "x.png"), "--at", "1e15")
    assert (code, err) == (2, ["sdn-desktop snapshot: --at: offsets must be finite and at most 2,592,000 s"])


def test_validate_batch_goes_on_after_every_kind_of_failure(capsys, tmp_path, monkeypatch):
    files = {}
    for case in ("nested 10,000 levels", "integer of 5,000 digits", "lone surrogate in a name"):
        files[case] = tmp_path / f"{len(files)}.json"
        files[case].write_text(BAD_FILES[case][0], encoding="utf-8", errors="surrogatepass")
    escaped = tmp_path / "\x1b[31mred.json"
    escaped.write_text(json.dumps(document()))
    code, out, err = run(capsys, "validate", *map(str, files.values()), str(escaped), str(IRIDIUM))
    assert code == 1 and err == []
    assert [line.split(": ")[0] for line in out] == [
        *map(str, files.values()),
        str(tmp_path / "\\x1b[31mred.json"),
        str(IRIDIUM),
    ]
    assert out[-2].endswith(": ok (92 satellites, 4 nodes, 3 chains)")
    assert all(line.isprintable() for line in out)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("an engine bug")

    monkeypatch.setattr(Network, "snapshot", broken)
    code, out, _ = run(capsys, "validate", str(IRIDIUM), str(IRIDIUM))
    assert code == 1
    assert out == [f"{IRIDIUM}: internal error: ZeroDivisionError: an engine bug"] * 2


def test_validate_counts_tle_satellites_against_the_limits(capsys, monkeypatch):
    monkeypatch.setattr(limits_module, "MAX_NODE_SATELLITE_PAIRS", 100)
    code, out, _ = run(capsys, "validate", str(IRIDIUM))
    assert code == 1
    assert out == [
        f"{IRIDIUM}: constellations[0].source.path: 4 nodes x 75 satellites = 300 node-satellite "
        "pairs per step exceed the limit of 100; 75 of the satellites are read from "
        "data/iridium-next_2021-01-30.tle"
    ]


def test_tle_names_are_printable(tmp_path):
    lines = (DATA / "three_iridium.tle").read_text().splitlines()
    lines[0] = "\x1b]0;owned\x07IRIDIUM 106"
    (tmp_path / "escape.tle").write_text("\n".join(lines) + "\n")
    assert read_tle_file(tmp_path / "escape.tle").records[0].name == "\\x1b]0;owned\\x07IRIDIUM 106"
