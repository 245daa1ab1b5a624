"""The critical elements of a resilience study (``GlobeState.critical`` and ``critical_links``): an
amber ring with its rank number around each critical satellite and node, and an amber segment along
each critical link. Rings and numbers are drawn over everything and left out behind the Earth."""

from __future__ import annotations

import numpy as np

from ..overlay import make_text, set_text
from ..state import GlobeState, Target, TargetLink
from .base import SCALE, GlobeSnapshot, Layer, SceneParts, Sight, markers, segment_lines

CRITICAL_COLOR = "#ffb300"
RING_SIZE_PX = 20.0
LINK_WIDTH_PX = 5.0
RANK_GAP = "  "  # rank numbers start just right of their ring


class CriticalLayer(Layer):
    """Rings, rank numbers and link segments at the critical elements' positions in the snapshot."""

    order = 6

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.rings = markers(parts.earth_fixed, self.order, depth_test=False)
        fixed, fonts = parts.earth_fixed, parts.fonts
        self.ranks = make_text(
            fixed, fonts, "left", "center", 9, bold=True, color=CRITICAL_COLOR, outlined=True
        )
        self.ranks.order = self.order
        self.links = segment_lines(parts.earth_fixed, self.order, width=LINK_WIDTH_PX, antialias=True)
        self._targets: tuple[Target, ...] = ()
        self._target_links: tuple[TargetLink, ...] = ()
        self.positions_km = np.zeros((0, 3))  # where each ringed element is in the snapshot
        self.rank_texts: list[str] = []
        self.link_points_km = np.zeros((0, 3))  # segment pairs of the critical links in the snapshot
        for visual in self.visuals():
            self._has_data[visual] = False

    def visuals(self) -> list:
        return [self.links, self.rings, self.ranks]

    def apply(self, state: GlobeState) -> None:
        self._targets, self._target_links = state.critical, state.critical_links

    def _place(self, snapshot: GlobeSnapshot) -> None:
        """The positions of the critical elements in ``snapshot`` (one not drawn there, struck say, is
        left out)."""
        rank_in_kind: dict[str, int] = {}
        positions, texts = [], []
        for target in self._targets:
            rank_in_kind[target[0]] = rank_in_kind.get(target[0], 0) + 1
            where = snapshot.target_km(target)
            if where is not None:
                positions.append(where)
                texts.append(f"{RANK_GAP}{rank_in_kind[target[0]]}")
        self.positions_km = np.array(positions, float).reshape(-1, 3)
        self.rank_texts = texts
        ends = [(snapshot.target_km(a), snapshot.target_km(b)) for a, b in self._target_links]
        self.link_points_km = np.array(
            [point for a, b in ends if a is not None and b is not None for point in (a, b)], float
        ).reshape(-1, 3)

    def follow_camera(self, sight: Sight) -> None:
        """Placed here, not in ``update``: a new study (``apply``) is drawn without a new snapshot."""
        self._place(sight.snapshot)
        shown = np.zeros(0, int)
        if len(self.positions_km):
            shown = np.flatnonzero(~sight.hidden(self.positions_km))
        self._set_markers(
            self.rings, self.positions_km[shown], size=RING_SIZE_PX, symbol="ring",
            face_color=CRITICAL_COLOR, edge_color=CRITICAL_COLOR, edge_width=0,
        )  # fmt: skip
        self._has_data[self.ranks] = len(shown) > 0
        if len(shown):
            set_text(self.ranks, [self.rank_texts[i] for i in shown])
            self.ranks.pos = self.positions_km[shown] * SCALE
        self._set_lines(self.links, self.link_points_km, CRITICAL_COLOR)  # the Earth hides them (depth test)
