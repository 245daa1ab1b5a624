"""Shared helpers for the benchmarks: big Walker scenarios, timing medians, tables, results files."""

from __future__ import annotations

import gc
import json
import platform
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sdn_desktop.scenario import Scenario, scenario_from_dict

RESULTS_DIR = Path(__file__).resolve().parent / "results"
START = "2026-01-01T00:00:00Z"

# (planes, sats_per_plane, phasing, inclination_deg, altitude_km): Walker shells
SHELL_1584 = [(72, 22, 39, 53.0, 550.0)]
# Starlink phase 1 as filed: 1584 + 1584 + 720 + 348 + 172 = 4408
SHELLS_4408 = [
    (72, 22, 39, 53.0, 550.0),
    (72, 22, 39, 53.2, 540.0),
    (36, 20, 11, 70.0, 570.0),
    (6, 58, 1, 97.6, 560.0),
    (4, 43, 1, 97.6, 560.0),
]
SHELL_10000 = [(100, 100, 1, 53.0, 550.0)]
SIZES = {1584: SHELL_1584, 4408: SHELLS_4408, 10000: SHELL_10000}

# (name, lat_deg, lon_deg, alt_m): real sensor, C2 and shooter sites
SENSORS = [
    ("Radar Clear", 64.29, -149.19, 170.0),
    ("Radar Fylingdales", 54.36, -0.67, 260.0),
    ("Radar Cobra Dane", 52.72, 174.09, 30.0),
    ("Radar Beale", 39.14, -121.35, 40.0),
    ("Radar Cape Cod", 41.75, -70.54, 80.0),
    ("Radar Shariki", 40.88, 140.34, 20.0),
    ("Radar Kyouga-misaki", 35.76, 135.20, 100.0),
    ("Radar Qatar", 25.11, 51.32, 10.0),
    ("Radar Guam", 13.58, 144.93, 150.0),
    ("Radar Kwajalein", 9.39, 167.48, 5.0),
]
C2 = [
    ("C2 Colorado", 38.82, -104.70, 1830.0),
    ("C2 Ramstein", 49.44, 7.60, 240.0),
    ("C2 Pearl Harbor", 21.35, -157.95, 10.0),
    ("C2 Yokota", 35.75, 139.35, 140.0),
    ("C2 Al Udeid", 25.12, 51.32, 30.0),
]
SHOOTERS = [
    ("Fort Greely", 63.95, -145.73, 390.0),
    ("Vandenberg", 34.74, -120.57, 100.0),
    ("Redzikowo", 54.48, 17.10, 50.0),
    ("Deveselu", 44.08, 24.41, 100.0),
    ("Guam THAAD", 13.50, 144.80, 100.0),
    ("Seongju THAAD", 35.92, 128.28, 400.0),
    ("DDG Sea of Japan", 39.50, 134.00, 0.0),
    ("DDG Mediterranean", 34.50, 20.00, 0.0),
    ("DDG Pacific", 21.00, 160.00, 0.0),
    ("DDG Arabian Gulf", 26.50, 52.50, 0.0),
]
# sensor index, C2 index, shooter index: 20 chains
CHAINS = [
    (0, 0, 0), (0, 2, 8), (1, 1, 2), (1, 1, 3), (1, 0, 7), (2, 2, 0), (2, 3, 8), (3, 0, 1),
    (3, 2, 8), (4, 0, 1), (4, 1, 7), (5, 3, 6), (5, 3, 5), (6, 3, 6), (6, 3, 4), (7, 4, 9),
    (7, 1, 3), (8, 3, 4), (9, 2, 8), (9, 3, 4),
]  # fmt: skip


def walker_scenario(shells: list[tuple], n_chains: int = len(CHAINS), terminal: str = "OCT") -> Scenario:
    """Walker-delta ``shells``, real ground sites and ``n_chains`` sensor -> C2 -> shooter chains."""
    constellations = [
        {
            "name": f"Shell {i + 1}",
            "terminal": terminal,
            "source": {
                "kind": "walker", "planes": p, "sats_per_plane": s, "phasing": f,
                "inclination_deg": inc, "altitude_km": alt,
            },
            "isl": {"pattern": "plus_grid", "max_range_km": 5000.0},
        }
        for i, (p, s, f, inc, alt) in enumerate(shells)
    ]  # fmt: skip
    nodes = []
    for role, sites, delay in (("sensor", SENSORS, 2.0), ("c2", C2, 10.0), ("shooter", SHOOTERS, 0.0)):
        for name, lat, lon, alt in sites:
            nodes.append(
                {
                    "name": name, "role": role, "platform": "sea" if name.startswith("DDG") else "ground",
                    "position": {"lat_deg": lat, "lon_deg": lon, "alt_m": alt},
                    "min_elevation_deg": 10.0, "max_links": 4, "processing_delay_ms": delay,
                }
            )  # fmt: skip
    chains = [
        {
            "name": f"Chain {k + 1:02d}",
            "nodes": [SENSORS[a][0], C2[b][0], SHOOTERS[c][0]],
            "switching_delay_ms": 0.1,
        }
        for k, (a, b, c) in enumerate(CHAINS[:n_chains])
    ]
    doc = {
        "format": "sdn-scenario",
        "version": 1,
        "name": f"Benchmark {sum(p * s for p, s, *_ in shells)} satellites",
        "time": {"start": START, "duration_s": 3600.0, "step_s": 10.0},
        "interop": {"enabled": True, "max_range_km": 3000.0, "links_per_satellite": 1},
        "constellations": constellations,
        "nodes": nodes,
        "chains": chains,
    }
    return scenario_from_dict(doc, "<benchmark>")


@contextmanager
def gc_paused():
    """Cyclic garbage collection off while timing, as timeit does."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def timed_ms(fn: Callable[..., object], *args) -> float:
    """Wall time of one ``fn(*args)`` call in milliseconds."""
    t0 = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - t0) * 1000.0


def median_ms(fn: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in ms over ``repeat`` calls after ``warmup`` calls; GC off."""
    for _ in range(warmup):
        fn()
    with gc_paused():
        return statistics.median(timed_ms(fn) for _ in range(repeat))


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    """A plain text table; floats are shown with one decimal."""
    cells = [[f"{c:.1f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def write_results(name: str, results: dict) -> Path:
    """Write ``benchmarks/results/NAME.json`` with the machine and time of the run."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    doc = {
        "benchmark": name,
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": results,
    }
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return path
