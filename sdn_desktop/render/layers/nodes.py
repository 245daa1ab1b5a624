"""Ground, sea and air nodes: their role's symbol (``styles.ROLE_STYLES``) in their colour."""

from __future__ import annotations

import numpy as np
from vispy.color import Color

from ...engine.layout import NetworkLayout
from ...scenario import Scenario
from ...styles import ROLE_STYLES, node_color
from ..overlay import LegendEntry
from ..projection import Pickable
from .base import GlobeSnapshot, Layer, SceneParts, Sight, markers

NODE_SIZE_PX = 13.0
LEGEND_SYMBOL_COLOR = "#c9d1d9"


class NodesLayer(Layer):
    """Node symbols are big billboards standing on the surface, which would cut them: they are drawn
    over everything and left out when the Earth hides them."""

    order = 5
    legend_rank = 2

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.markers = markers(parts.earth_fixed, self.order, depth_test=False)
        self._symbols: list[str] = []
        self._rgba = np.zeros((0, 4), np.float32)
        self._node_km = np.zeros((0, 3))

    def visuals(self) -> list:
        return [self.markers]

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        super().set_scenario(scenario, layout)
        self._symbols = [ROLE_STYLES[node.role].shape for node in scenario.nodes]
        self._rgba = np.array(
            [Color(node_color(node.role, node.color)).rgba for node in scenario.nodes], np.float32
        ).reshape(-1, 4)

    def update(self, snapshot: GlobeSnapshot) -> None:
        self._node_km = snapshot.node_km

    def follow_camera(self, sight: Sight) -> None:
        shown = np.flatnonzero(~sight.hidden(self._node_km))
        self._set_markers(
            self.markers, self._node_km[shown], size=NODE_SIZE_PX, face_color=self._rgba[shown],
            edge_color=(0.0, 0.0, 0.0, 0.9), edge_width=1.2, symbol=[self._symbols[i] for i in shown],
        )  # fmt: skip

    def legend(self) -> list[LegendEntry]:
        roles = {node.role for node in self.scenario.nodes}
        return [
            LegendEntry("C2" if role == "c2" else role, LEGEND_SYMBOL_COLOR, symbol=style.shape)
            for role, style in ROLE_STYLES.items()
            if role in roles
        ]

    def pickables(self) -> list[Pickable]:
        return [Pickable("node", np.arange(len(self._node_km)), self._node_km.copy())]
