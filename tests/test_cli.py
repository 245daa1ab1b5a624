"""The headless command line: validate, analyze and schema, their exit codes and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from sdn_desktop.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.json"))
IRIDIUM = ROOT / "scenarios" / "iridium_next_real_tle.json"


def run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err.splitlines()


def bad_scenario(tmp_path: Path, name: str = "bad.json") -> Path:
    doc = json.loads(IRIDIUM.read_text())
    doc["constellations"][0]["source"]["path"] = str(
        IRIDIUM.parent / doc["constellations"][0]["source"]["path"]
    )
    doc["time"]["step_s"] = -1
    doc["nodes"][0]["colour"] = "#ffffff"
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


# ------------------------------------------------------------------ validate
def test_validate_shipped_scenarios_exits_0(capsys):
    code, out, err = run(capsys, "validate", *map(str, SHIPPED))
    assert code == 0 and err == []
    ok = [line for line in out if ": ok (" in line]
    assert len(ok) == len(SHIPPED)
    assert f"{IRIDIUM}: ok (75 satellites, 4 nodes, 2 chains)" in out


def test_validate_prints_one_line_per_error_and_exits_1(capsys, tmp_path):
    bad = bad_scenario(tmp_path)
    code, out, err = run(capsys, "validate", str(bad), str(IRIDIUM))
    assert code == 1
    assert out == [
        f"{bad}: time.step_s: Input should be greater than 0",
        f"{bad}: nodes[0] 'Gateway Tempe'.colour: unknown field",
        f"{IRIDIUM}: ok (75 satellites, 4 nodes, 2 chains)",
    ]


def test_validate_missing_files(capsys, tmp_path):
    doc = json.loads(IRIDIUM.read_text())
    (tmp_path / "no_tle.json").write_text(json.dumps(doc))
    code, out, _ = run(capsys, "validate", str(tmp_path / "nowhere.json"), str(tmp_path / "no_tle.json"))
    assert code == 1
    tle = tmp_path / "data" / "iridium-next_2021-01-30.tle"
    assert out == [
        f"{tmp_path / 'nowhere.json'}: file not found",
        f"{tmp_path / 'no_tle.json'}: constellation 'Iridium NEXT': source.path '{tle}': file not found",
    ]


def test_validate_malformed_json(capsys, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "sdn-scenario",\n "version": 1\n "time": {}}')
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    assert out == [f"{path}: line 3 column 2: invalid JSON: Expecting ',' delimiter"]


# ------------------------------------------------------------------ analyze
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--step=-1"], "--step: must be greater than 0, got -1"),
        (["--duration", "soon"], "--duration: 'soon' is not a number"),
        (["--duration", "0"], "--duration: must be greater than 0, got 0"),
        (
            ["--start", "yesterday"],
            "--start: 'yesterday' is not an ISO 8601 time such as 2026-01-01T00:00:00Z",
        ),
        (["--duration", "10", "--step", "60"], "--step (60.0 s) is longer than the duration (10.0 s)"),
        (["--at", "1,two"], "--at: '1,two' is not a comma-separated list of seconds"),
        (["--at=-5"], "--at: give one or more non-negative offsets in seconds"),
    ],
)
def test_analyze_bad_arguments_exit_2_with_one_line(capsys, args, message):
    code, out, err = run(capsys, "analyze", str(IRIDIUM), *args)
    assert code == 2 and out == []
    assert err == [f"sdn-desktop analyze: {message}"]


def test_analyze_bad_scenario_exits_1(capsys, tmp_path):
    code, out, err = run(capsys, "analyze", str(bad_scenario(tmp_path)))
    assert code == 1 and out == [] and len(err) == 2


def test_analyze_csv_and_table(capsys):
    code, out, _ = run(capsys, "analyze", str(IRIDIUM), "--duration", "60", "--step", "30", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO("\n".join(out))))
    assert len(rows) == 3 * 3  # three legs at 0, 30 and 60 s
    assert {r["chain"] for r in rows} == {"Arctic to Med", "Gateway to Ramstein"}
    assert rows[0]["time_utc"] == "2021-01-30T12:00:00Z"
    code, table, _ = run(capsys, "analyze", str(IRIDIUM), "--duration", "60", "--step", "30")
    assert code == 0 and table[0].split()[:3] == ["time_utc", "t_s", "chain"] and len(table) == 1 + 9


def test_analyze_output_file_matches_stdout(capsys, tmp_path):
    args = ["analyze", str(IRIDIUM), "--at", "0,600", "--format", "json"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    target = tmp_path / "routes.json"
    code, out, _ = run(capsys, *args, "-o", str(target))
    assert code == 0 and out == []
    assert target.read_text() == printed
    assert len(json.loads(printed)) == 3 * 2


def test_analyze_output_is_never_partial(capsys, tmp_path, monkeypatch):
    target = tmp_path / "routes.csv"
    target.write_text("previous results\n")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    code, out, err = run(capsys, "analyze", str(IRIDIUM), "--at", "0", "--format", "csv", "-o", str(target))
    assert code == 1 and out == []
    assert len(err) == 1 and err[0].startswith("sdn-desktop analyze: ") and "No space left" in err[0]
    assert target.read_text() == "previous results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["routes.csv"]


def test_analyze_output_into_missing_folder(capsys, tmp_path):
    target = tmp_path / "no" / "such" / "routes.csv"
    code, _, err = run(capsys, "analyze", str(IRIDIUM), "--at", "0", "-o", str(target))
    assert code == 1 and len(err) == 1 and err[0].startswith("sdn-desktop analyze: ")
    assert not target.parent.exists()


def test_analyze_reports_warnings_on_stderr(capsys, tmp_path):
    doc = json.loads(IRIDIUM.read_text())
    doc["constellations"][0]["source"]["path"] = str(
        IRIDIUM.parent / doc["constellations"][0]["source"]["path"]
    )
    doc["disabled_satellites"] = ["IRIDIUM 999"]
    path = tmp_path / "warn.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(capsys, "analyze", str(path), "--at", "0", "--format", "json")
    assert code == 0 and len(json.loads("\n".join(out))) == 3
    assert err == [f"{path}: warning: disabled_satellites: no satellite named 'IRIDIUM 999'"]
