"""Satellites: one marker each, in their constellation's colour; left out behind the Earth."""

from __future__ import annotations

import numpy as np
from vispy.color import Color

from ...engine.layout import NetworkLayout
from ...scenario import Scenario
from ..overlay import LegendEntry
from ..projection import Pickable
from .base import GlobeSnapshot, Layer, SceneParts, Sight, markers


def constellation_rgba(scenario: Scenario, layout: NetworkLayout) -> np.ndarray:
    """RGBA ``(N, 4)`` of every satellite: its constellation's colour."""
    palette = np.array([Color(c.color).rgba for c in scenario.constellations], np.float32).reshape(-1, 4)
    return palette[layout.sats.constellation] if len(layout.sats) else np.zeros((0, 4), np.float32)


def satellite_size_px(count: int) -> float:
    return 4.5 if count <= 2500 else 3.5 if count <= 6000 else 3.0


class SatellitesLayer(Layer):
    order = 2
    legend_rank = 0

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.markers = markers(parts.earth_fixed, self.order)
        self.rgba = np.zeros((0, 4), np.float32)
        self._size = satellite_size_px(0)
        self._drawn = np.zeros(0, int)  # satellite index of each drawn marker
        self._drawn_km = np.zeros((0, 3))

    def visuals(self) -> list:
        return [self.markers]

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        super().set_scenario(scenario, layout)
        self.rgba = constellation_rgba(scenario, layout)
        self._size = satellite_size_px(len(layout.sats))

    def update(self, snapshot: GlobeSnapshot) -> None:
        self._drawn = np.flatnonzero(snapshot.active)
        self._drawn_km = snapshot.snapshot.sat_pos[self._drawn]

    def follow_camera(self, sight: Sight) -> None:
        shown = np.flatnonzero(sight.snapshot.active & ~sight.sat_hidden)
        positions = sight.snapshot.snapshot.sat_pos[shown]
        self._set_markers(self.markers, positions, size=self._size, face_color=self.rgba[shown], edge_width=0)

    def legend(self) -> list[LegendEntry]:
        counts = np.bincount(self.layout.sats.constellation, minlength=len(self.scenario.constellations))
        return [
            LegendEntry(f"{c.name}  ({n:,} sats)", c.color, symbol="disc")
            for c, n in zip(self.scenario.constellations, counts, strict=True)
        ]

    def pickables(self) -> list[Pickable]:
        return [Pickable("satellite", self._drawn.copy(), self._drawn_km.copy())]
