"""End-to-end recording speed: engine snapshot, GlobeView update and render, H.264 encoding.

Run: ``.venv/bin/python -m benchmarks record`` (no display needed). Records a 1280x720 MP4 of the
demo scenario and of the demo with a 100 x 100 Walker backbone (10,222 satellites), several times
each, and reports the median frames per second of the whole ``record()`` call (set-up included) and
of the frames alone (from the first to the last progress call). Writes benchmarks/results/record.json.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from sdn_desktop.recording import record
from sdn_desktop.scenario import Scenario, load_scenario

from .bench_render import DEMO, scenario_10k
from .common import print_table, write_results

SIZE = (1280, 720)
FPS = 30
FRAMES = int(os.environ.get("BENCH_RECORD_FRAMES", "60"))
RUNS = int(os.environ.get("BENCH_RECORD_RUNS", "3"))
TARGET_10K_FPS = 10.0


def run_once(scenario: Scenario, folder: Path) -> tuple[float, float]:
    """(whole-call fps, steady fps) of one recording of FRAMES frames."""
    stamps: list[float] = []
    speed = 60.0
    start = time.perf_counter()
    record(
        scenario, DEMO.parent, folder / "bench.mp4", fps=FPS, size=SIZE, duration_s=FRAMES * speed / FPS,
        speed=speed, progress=lambda done, total: stamps.append(time.perf_counter()),
    )  # fmt: skip
    whole = FRAMES / (time.perf_counter() - start)
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    return whole, steady


def measure(name: str, scenario: Scenario) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        runs = [run_once(scenario, Path(folder)) for _ in range(RUNS)]
    return {
        "scenario": name,
        "frames": FRAMES,
        "whole_fps": statistics.median(r[0] for r in runs),
        "steady_fps": statistics.median(r[1] for r in runs),
    }


def main() -> None:
    rows = [measure("demo (1,806 sats)", load_scenario(DEMO)), measure("10k (10,222 sats)", scenario_10k())]
    print_table(
        f"Recording {SIZE[0]}x{SIZE[1]} H.264, {FRAMES} frames, median of {RUNS} runs (frames/s)",
        ["scenario", "frames/s incl. set-up", "frames/s recording"],
        [[r["scenario"], r["whole_fps"], r["steady_fps"]] for r in rows],
    )
    steady = rows[-1]["steady_fps"]
    verdict = "meets" if steady >= TARGET_10K_FPS else "misses"
    print(f"10k: {steady:.1f} frames/s while recording, {verdict} the {TARGET_10K_FPS:g} frames/s target")
    write_results("record", {"size": list(SIZE), "fps": FPS, "target_10k_fps": TARGET_10K_FPS, "rows": rows})


if __name__ == "__main__":
    main()
