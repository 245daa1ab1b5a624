"""Scene labels: node names and route latencies, left out where they would overlap."""

from __future__ import annotations

import numpy as np
from vispy.color import Color

from ...engine.layout import NetworkLayout
from ...scenario import Scenario
from ..overlay import make_text, set_text, text_box
from .base import SCALE, GlobeSnapshot, Layer, SceneParts, Sight
from .routes import chain_routes

NODE_LABEL_COLOR = "#c9d1d9"
LABEL_GAP = "   "  # node labels start just right of their marker


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


class LabelsLayer(Layer):
    """Route latencies are placed first, then node names in scenario order; a label whose anchor the
    Earth hides, or that would overlap a label placed before it or the overlay, is left out."""

    order = 6

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        fixed, fonts = parts.earth_fixed, parts.fonts
        self.node_labels = make_text(fixed, fonts, "left", "bottom", 8, color=NODE_LABEL_COLOR, outlined=True)
        self.route_labels = make_text(fixed, fonts, "left", "top", 9, bold=True, outlined=True)
        for label in (self.node_labels, self.route_labels):
            label.order = self.order
        self._node_names: list[str] = []
        self._chain_rgba: list[tuple] = []
        # texts, anchors (km) and colours (None: the visual's own) of each visual, placed first to last
        self._texts: dict = {}
        self._placed: dict = {}  # visual -> which of its texts are shown

    def visuals(self) -> list:
        return [self.node_labels, self.route_labels]

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        super().set_scenario(scenario, layout)
        self._node_names = [LABEL_GAP + node.name for node in scenario.nodes]
        self._chain_rgba = [Color(chain.color).rgba for chain in scenario.chains]

    def update(self, snapshot: GlobeSnapshot) -> None:
        labels = snapshot.shared(chain_routes).labels
        self._texts = {
            self.route_labels: (
                [" + ".join(values) + " ms" for _, values, _ in labels],
                np.array([anchor for _, _, anchor in labels]).reshape(-1, 3),
                [self._chain_rgba[ci] for ci, _, _ in labels],
            ),
            self.node_labels: (self._node_names, snapshot.node_km, None),
        }
        self._placed.clear()

    def follow_camera(self, sight: Sight) -> None:
        for visual, (texts, points, colors) in self._texts.items():
            xy = sight.screen.project(points) if len(points) else np.zeros((0, 2))
            shown = np.isfinite(xy[:, 0])
            for i in np.flatnonzero(shown):
                box = text_box(visual, texts[i], xy[i], y_down=False)
                if any(_overlap(box, other) for other in sight.taken):
                    shown[i] = False
                else:
                    sight.taken.append(box)
            if visual in self._placed and np.array_equal(self._placed[visual], shown):
                continue
            self._placed[visual] = shown
            keep = np.flatnonzero(shown)
            self._has_data[visual] = len(keep) > 0
            if len(keep):
                set_text(
                    visual, [texts[i] for i in keep], None if colors is None else [colors[i] for i in keep]
                )
                visual.pos = points[keep] * SCALE
