"""The selection ring around the selected satellite or node (``GlobeState.selection``)."""

from __future__ import annotations

from ..state import GlobeState, Target
from .base import SCALE, Layer, SceneParts, Sight, markers

SELECTION_COLOR = "#ffffff"


class SelectionLayer(Layer):
    """Shown whenever something is selected and the Earth does not hide it (not a View -> Layers entry)."""

    toggleable = False
    order = 7

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.ring = markers(parts.earth_fixed, self.order, depth_test=False)
        self._has_data[self.ring] = False
        self._target: Target | None = None

    def visuals(self) -> list:
        return [self.ring]

    def apply(self, state: GlobeState) -> None:
        self._target = state.selection

    def follow_camera(self, sight: Sight) -> None:
        position = sight.snapshot.target_km(self._target)
        if position is not None and sight.hidden(position)[0]:
            position = None
        self._has_data[self.ring] = position is not None
        if position is not None:
            self.ring.set_data(
                position[None] * SCALE, size=24, symbol="ring", face_color=SELECTION_COLOR,
                edge_color=SELECTION_COLOR, edge_width=0,
            )  # fmt: skip
