"""Resilience sweep speed: trial-steps per second against running the engine once per trial.

The demo scenario (1,806 satellites, 3 chains, one of them from a threat; its strike, jammer and
vendor outage in effect under the attrition), 11 attrition levels (0 to 0.5), 61 steps (one hour
at 60 s). The baseline builds a ``Network`` with the trial's destroyed satellites disabled and runs
the window, as a script around ``sdn-desktop analyze`` would; it must give the same latencies as the
sweep before any time counts. The sweep runs here, then on a Dask ``LocalCluster`` of 1 and 2
worker processes (chunks of trials as tasks, the window propagated once per chunk).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from sdn_desktop.analysis.distributed import DaskRunner
from sdn_desktop.analysis.evaluator import contexts_for
from sdn_desktop.analysis.resilience import (
    ResilienceOptions,
    attack_order,
    attack_units,
    level_counts,
    sweep_trials,
    trial_rng,
)
from sdn_desktop.engine import Network
from sdn_desktop.scenario import load_scenario

from .common import print_table, write_results

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "sdn_backbone_demo.json"
TRIALS = int(os.environ.get("BENCH_RESILIENCE_TRIALS", "24"))
BASELINE_TRIALS = int(os.environ.get("BENCH_RESILIENCE_BASELINE_TRIALS", "2"))
LEVELS = tuple(round(0.05 * i, 10) for i in range(11))
TIMES = tuple(float(t) for t in np.arange(61) * 60.0)
TARGET_TRIALS, TARGET_S = 200, 120.0


def main() -> None:
    scenario = load_scenario(DEMO)
    network = Network(scenario, DEMO.parent)
    times = np.array(TIMES)
    steps_per_trial = len(LEVELS) * len(times)
    options = ResilienceOptions(trials=TRIALS, levels=LEVELS, times=TIMES, seed=1)

    started = time.perf_counter()
    contexts = contexts_for(network, times)
    context_s = time.perf_counter() - started
    _, units = attack_units(network, "random")
    counts = level_counts(LEVELS, len(units))
    started = time.perf_counter()
    local = sweep_trials(contexts, units, counts, "random", 1, list(range(TRIALS)))
    local_s = time.perf_counter() - started

    started = time.perf_counter()
    for trial in range(BASELINE_TRIALS):
        order = attack_order(contexts, units, "random", max(counts), trial_rng(1, trial))
        for li, count in enumerate(counts):
            gone = [network.sats.names[units[u][0]] for u in order[:count]]
            damaged = scenario.model_copy(update={"disabled_satellites": gone})
            reference = Network(damaged, DEMO.parent, previous=network).run(times).latency_ms
            np.testing.assert_allclose(local[trial, li], reference, rtol=0, atol=1e-9, equal_nan=True)
    baseline_s = time.perf_counter() - started

    rows, results = [], {}

    def row(name: str, seconds: float, trials: int) -> None:
        rate = trials * steps_per_trial / seconds
        projected = TARGET_TRIALS * steps_per_trial / rate
        rows.append([name, trials, seconds, f"{rate:,.0f}", projected])
        results[name] = {
            "trials": trials,
            "seconds": round(seconds, 2),
            "trial_steps_per_s": round(rate, 1),
            "projected_200_trials_s": round(projected, 1),
        }

    row("engine once per trial", baseline_s, BASELINE_TRIALS)
    row("sweep, here (1 process)", local_s + context_s, TRIALS)
    for workers in (1, 2):
        with DaskRunner(workers=workers) as runner:
            started = time.perf_counter()
            remote = runner(scenario, DEMO.parent, options)
            seconds = time.perf_counter() - started
        assert np.array_equal(remote, local, equal_nan=True), "Dask result differs from the local one"
        row(f"sweep, Dask LocalCluster {workers} worker{'s' if workers > 1 else ''}", seconds, TRIALS)
    base = results["engine once per trial"]["trial_steps_per_s"]
    for r in results.values():
        r["speedup_vs_engine"] = round(r["trial_steps_per_s"] / base, 1)
    print_table(
        f"Resilience sweep, demo scenario, {len(LEVELS)} levels x {len(times)} steps per trial (s)",
        ["run", "trials", "seconds", "trial-steps/s", f"projected {TARGET_TRIALS} trials"],
        rows,
    )
    best = min(r["projected_200_trials_s"] for r in results.values())
    print(f"target: {TARGET_TRIALS} trials in at most {TARGET_S:.0f} s - best projection {best:.0f} s")
    write_results("resilience", results)
