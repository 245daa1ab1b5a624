"""``MapState``: everything the user chose about the 2D map's view, as one frozen value (no VisPy).

Like ``GlobeState`` for the globe: the app's map dock keeps the current one and sends it whole with
every batch to the map process (``render.map_process``), which applies it (``MapView.apply``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .state import TARGET_KINDS, Target, _present

DEFAULT_TRACK_SPAN_S = 2700.0  # half an orbit of a low shell, behind and ahead
MAX_TRACK_SPAN_S = 86400.0

MapRect = tuple[float, float, float, float]  # x (lon), y (lat), width, height in degrees


@dataclass(frozen=True)
class MapState:
    """The view of the map: layers, selection, ground tracks, the part of the map shown, the size.

    ``tracked``: satellites whose ground tracks are drawn, ``track_behind_s`` before and
    ``track_ahead_s`` after the snapshot's time. ``camera``: the rectangle shown (None: the whole map).
    ``critical``: a resilience study's critical satellites and nodes, ringed (most critical first).
    """

    hidden_layers: frozenset[str] = frozenset()
    selection: Target | None = None  # ringed, with its footprint
    tracked: tuple[int, ...] = ()
    track_behind_s: float = DEFAULT_TRACK_SPAN_S
    track_ahead_s: float = DEFAULT_TRACK_SPAN_S
    size: tuple[int, int] = (1280, 720)
    camera: MapRect | None = None
    critical: tuple[Target, ...] = ()

    def __post_init__(self):
        for target in (self.selection, *self.critical):
            if target is not None and (len(target) != 2 or target[0] not in TARGET_KINDS):
                raise ValueError(f"a target is ('satellite'|'node', index), got {target!r}")
        if self.selection is not None:
            object.__setattr__(self, "selection", (str(self.selection[0]), int(self.selection[1])))
        object.__setattr__(self, "critical", tuple((str(kind), int(index)) for kind, index in self.critical))
        for name in ("track_behind_s", "track_ahead_s"):
            span = float(getattr(self, name))
            if not 0.0 <= span <= MAX_TRACK_SPAN_S:
                raise ValueError(f"{name} must be 0 to {MAX_TRACK_SPAN_S:g} s, got {span:g}")
            object.__setattr__(self, name, span)
        width, height = self.size
        if width < 1 or height < 1:
            raise ValueError(f"size must be at least 1 x 1 pixels, got {self.size}")
        object.__setattr__(self, "size", (int(width), int(height)))
        object.__setattr__(self, "tracked", tuple(int(i) for i in self.tracked))

    def with_layer(self, name: str, visible: bool) -> MapState:
        hidden = self.hidden_layers - {name} if visible else self.hidden_layers | {name}
        return replace(self, hidden_layers=frozenset(hidden))

    def layer_visible(self, name: str) -> bool:
        return name not in self.hidden_layers

    def check_targets(self, counts: dict[str, int]) -> None:
        """Raise ValueError when the selection, a tracked satellite or a critical element is not among
        ``counts``."""
        if not _present(self.selection, counts):
            kind, index = self.selection
            raise ValueError(f"selection: no {kind} with index {index} in the scenario")
        missing = [i for i in self.tracked if not _present(("satellite", i), counts)]
        if missing:
            raise ValueError(f"ground tracks: no satellite with index {missing[0]} in the scenario")
        for kind, index in self.critical:
            if not _present((kind, index), counts):
                raise ValueError(f"critical: no {kind} with index {index} in the scenario")

    def fitted(self, counts: dict[str, int]) -> MapState:
        """This state for another scenario: a selection, tracked satellite or critical element it lacks
        is dropped."""
        return replace(
            self,
            selection=self.selection if _present(self.selection, counts) else None,
            tracked=tuple(i for i in self.tracked if _present(("satellite", i), counts)),
            critical=tuple(t for t in self.critical if _present(t, counts)),
        )
