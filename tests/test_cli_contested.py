"""The command line on contested scenarios: analyze's reason/sensor/threat columns, --no-events, and
validate's warnings about events and threats."""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from sdn_desktop.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "sdn_backbone_demo.json"
COLUMNS = ["reason", "reason_node", "sensor", "threat_speed_km_s", "threat_moved_km"]


def run(capsys, *argv: str) -> tuple[int, str, list[str]]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err.splitlines()


@pytest.fixture(scope="module")
def demo_rows() -> dict[str, list[dict]]:
    """CSV rows of the demo at 600 s (HGV in flight) and 1800 s (Alaska jammed), with and without events."""
    out = {}
    for label, extra in (("events", []), ("baseline", ["--no-events"])):
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert main(["analyze", str(DEMO), "--at", "600,1800", "--format", "csv", *extra]) == 0
        out[label] = list(csv.DictReader(io.StringIO(buf.getvalue())))
    return out


def row(rows: list[dict], t: str, chain: str, leg: str) -> dict:
    return next(r for r in rows if r["t_s"] == t and r["chain"] == chain and r["leg"] == leg)


def test_csv_has_the_contested_columns_before_the_path(demo_rows):
    header = list(demo_rows["events"][0])
    assert header[-6:] == [*COLUMNS, "path"]


def test_threat_chain_rows_name_the_sensor_and_how_far_the_threat_moves(demo_rows):
    rows = demo_rows["events"]
    first, second = row(rows, "600", "Pacific track", "1"), row(rows, "600", "Pacific track", "2")
    assert first["reachable"] == "yes" and first["sensor"].startswith("Tracking P")
    assert first["path"].startswith(first["sensor"] + " > ")
    speed = float(first["threat_speed_km_s"])
    assert 2.0 < speed < 5.0  # a glide vehicle, Mach 6-15
    latency_s = (float(first["latency_ms"]) + float(second["latency_ms"])) / 1000
    assert float(first["threat_moved_km"]) == pytest.approx(speed * latency_s, abs=0.002)
    assert second["sensor"] == "" and second["threat_moved_km"] == first["threat_moved_km"]
    other = row(rows, "600", "Alaska defense", "1")
    assert other["sensor"] == other["threat_speed_km_s"] == other["threat_moved_km"] == other["reason"] == ""


def test_the_jammer_shows_as_no_access_and_no_events_gives_the_baseline(demo_rows):
    jammed = row(demo_rows["events"], "1800", "Alaska defense", "1")
    assert jammed["reachable"] == "no"
    assert (jammed["reason"], jammed["reason_node"]) == ("no_access", "Radar Clear")
    assert row(demo_rows["events"], "1800", "Alaska defense", "2")["reason_node"] == "Fort Greely"
    clear = row(demo_rows["baseline"], "1800", "Alaska defense", "1")
    assert clear["reachable"] == "yes" and clear["reason"] == ""
    before = [r for r in demo_rows["events"] if r["t_s"] == "600"]
    assert before == [r for r in demo_rows["baseline"] if r["t_s"] == "600"]  # nothing has happened yet


def test_json_records_carry_the_new_keys(capsys):
    code, out, _ = run(capsys, "analyze", str(DEMO), "--at", "2700", "--format", "json")
    records = json.loads(out)
    assert code == 0 and all(set(COLUMNS) <= set(r) for r in records)
    hgv = next(r for r in records if r["chain"] == "Pacific track" and r["leg"] == 0)
    assert hgv["reason"] == "no_custody" and hgv["sensor"] is None and hgv["threat_speed_km_s"] is None


def test_table_shows_reasons(capsys):
    code, out, _ = run(capsys, "analyze", str(DEMO), "--at", "1800")
    header, *lines = out.splitlines()
    assert code == 0 and header.split()[9:14] == COLUMNS
    assert any("no_access" in line and "Radar Clear" in line for line in lines)


def test_validate_warns_about_events_and_threats(capsys, tmp_path):
    doc = {
        "format": "sdn-scenario",
        "version": 2,
        "time": {"start": "2026-01-01T00:00:00Z", "duration_s": 600.0, "step_s": 60.0},
        "constellations": [
            {"name": "Shell", "operator": "Vendor A",
             "source": {"kind": "walker", "planes": 4, "sats_per_plane": 5, "phasing": 1,
                        "inclination_deg": 53.0, "altitude_km": 550.0}},
        ],
        "nodes": [
            {"name": "Radar", "role": "sensor", "position": {"lat_deg": 10.0, "lon_deg": 20.0}},
            {"name": "Ship", "role": "shooter", "position": {"lat_deg": 12.0, "lon_deg": 25.0}},
        ],
        "threats": [
            {"name": "Far away", "kind": "ship", "waypoints": [
                {"t_s": 0.0, "lat_deg": -40.0, "lon_deg": -120.0},
                {"t_s": 600.0, "lat_deg": -40.5, "lon_deg": -120.0}]},
            {"name": "Late", "kind": "aircraft", "waypoints": [
                {"t_s": 700.0, "lat_deg": 10.0, "lon_deg": 20.0},
                {"t_s": 900.0, "lat_deg": 11.0, "lon_deg": 20.0}]},
        ],
        "chains": [{"name": "Kill", "nodes": ["Far away", "Ship"]}],
        "events": [
            {"kind": "outage", "name": "Nothing", "from_s": 0.0},
            {"kind": "destroy", "name": "After the end", "at_s": 900.0, "constellations": ["Shell"]},
            {"kind": "jam", "name": "Empty sea", "from_s": 0.0, "center": {"lat_deg": -50.0, "lon_deg": 0.0},
             "radius_km": 100.0},
        ],
    }  # fmt: skip
    path = tmp_path / "warn.json"
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0
    assert out.splitlines() == [
        f"{path}: warning: events[0] 'Nothing': selects nothing",
        f"{path}: warning: events[1] 'After the end': starts at 900 s, after the window ends (600 s)",
        f"{path}: warning: events[2] 'Empty sea': no node is ever inside the jammed circle",
        f"{path}: warning: threat 'Far away': no sensor sees it at any step of the window",
        f"{path}: warning: threat 'Late': starts at 700 s, after the window ends (600 s)",
        f"{path}: ok (20 satellites, 2 nodes, 1 chains)",
    ]
