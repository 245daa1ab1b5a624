"""What every globe layer is: one kind of thing drawn, with the same small interface.

A layer builds its VisPy visuals once (``__init__``), restyles them for a scenario (``set_scenario``),
moves them to each snapshot (``update``), and may redo what depends on the camera (``follow_camera``:
horizon culling, labels). ``GlobeView`` calls these for every layer in ``LAYER_TYPES`` order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
from vispy import scene
from vispy.visuals.text.text import FontManager

from ...engine import Snapshot
from ...engine.layout import NetworkLayout
from ...scenario import Scenario
from ..geometry import hidden_by_earth
from ..overlay import LegendEntry
from ..projection import Pickable, ScreenProjection
from ..state import GlobeState, Target

SCALE = 1e-3  # scene units per km (the scene is drawn in megametres)
NODE_LIFT_KM = 8.0  # nodes drawn a little above the surface so the globe never covers them
CULL_MARGIN_KM = 15.0  # culling tests against an ellipsoid this much smaller, so nothing visible goes


@dataclass(frozen=True)
class SceneParts:
    """Where layers put their visuals: Earth-fixed (km x SCALE), the turning sky, canvas pixels."""

    earth_fixed: scene.Node
    sky: scene.Node
    screen: scene.Node
    fonts: FontManager


class GlobeSnapshot:
    """One engine snapshot as the layers draw it; values several layers need are computed once."""

    def __init__(self, snapshot: Snapshot, scenario: Scenario):
        self.snapshot = snapshot
        self.scenario = scenario
        self._shared: dict[Callable, Any] = {}

    @cached_property
    def node_km(self) -> np.ndarray:
        """Node positions (km) where their markers stand, a little above the ground."""
        node_km = self.snapshot.node_pos
        norm = np.linalg.norm(node_km, axis=1, keepdims=True)
        return node_km * (1.0 + NODE_LIFT_KM / np.where(norm > 0, norm, 1.0))

    @cached_property
    def active(self) -> np.ndarray:
        """Satellites drawn: propagated, not disabled."""
        return self.snapshot.sat_active & np.isfinite(self.snapshot.sat_pos[:, 0])

    def shared(self, compute: Callable[[GlobeSnapshot], Any]) -> Any:
        """``compute(self)``, worked out by the first layer that asks for it."""
        if compute not in self._shared:
            self._shared[compute] = compute(self)
        return self._shared[compute]

    def target_km(self, target: Target | None) -> np.ndarray | None:
        """Where a ("satellite"|"node", index) is drawn (None: no target, or not propagated)."""
        if target is None:
            return None
        kind, index = target
        if kind == "node":
            return self.node_km[index] if index < len(self.node_km) else None
        position = self.snapshot.sat_pos[index]
        return position if self.snapshot.sat_active[index] and np.isfinite(position).all() else None


@dataclass
class Sight:
    """The camera of one frame, as layers need it: the eye, the screen, and the screen space taken."""

    eye_km: np.ndarray
    snapshot: GlobeSnapshot
    canvas_matrix: Callable[[], np.ndarray]
    taken: list[np.ndarray] = field(default_factory=list)  # text boxes (x0, y0, x1, y1) in canvas pixels

    @cached_property
    def sat_hidden(self) -> np.ndarray:
        """Satellites behind the Earth (tested against a slightly smaller Earth: none visible goes)."""
        return hidden_by_earth(
            self.eye_km, self.snapshot.snapshot.sat_pos, tolerance_km=0.0, shrink_km=CULL_MARGIN_KM
        )

    @cached_property
    def screen(self) -> ScreenProjection:
        return ScreenProjection(self.canvas_matrix(), self.eye_km)

    def hidden(self, points_km: np.ndarray) -> np.ndarray:
        return hidden_by_earth(self.eye_km, points_km)


class Layer:
    """One kind of thing drawn on the globe, named by its row in ``LAYER_TYPES``. Subclasses build
    their visuals in ``__init__`` and list them in ``visuals``; the other methods are optional."""

    toggleable: ClassVar[bool] = True  # in View -> Layers; shown unless in GlobeState.hidden_layers
    order: ClassVar[int] = 4  # draw order of its visuals; picking tries the highest first
    legend_rank: ClassVar[int] = 4  # legend rows: constellations 0, chains 1, nodes 2, links 3

    def __init__(self, parts: SceneParts):
        self._shown = True
        self._has_data: dict[scene.Node, bool] = {}
        self.scenario: Scenario | None = None
        self.layout: NetworkLayout | None = None

    def visuals(self) -> list[scene.Node]:
        raise NotImplementedError

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        """Styles of a (new or edited) scenario; ``update`` follows."""
        self.scenario, self.layout = scenario, layout

    def update(self, snapshot: GlobeSnapshot) -> None:
        """Move to ``snapshot``."""

    def follow_camera(self, sight: Sight) -> None:
        """Redo what depends on the camera (after every ``update`` and camera move)."""

    def apply(self, state: GlobeState) -> None:
        """Take what this layer draws from the view's state (the selection, say)."""

    def legend(self) -> list[LegendEntry]:
        return []

    def pickables(self) -> list[Pickable]:
        """What a click can pick in this layer, as drawn."""
        return []

    def occupied(self) -> list[np.ndarray]:
        """Screen boxes this layer's texts take, which scene labels keep clear of."""
        return []

    @property
    def visible(self) -> bool:
        return self._shown

    @visible.setter
    def visible(self, shown: bool) -> None:
        self._shown = bool(shown)
        self.refresh_visibility()

    def refresh_visibility(self) -> None:
        """A visual is drawn when its layer is shown and it has something to draw."""
        for visual in self.visuals():
            visual.visible = self._shown and self._has_data.get(visual, True)

    # ------------------------------------------------------------------ for subclasses
    def _set_markers(self, visual: scene.visuals.Markers, positions_km: np.ndarray, **style) -> None:
        self._has_data[visual] = len(positions_km) > 0
        if len(positions_km):
            visual.set_data(positions_km * SCALE, **style)

    def _set_lines(self, visual: scene.visuals.Line, points_km: np.ndarray, color) -> None:
        self._has_data[visual] = len(points_km) > 0
        if len(points_km):
            visual.set_data(points_km * SCALE, color=color)


def markers(parent: scene.Node, order: int, depth_test: bool = True) -> scene.visuals.Markers:
    visual = scene.visuals.Markers(parent=parent)
    visual.set_gl_state("translucent", depth_test=depth_test)
    visual.order = order
    return visual


def segment_lines(parent: scene.Node, order: int, width: float = 1.0, antialias: bool = False):
    """A Line visual drawing segment pairs (``connect='segments'``)."""
    line = scene.visuals.Line(
        parent=parent, connect="segments", width=width, method="gl", antialias=antialias
    )
    line.set_gl_state("translucent", depth_test=True)
    line.order = order
    return line
