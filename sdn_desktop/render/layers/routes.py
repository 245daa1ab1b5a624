"""Kill-chain routes: one thick line per complete chain, in the chain's colour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from vispy import scene
from vispy.color import Color

from ...engine.layout import NetworkLayout
from ...scenario import Scenario
from ..overlay import LegendEntry
from .base import GlobeSnapshot, Layer, SceneParts, segment_lines

ROUTE_WIDTH_PX = 4.0
LABEL_MERGE_KM = 500.0  # route labels closer than this would overlap


@dataclass
class ChainRoutes:
    """The routes of every chain at one instant, as drawn (shared by the routes, labels and overlay)."""

    broken: dict[int, str]  # chain index -> "A -> B" of its first unreachable leg
    total_ms: np.ndarray  # end-to-end latency of each chain (of its reachable legs)
    segments: list[np.ndarray]  # line-segment pairs (km) of each chain; empty for a broken one
    labels: list[tuple[int, list[str], np.ndarray]]  # chain index, leg latencies, anchor (km)


def chain_routes(snapshot: GlobeSnapshot) -> ChainRoutes:
    """Routes of complete chains, their node ends where the node markers stand, and latency labels."""
    snap = snapshot.snapshot
    chain_index = {chain.name: i for i, chain in enumerate(snapshot.scenario.chains)}
    broken: dict[int, str] = {}
    for route in snap.routes:
        if not route.reachable:
            broken.setdefault(chain_index[route.leg.chain], f"{route.leg.src} -> {route.leg.dst}")
    pieces: list[list[np.ndarray]] = [[] for _ in chain_index]
    total = np.zeros(len(chain_index))
    labels: list[tuple[int, list[str], np.ndarray]] = []
    for route in snap.routes:
        ci = chain_index[route.leg.chain]
        if ci in broken:
            continue
        total[ci] += route.latency_ms
        points = _route_points(snapshot, route.path)
        pieces[ci].append(_segments(points))
        _add_label(labels, ci, f"{route.latency_ms:.1f}", _midpoint(points))
    segments = [np.concatenate(p) if p else np.zeros((0, 3)) for p in pieces]
    return ChainRoutes(broken, total, segments, labels)


def _route_points(snapshot: GlobeSnapshot, path: list[int]) -> np.ndarray:
    """A route's vertices (km), its node ends moved to where the node markers are drawn."""
    snap = snapshot.snapshot
    points = snap.vertex_positions(path)
    n_sats = len(snap.sat_pos)
    for end in (0, -1):
        if path[end] >= n_sats:
            points[end] = snapshot.node_km[snap.vertex_node[path[end] - n_sats]]
    return points


def _segments(points: np.ndarray) -> np.ndarray:
    """A polyline as line-segment pairs (for ``connect='segments'``)."""
    out = np.empty((2 * (len(points) - 1), 3))
    out[0::2], out[1::2] = points[:-1], points[1:]
    return out


def _midpoint(points: np.ndarray) -> np.ndarray:
    """The point halfway along a polyline."""
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    along = np.concatenate(([0.0], np.cumsum(steps)))
    half = along[-1] / 2.0
    i = min(int(np.searchsorted(along, half, side="right")) - 1, len(steps) - 1)
    f = 0.0 if steps[i] == 0 else (half - along[i]) / steps[i]
    return points[i] + f * (points[i + 1] - points[i])


def _add_label(labels: list, chain: int, latency: str, anchor: np.ndarray) -> None:
    """Add a leg's latency label; legs whose labels would overlap share one ("20.6 + 28.2 ms"),
    and a leg shared by another chain (same route, same latency) is labelled once."""
    for other_chain, values, other_anchor in labels:
        if np.linalg.norm(other_anchor - anchor) < LABEL_MERGE_KM:
            if other_chain == chain:
                values.append(latency)
                return
            if latency in values:
                return
    labels.append((chain, [latency], anchor))


class RoutesLayer(Layer):
    """A chain with an unreachable leg gets no line (the overlay names the leg)."""

    order = 1
    legend_rank = 1

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self._root = scene.Node(parent=parts.earth_fixed, name="routes")
        self._root.order = self.order
        self.lines: list[scene.visuals.Line] = []
        self._rgba: list[tuple] = []

    def visuals(self) -> list:
        return list(self.lines)

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        super().set_scenario(scenario, layout)
        self._rgba = [Color(chain.color).rgba for chain in scenario.chains]
        count = len(scenario.chains)
        for line in self.lines[count:]:
            line.parent = None
            self._has_data.pop(line, None)
        self.lines = self.lines[:count]
        while len(self.lines) < count:
            self.lines.append(segment_lines(self._root, 0, width=ROUTE_WIDTH_PX, antialias=True))

    def update(self, snapshot: GlobeSnapshot) -> None:
        routes = snapshot.shared(chain_routes)
        for line, points, rgba in zip(self.lines, routes.segments, self._rgba, strict=True):
            self._set_lines(line, points, rgba)

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(chain.name, chain.color) for chain in self.scenario.chains]
