"""Globe texts stay readable: scene labels are outlined, and the overlay's parts never overlap, even at
the smallest globe the window allows."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from sdn_desktop.engine import Network
from sdn_desktop.engine.layout import network_layout
from sdn_desktop.render import GlobeView
from sdn_desktop.render.layers import SCALE
from sdn_desktop.render.overlay import text_box
from sdn_desktop.scenario import load_scenario

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "sdn_backbone_demo.json"
MINIMUM_GLOBE = (400, 300)  # GlobeWidget's minimum size
TIMES_S = (0.0, 600.0, 1500.0, 2400.0, 3300.0)  # some with every chain reachable, some with broken legs


@pytest.fixture(scope="module")
def demo():
    scenario = load_scenario(DEMO)
    network = Network(scenario, DEMO.parent)
    return scenario, network_layout(network), [network.snapshot(t) for t in TIMES_S]


@pytest.fixture(scope="module")
def white_view(demo):
    """The demo on a white background: what bright terrain (ice, desert, cloud) does to labels."""
    scenario, layout, snapshots = demo
    view = GlobeView(size=(480, 360), bgcolor="white")
    view.set_scenario(scenario, layout)
    view.update(snapshots[1])
    yield view
    view.canvas.close()


def test_scene_labels_are_outlined_in_dark_over_bright_ground(white_view):
    for name in GlobeView.LAYERS:
        white_view.set_layer_visible(name, name == "labels")  # the labels alone, over white
    image = white_view.render()[..., :3].astype(int)
    labels = white_view.layers["labels"]
    checked = 0
    for visual in (labels.node_labels, labels.route_labels):
        if not visual.visible:
            continue
        texts = [visual.text] if isinstance(visual.text, str) else visual.text
        for text, xy in zip(texts, white_view.project(visual.pos / SCALE), strict=True):
            x0, y0, x1, y1 = text_box(visual, text, xy, y_down=False).astype(int)
            around = image[max(y0 - 3, 0) : y1 + 3, max(x0 - 3, 0) : x1 + 3]
            # Label colours are light, and their edges blend with white: only an outline is this dark.
            dark = int((around.max(axis=-1) < 140).sum())
            assert dark >= len(text.strip()), (text, dark)
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("size", [MINIMUM_GLOBE, (520, 340), (1280, 720)])
def test_overlay_parts_never_overlap(demo, size):
    scenario, layout, snapshots = demo
    view = GlobeView(size=size)
    try:
        view.set_scenario(scenario, layout)
        for snapshot in snapshots:
            view.update(snapshot)
            view.render()
            boxes = view.overlay.occupied()
            assert len(boxes) >= 3 + len(scenario.chains)  # title, clock, panel title, one row a chain
            for a, b in combinations(boxes, 2):
                assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (size, a, b)
            assert all(0 <= box[0] and box[2] <= size[0] and box[3] <= size[1] for box in boxes), size
    finally:
        view.canvas.close()


def test_the_latency_panel_stays_beside_the_title_where_there_is_room(demo):
    scenario, layout, snapshots = demo
    view = GlobeView(size=(1280, 720))
    try:
        view.set_scenario(scenario, layout)
        view.update(snapshots[0])
        values = view.overlay._values
        assert values.pos[0][1] == pytest.approx(16.0)  # the panel title, at the top margin
        assert np.array_equal(values.text[0], "KILL-CHAIN LATENCY")
    finally:
        view.canvas.close()
