"""Links: inter-satellite (own constellation), cross-vendor, and ground-to-satellite."""

from __future__ import annotations

import numpy as np

from ...engine.layout import NetworkLayout
from ...scenario import Scenario
from ..overlay import LegendEntry
from .base import GlobeSnapshot, Layer, SceneParts, Sight, segment_lines
from .satellites import constellation_rgba

ISL_ALPHA = 0.2
ISL_LEGEND_COLOR = (0.75, 0.85, 1.0, 0.55)
CROSS_LINK_COLOR = (0.86, 0.78, 1.0, 0.16)
GROUND_LINK_COLOR = (0.62, 0.98, 0.62, 0.55)


class _Links(Layer):
    """One Line visual of segment pairs."""

    order = 4
    legend_rank = 3

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.lines = segment_lines(parts.earth_fixed, self.order)

    def visuals(self) -> list:
        return [self.lines]


class _SatelliteLinks(_Links):
    """Links between satellites; a link goes when the Earth hides both its ends."""

    def pairs(self, snapshot: GlobeSnapshot) -> np.ndarray:
        raise NotImplementedError

    def colors(self, pairs: np.ndarray):
        raise NotImplementedError

    def follow_camera(self, sight: Sight) -> None:
        pairs = self.pairs(sight.snapshot)
        hidden = sight.sat_hidden
        pairs = pairs[~(hidden[pairs[:, 0]] & hidden[pairs[:, 1]])]
        self._set_lines(self.lines, sight.snapshot.snapshot.sat_pos[pairs.ravel()], self.colors(pairs))


class IslLayer(_SatelliteLinks):
    """Inter-satellite links, in their constellation's colour, faint."""


    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self._rgba = np.zeros((0, 4), np.float32)

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        super().set_scenario(scenario, layout)
        self._rgba = constellation_rgba(scenario, layout).copy()
        self._rgba[:, 3] = ISL_ALPHA

    def pairs(self, snapshot: GlobeSnapshot) -> np.ndarray:
        return snapshot.snapshot.isl

    def colors(self, pairs: np.ndarray):
        return np.repeat(self._rgba[pairs[:, 0]], 2, axis=0)

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry("inter-satellite link", ISL_LEGEND_COLOR)] if self.layout.has_isl else []


class CrossLinksLayer(_SatelliteLinks):
    """Links between constellations of different vendors with compatible terminals."""


    def pairs(self, snapshot: GlobeSnapshot) -> np.ndarray:
        return snapshot.snapshot.cross

    def colors(self, pairs: np.ndarray):
        return CROSS_LINK_COLOR

    def legend(self) -> list[LegendEntry]:
        present = self.scenario.interop.enabled and bool(self.layout.cross_constellations)
        return [LegendEntry("cross-vendor link", CROSS_LINK_COLOR[:3] + (0.55,))] if present else []


class GroundLinksLayer(_Links):
    """Links between ground nodes and satellites."""

    def update(self, snapshot: GlobeSnapshot) -> None:
        links = snapshot.snapshot.ground
        ends = np.empty((2 * len(links), 3))
        ends[0::2] = snapshot.node_km[links[:, 0]]
        ends[1::2] = snapshot.snapshot.sat_pos[links[:, 1]]
        self._set_lines(self.lines, ends, GROUND_LINK_COLOR)

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry("ground link", GROUND_LINK_COLOR[:3] + (0.7,))] if self.scenario.nodes else []
