"""Frame cost of GlobeView against a bare VisPy scene drawing the same markers and lines.

Run: ``.venv/bin/python -m benchmarks render`` (no display needed: both scenes draw off-screen
with EGL, as the app and the recorder do). Both scenes draw the same engine snapshots at 1280x720
side by side in one process.
Timed per frame: the bare scene's ``set_data`` + ``render``; GlobeView's ``update`` + ``render``; and
GlobeView's whole frame with the engine step, as the app runs it (the next instant's snapshot is
computed in the engine process while this one draws), and, for reference, engine + draw one after the
other. Prints a table of medians and writes benchmarks/results/render.json.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from sdn_desktop.engine import Network
from sdn_desktop.engine.layout import network_layout
from sdn_desktop.engine.process import EngineProcess
from sdn_desktop.render import GlobeView, canvas_app
from sdn_desktop.scenario import Scenario, WalkerSource, load_scenario

from .common import print_table, write_results

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "sdn_backbone_demo.json"
SIZE = (1280, 720)
FRAMES = 15
TARGET_RATIO = 1.3


def scenario_10k() -> Scenario:
    """The demo with its backbone replaced by a 100 x 100 Walker shell (10,222 satellites in all); its
    events and threats stay (the strike names backbone planes, which the bigger shell also has)."""
    data = load_scenario(DEMO).model_dump(mode="json")
    data["name"] = "10k shell"
    data["constellations"][0]["source"] = WalkerSource(
        planes=100, sats_per_plane=100, phasing=1, inclination_deg=53.0, altitude_km=550.0
    ).model_dump(mode="json")
    return Scenario.model_validate(data)


class BareScene:
    """The VisPy baseline: one Markers and Line(connect='segments') visuals, nothing else."""

    def __init__(self, view: GlobeView):
        from vispy import scene

        self.canvas = scene.SceneCanvas(size=SIZE, show=False, keys=None, bgcolor="#05070d", app=canvas_app())
        box = self.canvas.central_widget.add_view()
        box.camera = scene.TurntableCamera(
            fov=view.camera.fov, azimuth=view.camera.azimuth, elevation=view.camera.elevation,
            scale_factor=view.camera.scale_factor, center=(0, 0, 0),
        )  # fmt: skip
        self.markers = scene.visuals.Markers(parent=box.scene)
        self.lines = [scene.visuals.Line(parent=box.scene, connect="segments") for _ in range(3)]
        self.colors = view.layers["satellites"].rgba

    def frame(self, snap) -> None:
        km = 1e-3
        active = np.flatnonzero(snap.sat_active)
        self.markers.set_data(snap.sat_pos[active] * km, face_color=self.colors[active], size=3, edge_width=0)
        ground = np.stack((snap.node_pos[snap.ground[:, 0]], snap.sat_pos[snap.ground[:, 1]]), axis=1)
        for line, pts in zip(
            self.lines,
            (snap.sat_pos[snap.isl.ravel()], snap.sat_pos[snap.cross.ravel()], ground.reshape(-1, 3)),
            strict=True,
        ):
            line.set_data(pts * km, color=(0.5, 0.7, 1.0, 0.3))
        self.canvas.render()


def measure(name: str, scenario: Scenario) -> dict:
    network = Network(scenario, DEMO.parent)
    snaps = [network.snapshot(20.0 * k) for k in range(FRAMES + 1)]
    view = GlobeView(size=SIZE)
    view.set_scenario(scenario, network_layout(network))
    view.reset_camera()
    bare = BareScene(view)
    for first in (view.update, bare.frame):  # compile shaders, upload textures
        first(snaps[0])
    view.render()
    process = EngineProcess()  # the app's engine process
    process.load(scenario, DEMO.parent)
    process.snapshot(0.0)  # started and built
    ours, base, engine, pipelined = [], [], [], []
    for k, snap in enumerate(snaps[1:], start=1):  # the four measurements interleaved, frame by frame
        process.request(20.0 * k + 10.0)
        snap_next = process.receive()
        t0 = time.perf_counter()
        bare.frame(snap)
        t1 = time.perf_counter()
        view.update(snap)
        view.render()
        t2 = time.perf_counter()
        network.snapshot(20.0 * k + 5.0)
        t3 = time.perf_counter()
        process.request(20.0 * k + 15.0)  # as the app plays: the next instant computes while this draws
        view.update(snap_next)
        view.render()
        process.receive()
        t4 = time.perf_counter()
        base.append(t1 - t0)
        ours.append(t2 - t1)
        engine.append(t3 - t2)
        pipelined.append(t4 - t3)
    process.close()
    snap = snaps[-1]
    row = {
        "scenario": name,
        "satellites": int(snap.sat_active.sum()),
        "links": int(len(snap.isl) + len(snap.cross) + len(snap.ground)),
        "bare_ms": statistics.median(base) * 1e3,
        "globeview_ms": statistics.median(ours) * 1e3,
        "engine_ms": statistics.median(engine) * 1e3,
        "frame_with_engine_ms": statistics.median(pipelined) * 1e3,
    }
    row["serial_ms"] = row["globeview_ms"] + row["engine_ms"]
    row["ratio"] = row["frame_with_engine_ms"] / row["bare_ms"]
    row["draw_ratio"] = row["globeview_ms"] / row["bare_ms"]
    return row


def main() -> None:
    rows = [measure("demo", load_scenario(DEMO)), measure("10k", scenario_10k())]
    print_table(
        f"Frame at {SIZE[0]}x{SIZE[1]}: scene update + render, median of {FRAMES} (ms)",
        ["scenario", "satellites", "links", "bare VisPy", "GlobeView draw", "engine step",
         "frame with engine", "ratio", "engine then draw"],
        [[r["scenario"], r["satellites"], r["links"], r["bare_ms"], r["globeview_ms"], r["engine_ms"],
          r["frame_with_engine_ms"], f"{r['ratio']:.2f}", r["serial_ms"]] for r in rows],
    )  # fmt: skip
    ratio = rows[-1]["ratio"]
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"10k: frame with engine / bare = {ratio:.2f}, {verdict} the {TARGET_RATIO}x target")
    write_results(
        "render", {"size": list(SIZE), "frames": FRAMES, "target_ratio": TARGET_RATIO, "rows": rows}
    )


if __name__ == "__main__":
    main()
