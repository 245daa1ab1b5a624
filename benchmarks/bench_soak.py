"""Soak: the memory of the app and of each child process while the demo plays at x100 for minutes.

Run: ``xvfb-run -a .venv/bin/python -m benchmarks soak`` (needs an X server: the window is real).
The main window opens the demo scenario and plays it at x100, starting again from the beginning
whenever the clock reaches the end. The resident set size (RSS) of the GUI process and of each child
(two engine processes, the globe and the map processes) is read from /proc after a warm-up
(BENCH_SOAK_WARMUP_S, default 60 s) and then every BENCH_SOAK_SAMPLE_S (30 s) until
BENCH_SOAK_MINUTES (8) of playing have passed. Reported per process: RSS after the warm-up and at
the end, the growth in per cent (target: under 1 %) and its slope over the second half of the run
(MB a minute). Prints a table and writes benchmarks/results/soak.json.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from sdn_desktop.child_process import child_pids, rss_bytes

from .common import print_table, write_results

SOAK_MINUTES = float(os.environ.get("BENCH_SOAK_MINUTES", "8"))
WARMUP_S = float(os.environ.get("BENCH_SOAK_WARMUP_S", "60"))
SAMPLE_S = float(os.environ.get("BENCH_SOAK_SAMPLE_S", "30"))
SPEED = 100
GROWTH_TARGET_PERCENT = 1.0
MB = 2**20


def process_names(window) -> dict[int, str]:
    """The GUI process and its children, by role."""
    analysis = window.analysis
    children = {
        "engine (series)": analysis._series_engine._process,
        "engine (snapshots)": analysis._snapshot_engine._process,
        "globe": window.globe._renderer.process,
        "map": window.map_panel.map._renderer.process,
    }
    roles = {os.getpid(): "GUI", **{child.pid: name for name, child in children.items() if child is not None}}
    return {pid: roles.get(pid, f"child {pid}") for pid in [os.getpid(), *child_pids()]}


def soak() -> dict:
    from PySide6.QtCore import QSettings

    from sdn_desktop.resources import DEFAULT_SCENARIO
    from sdn_desktop.ui.app import create_app
    from sdn_desktop.ui.clock import SPEEDS
    from sdn_desktop.ui.main_window import MainWindow

    app = create_app()
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    window.open_path(DEFAULT_SCENARIO)
    frames = [0]
    window.globe.frame_shown.connect(lambda: frames.__setitem__(0, frames[0] + 1))
    clock = window.clock
    clock.speed_index = SPEEDS.index(SPEED)
    loops = 0
    samples: list[tuple[float, dict[int, int]]] = []
    started = time.perf_counter()
    next_sample = started + WARMUP_S
    end = started + WARMUP_S + SOAK_MINUTES * 60.0
    while (now := time.perf_counter()) < end:
        if not clock.playing and window.analysis.network is not None:
            loops += clock.t_s >= clock.duration_s
            clock.play(1)
        if now >= next_sample:
            samples.append((now - started, {pid: rss_bytes(pid) for pid in process_names(window)}))
            next_sample += SAMPLE_S
        app.processEvents()
        time.sleep(0.002)
    samples.append((time.perf_counter() - started, {pid: rss_bytes(pid) for pid in process_names(window)}))
    names = process_names(window)
    window.document.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    return {"frames": frames[0], "loops": loops, "processes": summarise(samples, names)}


def summarise(samples: list[tuple[float, dict[int, int]]], names: dict[int, str]) -> list[dict]:
    """Per process: RSS after the warm-up and at the end, growth, slope over the second half."""
    rows = []
    for pid, name in names.items():
        seen = [(t, rss[pid]) for t, rss in samples if rss.get(pid)]
        if len(seen) < 2:
            continue
        t_s, rss = np.array(seen, float).T
        second_half = t_s >= t_s[0] + (t_s[-1] - t_s[0]) / 2
        slope = 0.0
        if second_half.sum() > 1:
            slope = np.polyfit(t_s[second_half] / 60.0, rss[second_half] / MB, 1)[0]
        rows.append({
            "process": name, "pid": pid, "minutes": (t_s[-1] - t_s[0]) / 60.0,
            "rss_after_warmup_mb": rss[0] / MB, "rss_end_mb": rss[-1] / MB,
            "growth_percent": 100.0 * (rss[-1] - rss[0]) / rss[0], "slope_mb_per_min": float(slope),
            "samples_mb": [round(v / MB, 2) for v in rss],
        })  # fmt: skip
    return rows


def main() -> None:
    result = soak()
    rows = result["processes"]
    print_table(
        f"RSS while the demo plays at x{SPEED} ({result['frames']:,} frames shown, {result['loops']} loops;"
        f" growth target < {GROWTH_TARGET_PERCENT:.0f} %)",
        ["process", "minutes", "after warm-up MB", "end MB", "growth %", "2nd-half MB/min"],
        [
            [r["process"], r["minutes"], r["rss_after_warmup_mb"], r["rss_end_mb"],
             f"{r['growth_percent']:.2f}", f"{r['slope_mb_per_min']:.3f}"]
            for r in rows
        ],
    )  # fmt: skip
    path = write_results(
        "soak",
        {"speed": SPEED, "warmup_s": WARMUP_S, "minutes": SOAK_MINUTES, **result,
         "growth_target_percent": GROWTH_TARGET_PERCENT},
    )  # fmt: skip
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
