"""The screen overlay as a layer: title, UTC time, chain latencies and the legend."""

from __future__ import annotations

from ...engine.layout import NetworkLayout
from ...scenario import Scenario
from ..overlay import ChainStatus, LegendEntry, Overlay
from ..state import OVERLAY_PARTS, GlobeState
from .base import GlobeSnapshot, Layer, SceneParts
from .routes import chain_routes


def _elapsed(t_s: float) -> str:
    whole = int(round(t_s))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class OverlayLayer(Layer):
    """Unreachable chains are shown in red, naming their first broken leg. ``GlobeView`` fills the
    legend from every layer's ``legend()``."""

    order = 100

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.overlay = Overlay(parts.screen, parts.fonts)

    def visuals(self) -> list:
        return [self.overlay.root]

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        super().set_scenario(scenario, layout)
        self.overlay.set_title(scenario.name)

    def set_legend(self, entries: list[LegendEntry]) -> None:
        self.overlay.set_legend(entries)

    def update(self, snapshot: GlobeSnapshot) -> None:
        routes = snapshot.shared(chain_routes)
        snap = snapshot.snapshot
        self.overlay.set_status(
            f"{snap.time_utc:%Y-%m-%d %H:%M:%S} UTC   T+{_elapsed(snap.t_s)}",
            [
                ChainStatus(
                    chain.name, chain.color, None if ci in routes.broken else routes.total_ms[ci],
                    routes.broken.get(ci, ""),
                )
                for ci, chain in enumerate(snapshot.scenario.chains)
            ],
        )  # fmt: skip

    def apply(self, state: GlobeState) -> None:
        self.overlay.show_parts(*(part in state.overlay for part in OVERLAY_PARTS))

    def occupied(self) -> list:
        return self.overlay.occupied()
