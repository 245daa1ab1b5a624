"""Frame cost of the 2D MapView against the GlobeView, on the same snapshots.

Run: ``.venv/bin/python -m benchmarks map`` (off-screen with EGL, no display needed). Per frame, both
views' ``update`` + ``render`` at 1280x720, interleaved frame by frame so a change in the machine's
speed affects both alike. The map shows every satellite, the routes, one route satellite's ground
track (45 min behind and ahead) and its coverage. Prints a table of medians and writes
benchmarks/results/map.json.
"""

from __future__ import annotations

import statistics
import time

from sdn_desktop.engine import Network
from sdn_desktop.engine.layout import network_layout
from sdn_desktop.render import GlobeView
from sdn_desktop.render.map_view import MapView
from sdn_desktop.scenario import Scenario, load_scenario

from .bench_render import DEMO, SIZE, scenario_10k
from .common import print_table, write_results

FRAMES = 15
STEP_S = 20.0


def measure(name: str, scenario: Scenario) -> dict:
    network = Network(scenario, DEMO.parent)
    snaps = [network.snapshot(STEP_S * k) for k in range(FRAMES + 1)]
    globe, world = GlobeView(size=SIZE), MapView(size=SIZE)
    for view in (globe, world):
        view.set_scenario(scenario, network_layout(network))
        view.update(snaps[0])
        view.render()  # compile shaders, upload textures, rasterise glyphs
    tracked = next(v for r in snaps[0].routes for v in r.path if v < network.n_sats)
    world.set_selection("satellite", tracked)
    world.set_ground_tracks([tracked])
    world.set_footprints(satellites=[tracked])
    world.render()
    map_ms, globe_ms = [], []
    for snap in snaps[1:]:
        t0 = time.perf_counter()
        world.update(snap)
        world.render()
        t1 = time.perf_counter()
        globe.update(snap)
        globe.render()
        t2 = time.perf_counter()
        map_ms.append((t1 - t0) * 1e3)
        globe_ms.append((t2 - t1) * 1e3)
    for view in (globe, world):
        view.canvas.close()
    return {
        "scenario": name,
        "satellites": int(snaps[-1].sat_active.sum()),
        "map_ms": statistics.median(map_ms),
        "globe_ms": statistics.median(globe_ms),
    }


def main() -> None:
    rows = [measure("demo", load_scenario(DEMO)), measure("10k", scenario_10k())]
    print_table(
        f"Map and globe frames at {SIZE[0]}x{SIZE[1]}: update + render, median of {FRAMES} (ms)",
        ["scenario", "satellites", "MapView", "GlobeView", "map / globe"],
        [[r["scenario"], r["satellites"], r["map_ms"], r["globe_ms"], f"{r['map_ms'] / r['globe_ms']:.2f}"]
         for r in rows],
    )  # fmt: skip
    write_results("map", {"size": list(SIZE), "frames": FRAMES, "rows": rows})


if __name__ == "__main__":
    main()
