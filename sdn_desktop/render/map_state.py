"""``MapState``: everything the user chose about the 2D map's view, as one frozen value (no VisPy).

Like ``GlobeState`` for the globe: the app's map dock keeps the current one and sends it whole with
every batch to the map process (``render.map_process``), which applies it (``MapView.apply``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .state import TARGET_KINDS, Target, TargetLink, _ends, _present, _target

DEFAULT_TRACK_SPAN_S = 2700.0  # half an orbit of a low shell, behind and ahead
MAX_TRACK_SPAN_S = 86400.0

MapRect = tuple[float, float, float, float]  # x (lon), y (lat), width, height in degrees


@dataclass(frozen=True)
class MapState:
    """The view of the map: layers, selection, ground tracks, the part of the map shown, the size.

    ``tracked``: satellites whose ground tracks are drawn, ``track_behind_s`` before and
    ``track_ahead_s`` after the snapshot's time. ``camera``: the rectangle shown (None: the whole map).
    ``critical``: a resilience study's critical satellites and nodes, ringed (most critical first);
    ``critical_links``: its critical links, drawn along their ground paths.
    """

    hidden_layers: frozenset[str] = frozenset()
    selection: Target | None = None  # ringed, with its footprint
    tracked: tuple[int, ...] = ()
    track_behind_s: float = DEFAULT_TRACK_SPAN_S
    track_ahead_s: float = DEFAULT_TRACK_SPAN_S
    size: tuple[int, int] = (1280, 720)
    camera: MapRect | None = None
    critical: tuple[Target, ...] = ()
    critical_links: tuple[TargetLink, ...] = ()

    def __post_init__(self):
        for target in (self.selection, *self.critical, *_ends(self.critical_links)):
            if target is not None and (len(target) != 2 or target[0] not in TARGET_KINDS):
                raise ValueError(f"a target is ('satellite'|'node', index), got {target!r}")
        if self.selection is not None:
            object.__setattr__(self, "selection", _target(self.selection))
        object.__setattr__(self, "critical", tuple(_target(t) for t in self.critical))
        object.__setattr__(
            self, "critical_links", tuple((_target(a), _target(b)) for a, b in self.critical_links)
        )
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
        for kind, index in (*self.critical, *_ends(self.critical_links)):
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
            critical_links=tuple(
                link for link in self.critical_links if all(_present(t, counts) for t in link)
            ),
        )
