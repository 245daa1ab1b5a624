"""GUI responsiveness: the longest event-loop stall while the worker computes, and launch time.

Run: ``xvfb-run -a .venv/bin/python -m benchmarks gui`` (needs an X server: the window is real).
Stall: the main window opens a 10,000-satellite scenario (a 100 x 100 Walker shell, 25 ground sites,
20 kill chains, 20 minutes in 121 steps), or applies an edit that moves one node (satellites reused);
the time that call takes (the tree, form and plot rebuilt for the new scenario, in the GUI thread) is
reported on its own. Then a 5 ms QTimer records the gaps between its ticks while the worker computes
the latency time series and the globe draws the result (in its render thread). Both with the globe
drawing everything, and with its satellite and link layers hidden.
Launch: wall time from starting ``sdn-desktop`` (a new process, demo scenario) to the window shown.
Prints a table of medians and writes benchmarks/results/gui.json.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import SHELL_10000, print_table, walker_scenario, write_results

REPEAT = 3
TICK_MS = 5
STALL_TARGET_MS = 50.0
LAUNCH_TARGET_S = 3.0
HEAVY_LAYERS = ("satellites", "isl", "cross_links", "ground_links")
LAUNCH_PROBE = """
import sys, time
from PySide6.QtCore import QTimer
from sdn_desktop.ui import app as ui_app
from sdn_desktop.ui.main_window import MainWindow
original_show = MainWindow.show
def show(self):
    original_show(self)
    QTimer.singleShot(0, lambda: print(f"SHOWN {time.time()}", flush=True))
    QTimer.singleShot(500, lambda: (self.document.undo_stack.setClean(), self.close()))
MainWindow.show = show
sys.exit(ui_app.run_app(None))
"""


class StallMeter:
    """Records the gaps between ticks of a 5 ms timer on the GUI thread."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.gaps_ms: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer(interval=TICK_MS)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps_ms.append((now - self._last) * 1000.0)
        self._last = now

    def start(self) -> None:
        self.gaps_ms.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> dict:
        self._timer.stop()
        gaps = np.array(self.gaps_ms)
        return {
            "max_gap_ms": float(gaps.max()),
            "p99_gap_ms": float(np.percentile(gaps, 99)),
            "ticks": len(gaps),
        }


def wait_until(app, condition, timeout_s: float = 600.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the worker did not finish")
        app.processEvents()
        time.sleep(0.001)


def measure_stalls() -> list[dict]:
    from PySide6.QtCore import QSettings

    from sdn_desktop.ui.app import create_app
    from sdn_desktop.ui.main_window import MainWindow

    app = create_app()
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.show()
    scenario = walker_scenario(SHELL_10000)
    scenario = scenario.model_copy(update={"time": scenario.time.model_copy(update={"duration_s": 1200.0})})
    meter = StallMeter()
    runs = []
    for globe in ("full globe", "no sats/links"):
        for layer in HEAVY_LAYERS:
            window.layer_actions[layer].setChecked(globe == "full globe")
            window.globe.set_layer_visible(layer, globe == "full globe")
        runs += measure_cases(app, window, scenario, meter, globe)
    window.document.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    return runs


def measure_cases(app, window, scenario, meter: StallMeter, globe: str) -> list[dict]:
    runs = []
    for _ in range(REPEAT):
        for case in ("open", "edit"):
            window.analysis.series = None
            t0 = time.perf_counter()
            if case == "open":
                window.analysis._key = None  # a fresh scenario: build and propagate everything
                window.document.reset(scenario, None)
            else:
                window.document.set_field(("nodes", 0, "position", "lat_deg"), 60.0 + len(runs) * 0.1)
            handled = time.perf_counter()
            meter.start()
            wait_until(app, lambda: window.analysis.series is not None and window.analysis.is_idle())
            seconds = time.perf_counter() - t0
            stats = meter.stop()
            runs.append(
                {"case": f"{case}, {globe}", "compute_s": seconds, "handle_ms": (handled - t0) * 1e3, **stats}
            )
            app.processEvents()
    return runs


def measure_launch() -> list[float]:
    times = []
    for _ in range(REPEAT):
        started = time.time()
        out = subprocess.run(
            [sys.executable, "-c", LAUNCH_PROBE], capture_output=True, text=True, timeout=120
        )
        shown = next(line for line in out.stdout.splitlines() if line.startswith("SHOWN "))
        times.append(float(shown.split()[1]) - started)
    return times


def main() -> None:
    runs = measure_stalls()
    launches = measure_launch()
    rows, results = [], {}
    for case in dict.fromkeys(r["case"] for r in runs):
        mine = [r for r in runs if r["case"] == case]
        med = {
            k: statistics.median(r[k] for r in mine)
            for k in ("compute_s", "handle_ms", "max_gap_ms", "p99_gap_ms")
        }
        results[case] = {**med, "runs": mine}
        rows.append(
            [
                f"10k sats: {case}",
                med["compute_s"],
                med["handle_ms"],
                med["max_gap_ms"],
                med["p99_gap_ms"],
                "yes" if med["max_gap_ms"] <= STALL_TARGET_MS else "NO",
            ]
        )
    launch = statistics.median(launches)
    results["launch_s"] = {"median": launch, "runs": launches, "target_s": LAUNCH_TARGET_S}
    results["stall_target_ms"] = STALL_TARGET_MS
    print_table(
        f"Event-loop stalls while the worker computes (median of {REPEAT}; target <= {STALL_TARGET_MS:g} ms)",
        ["case", "compute s", "open/edit call ms", "max gap ms", "p99 gap ms", "on target"],
        rows,
    )
    print(
        f"\nLaunch to window shown (demo scenario): median {launch:.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in launches)}; target {LAUNCH_TARGET_S:g} s)"
    )
    print(f"wrote {write_results('gui', results)}")


if __name__ == "__main__":
    main()
