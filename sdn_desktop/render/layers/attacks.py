"""Satellites hit by events: struck by a destroy event in the last minutes (red crosses, then gone),
and out of service in an outage (grey). The satellites layer draws neither: they are not active,
and the snapshot has their positions only in ``down_pos``."""

from __future__ import annotations

import numpy as np

from ..overlay import LegendEntry
from .base import GlobeSnapshot, Layer, SceneParts, Sight, markers

STRUCK_COLOR = "#ff1744"
STRUCK_SHOWN_S = 300.0  # a struck satellite's cross stays this long after the strike
STRUCK_SIZE_PX = 11.0
OUTAGE_COLOR = "#7d8590"
OUTAGE_SIZE_PX = 4.0


class _EventSatellitesLayer(Layer):
    """Markers on the satellites ``chosen`` picks from a snapshot, left out behind the Earth."""

    order = 2
    legend_rank = 4
    style: dict = {}
    event_kind = ""
    legend_text = ""
    legend_color = ""
    legend_symbol = ""

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.markers = markers(parts.earth_fixed, self.order)
        self._positions = np.zeros((0, 3))

    def visuals(self) -> list:
        return [self.markers]

    def chosen(self, snapshot: GlobeSnapshot) -> np.ndarray:
        """(len(down_sats),) bool: which of the satellites down now this layer marks."""
        raise NotImplementedError

    def update(self, snapshot: GlobeSnapshot) -> None:
        self._positions = snapshot.snapshot.down_pos[self.chosen(snapshot)]

    def follow_camera(self, sight: Sight) -> None:
        shown = ~sight.hidden(self._positions) if len(self._positions) else np.zeros(0, bool)
        self._set_markers(self.markers, self._positions[shown], **self.style)

    def legend(self) -> list[LegendEntry]:
        if not any(e.kind == self.event_kind for e in self.scenario.events):
            return []
        return [LegendEntry(self.legend_text, self.legend_color, symbol=self.legend_symbol)]


class StruckLayer(_EventSatellitesLayer):
    order = 6
    style = {"size": STRUCK_SIZE_PX, "symbol": "x", "face_color": STRUCK_COLOR, "edge_width": 0}
    event_kind = "destroy"
    legend_text = f"struck (last {STRUCK_SHOWN_S / 60:.0f} min)"
    legend_color = STRUCK_COLOR
    legend_symbol = "x"

    def chosen(self, snapshot: GlobeSnapshot) -> np.ndarray:
        snap = snapshot.snapshot
        since = snap.t_s - snap.sat_destroyed_at_s[snap.down_sats]
        with np.errstate(invalid="ignore"):
            return np.isfinite(since) & (since <= STRUCK_SHOWN_S)


class OutageLayer(_EventSatellitesLayer):
    style = {"size": OUTAGE_SIZE_PX, "face_color": OUTAGE_COLOR, "edge_width": 0}
    event_kind = "outage"
    legend_text = "out of service"
    legend_color = OUTAGE_COLOR
    legend_symbol = "disc"

    def chosen(self, snapshot: GlobeSnapshot) -> np.ndarray:
        snap = snapshot.snapshot
        return snap.sat_outage[snap.down_sats] & ~np.isfinite(snap.sat_destroyed_at_s[snap.down_sats])
