"""TLE files as they come: bad lines are skipped and reported by line number, the rest loads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sdn_desktop.engine import Network
from sdn_desktop.scenario import load_scenario, read_tle_file
from sdn_desktop.scenario.tle import tle_checksum

IRIDIUM = Path(__file__).parent / "data" / "three_iridium.tle"
DAY_S = 86400.0


def with_checksum(line: str) -> str:
    return line[:68] + str(tle_checksum(line))


def iridium_lines() -> list[str]:
    return IRIDIUM.read_text().splitlines()


def test_three_line_file_loads():
    tle = read_tle_file(IRIDIUM)
    assert [r.name for r in tle.records] == ["IRIDIUM 106", "IRIDIUM 103", "IRIDIUM 109"]
    assert [r.line_number for r in tle.records] == [2, 5, 8]
    assert tle.records[0].catalog_number == "41917"
    assert tle.skipped == []


def test_crlf_padded_names_and_two_line_entries(tmp_path):
    lines = iridium_lines()
    lines[0] = "0 " + lines[0].strip() + "        "  # Space-Track style "0 " prefix, padded
    text = "\r\n".join(lines[:6] + lines[7:9]) + "\r\n"  # the third entry without its name line
    path = tmp_path / "crlf.tle"
    path.write_bytes(text.encode())
    tle = read_tle_file(path)
    assert [r.name for r in tle.records] == ["IRIDIUM 106", "IRIDIUM 103", f"NORAD {lines[7][2:7]}"]
    assert tle.skipped == []
    assert all(len(r.line1) == len(r.line2) == 69 for r in tle.records)


def test_broken_lines_are_skipped_with_their_line_numbers(tmp_path):
    good = iridium_lines()
    bad_checksum = good[4][:68] + str((int(good[4][68]) + 1) % 10)
    mismatched = with_checksum(good[5][:2] + "99999" + good[5][7:])
    lines = [
        *good[0:3],  # 1-3 fine
        good[3], bad_checksum, good[5],  # 4-6: line 1 checksum wrong
        "SHORT", good[7][:40], good[8],  # 7-9: line 1 cut short
        "MISMATCH", good[7], mismatched,  # 10-12: catalogue numbers differ
        "ORPHAN", good[8],  # 13-14: line 2 alone
        "NAME ONLY",  # 15
        *good[6:9],  # 16-18 fine
    ]  # fmt: skip
    path = tmp_path / "broken.tle"
    path.write_text("\n".join(lines) + "\n")
    tle = read_tle_file(path)
    assert [r.name for r in tle.records] == ["IRIDIUM 106", "IRIDIUM 109"]
    checksum = tle_checksum(good[4])
    assert tle.skipped == [
        f"broken.tle:5: 'IRIDIUM 103': line 1 checksum is {bad_checksum[68]}, computed {checksum}",
        "broken.tle:8: 'SHORT': line 1 is 40 characters long, expected 69",
        "broken.tle:11: 'MISMATCH': lines 1 and 2 carry different catalogue numbers",
        "broken.tle:14: 'ORPHAN': line 2 without its partner line",
        "broken.tle:15: 'NAME ONLY': name without TLE lines",
    ]


def scenario_file(tmp_path: Path, tle: str, start: str, duration_s: float = 600.0) -> Path:
    doc = {
        "format": "sdn-scenario",
        "version": 1,
        "time": {"start": start, "duration_s": duration_s, "step_s": duration_s / 10},
        "constellations": [
            {"name": "Real", "source": {"kind": "tle", "path": tle}, "isl": {"pattern": "none"}}
        ],
    }
    path = tmp_path / "real.json"
    path.write_text(json.dumps(doc))
    return path


def test_network_reports_skipped_entries_and_keeps_the_rest(tmp_path):
    good = iridium_lines()
    good[7] = good[7][:68] + str((int(good[7][68]) + 5) % 10)
    (tmp_path / "sats.tle").write_text("\n".join(good) + "\n")
    path = scenario_file(tmp_path, "sats.tle", "2021-01-30T12:00:00Z")
    net = Network(load_scenario(path), tmp_path)
    assert net.sats.names == ["IRIDIUM 106", "IRIDIUM 103"]
    assert len(net.warnings) == 1
    assert net.warnings[0].startswith(
        "constellation 'Real': skipped sats.tle:8: 'IRIDIUM 109': line 1 checksum"
    )


def test_decaying_satellite_is_reported_and_left_out(tmp_path):
    """A 16.2 rev/day orbit with a huge drag term: SGP4 gives up within days; the others carry on."""
    decaying = [
        "DECAYING SAT",
        with_checksum("1 99999U 21001A   21030.00000000  .01000000  00000-0  50000-2 0  9990"),
        with_checksum("2 99999  51.6000 100.0000 0005000  90.0000 270.0000 16.20000000    10"),
    ]
    (tmp_path / "sats.tle").write_text("\n".join(iridium_lines() + decaying) + "\n")
    path = scenario_file(tmp_path, "sats.tle", "2021-01-30T12:00:00Z", duration_s=20 * DAY_S)
    net = Network(load_scenario(path), tmp_path)
    series = net.run()
    pos, active, _ = net.propagate(np.array([0.0, 20 * DAY_S]))
    assert active[3].tolist() == [True, False] and np.isnan(pos[3, 1]).all()
    assert active[:3].all() and np.isfinite(pos[:3]).all()
    (warning,) = [w for w in series.warnings if "DECAYING SAT" in w]
    assert warning.startswith("satellite 'DECAYING SAT': SGP4 error ")
    assert warning.endswith("; it is left out")
