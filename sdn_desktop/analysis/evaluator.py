"""Exact routes at one instant with satellites destroyed, sharing what every trial has in common.

``Network.step`` rebuilds everything for one instant: links, matching, graph, Dijkstra. A resilience
study asks the same instant thousands of times with different satellites destroyed. ``StepContext``
does the shared work once per instant (positions, every usable inter-satellite link, every
cross-vendor candidate within range with its line of sight, every ground link with its elevation) and
then, per destroyed set, only masks them, re-runs the engine's cross-vendor greedy matching and the
ground nodes' ``max_links`` choice, and builds the very edge list ``Network.graph_edges`` would build.
When it must route, it calls the engine's own ``shortest_routes`` on that list: the results equal
``Network.run`` with the destroyed satellites in ``disabled_satellites``.

``StepContext.advance`` goes further for nested destroyed sets (each a superset of the last): a route
that survives, on a graph that gained no edge that could shorten it, is still a shortest route, so
most trial-steps never route at all. A gained edge (u, v) of length w could shorten a leg from S to t
only if ``min_s |s-u| + w + |v-t|`` (or the same with u and v swapped) is below the route's length,
because every edge is at least as long as the straight line between its ends: the Euclidean lower
bound proves the old route still shortest without a search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..engine import Network
from ..engine.frames import segments_clear_of_earth
from ..engine.routing import build_graph, shortest_routes
from ..engine.topology import CROSS_CANDIDATES, cross_links, ground_links, link_lengths, usable_links

try:  # the greedy matching is a loop; compiled it costs microseconds, in Python about a millisecond
    from numba import njit
except ImportError:  # pragma: no cover - same results, only slower

    def njit(**_options):
        return lambda function: function


NEIGHBOUR_DEPTH = 64  # cross-vendor neighbours kept per satellite; deeper needs fall back to the engine
LOWER_BOUND_SLACK_KM = 1e-6  # a gained edge must be this much longer than needed to be ignored


@dataclass
class LegRoute:
    """One leg's route: length (km, inf if unreachable), vertex path and latency (NaN if unreachable)."""

    length_km: float
    path: tuple[int, ...]
    latency_ms: float


@dataclass
class StepState:
    """The links and routes of one instant under one destroyed set."""

    alive: np.ndarray  # (N,) bool
    cross: np.ndarray  # (K, 2) satellite pairs
    cross_len: np.ndarray
    ground_keep: np.ndarray  # bool over the instant's visible (node, satellite) pairs
    routes: list[LegRoute]

    @property
    def latency_ms(self) -> np.ndarray:
        return np.array([r.latency_ms for r in self.routes])


@dataclass
class _Neighbours:
    """Cross-vendor candidates from the members of one constellation into another, nearest first."""

    rows: np.ndarray  # (R,) satellites asking
    idx: np.ndarray  # (R, D) partner satellites, -1 where none
    clear: np.ndarray  # (R, D) finite and in line of sight
    order: np.ndarray  # flat (row-major) entries sorted by distance, stable
    full: np.ndarray  # (R,) the row's list may continue past depth D


class StepContext:
    """One instant of ``network``: what all destroyed sets share, and exact evaluation of each."""

    def __init__(self, network: Network, t_s: float, pos: np.ndarray, active: np.ndarray):
        self.net = network
        self.t_s = float(t_s)
        self.active = active.copy()
        self.pos = pos
        n = self.n_sats = network.n_sats
        sat_pos = np.where(active[:, None], pos, np.nan)
        grazing = network.scenario.physics.grazing_altitude_km
        self._grazing = grazing
        isl, isl_len = usable_links(sat_pos, network.isl_pairs, network.isl_max_km, grazing)
        if len(network._blocked):
            isl, isl_len = network._unblocked(isl, isl_len)
        self.isl, self.isl_len = isl, isl_len
        self.node_pos, node_up = network.node_positions(self.t_s)
        unlimited = np.zeros(len(self.node_pos), int)
        self.ground, self.ground_len, elev = ground_links(
            self.node_pos, node_up, sat_pos, network.node_min_el, network.node_max_range, unlimited
        )
        g = self.ground[:, 0]
        self._ground_order = np.lexsort((-elev, g))  # the engine's ranking for max_links
        self._ground_group_start = np.searchsorted(g[self._ground_order], g[self._ground_order])
        self._ground_limit = network.node_max_links[g][self._ground_order]
        self._ground_sat = self.ground[:, 1]
        self._neighbours: dict[tuple[int, int], _Neighbours] = {}
        self._members = [np.arange(r.start, r.stop) for r in network.sats.ranges]
        self._endpoints = [(leg.src_endpoint, leg.dst_endpoint) for leg in network.legs]
        vertex_pos = np.empty((network.n_vertices, 3))
        vertex_pos[:n] = sat_pos
        vertex_pos[n:] = self.node_pos[network.vertex_node] if len(network.vertex_node) else 0.0
        self.vertex_pos = vertex_pos
        self.base = self.evaluate(np.zeros(n, bool))

    # ------------------------------------------------------------------ links under a destroyed set
    def _neighbours_of(self, small: int, large: int) -> _Neighbours:
        """Every partner within range in ``large`` for each propagated member of ``small``."""
        key = (small, large)
        if key not in self._neighbours:
            rows = self._members[small][self.active[self._members[small]]]
            members = self._members[large][self.active[self._members[large]]]
            interop = self.net.scenario.interop
            depth = max(NEIGHBOUR_DEPTH, 4 * interop.links_per_satellite * CROSS_CANDIDATES)
            depth = min(depth, len(members))
            if len(rows) and depth:
                dist, local = cKDTree(self.pos[members]).query(
                    self.pos[rows], k=depth, distance_upper_bound=interop.max_range_km
                )
                dist, local = dist.reshape(len(rows), depth), local.reshape(len(rows), depth)
            else:
                dist, local = np.full((len(rows), depth), np.inf), np.zeros((len(rows), depth), int)
            finite = np.isfinite(dist)
            idx = np.where(finite, members[np.minimum(local, len(members) - 1)], -1)
            clear = finite.copy()
            rr = np.broadcast_to(rows[:, None], idx.shape)
            clear[finite] = segments_clear_of_earth(
                self.pos[rr[finite]], self.pos[idx[finite]], self._grazing
            )
            flat = np.flatnonzero(finite.ravel())
            order = flat[np.argsort(dist.ravel()[flat], kind="stable")]
            full = finite[:, -1] & (depth < len(members)) if depth else np.zeros(len(rows), bool)
            self._neighbours[key] = _Neighbours(rows, idx, clear, order, full)
        return self._neighbours[key]

    def _cross(self, alive: np.ndarray) -> np.ndarray | None:
        """The engine's cross-vendor links (greedy matching) with ``alive`` satellites, or None when a
        candidate list is too short to tell (the caller then asks the engine itself)."""
        interop = self.net.scenario.interop
        if not interop.enabled:
            return np.zeros((0, 2), int)
        k = interop.links_per_satellite
        found: list[np.ndarray] = []
        for i, j in self.net.cross_constellations:
            counts = [int(alive[self._members[c]].sum()) for c in (i, j)]
            if not counts[0] or not counts[1]:
                continue
            small, large = (i, j) if counts[0] <= counts[1] else (j, i)
            nb = self._neighbours_of(small, large)
            want = min(k * CROSS_CANDIDATES, counts[1] if small == i else counts[0])
            pairs, complete = _greedy_matching(nb.rows, nb.idx, nb.clear, nb.order, nb.full, alive, want, k)
            if not complete:
                return None
            found.append(pairs)
        pairs = np.concatenate(found) if found else np.zeros((0, 2), np.int64)
        return pairs[np.argsort(pairs[:, 0] * self.n_sats + pairs[:, 1])]

    def _ground_keep(self, alive: np.ndarray) -> np.ndarray:
        """Which visible (node, satellite) pairs the engine links: alive, and within ``max_links``."""
        o = self._ground_order
        ok = alive[self._ground_sat][o]
        before = np.cumsum(ok) - ok
        rank = before - before[self._ground_group_start]
        keep = np.empty(len(o), bool)
        keep[o] = ok & ((self._ground_limit == 0) | (rank < self._ground_limit))
        return keep

    def links(self, destroyed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Alive mask, cross-vendor pairs and lengths, and the kept ground pairs, as the engine has them."""
        alive = self.active & ~destroyed
        cross = self._cross(alive)
        sat_pos = np.where(alive[:, None], self.pos, np.nan)
        if cross is None:
            scenario = self.net.scenario
            cross = cross_links(
                sat_pos, self.net.sats.ranges, self.net.cross_constellations, scenario.interop, self._grazing
            )
        cross, cross_len = usable_links(sat_pos, cross, self.net.scenario.interop.max_range_km, self._grazing)
        if len(self.net._blocked):
            cross, cross_len = self.net._unblocked(cross, cross_len)
        return alive, cross, cross_len, self._ground_keep(alive)

    def edges(self, state: StepState, removed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Directed graph edges and lengths in ``Network.graph_edges``'s order; ``removed`` drops rows."""
        net = self.net
        isl_ok = state.alive[self.isl[:, 0]] & state.alive[self.isl[:, 1]]
        sat_links = np.concatenate((self.isl[isl_ok], state.cross))
        lengths = np.concatenate((self.isl_len[isl_ok], state.cross_len))
        gl, gl_len = self.ground[state.ground_keep], self.ground_len[state.ground_keep]
        edges = np.concatenate(
            (
                sat_links,
                sat_links[:, ::-1],
                np.stack((net.node_out[gl[:, 0]], gl[:, 1]), axis=1),
                np.stack((gl[:, 1], net.node_in[gl[:, 0]]), axis=1),
            )
        ).astype(np.int64)
        weights = np.concatenate((lengths, lengths, gl_len, gl_len))
        if removed is not None:
            keep = ~removed(edges)
            edges, weights = edges[keep], weights[keep]
        return edges, weights

    def route(self, state: StepState, removed=None) -> list[LegRoute]:
        """Every leg's shortest route on the state's graph (the engine's Dijkstra)."""
        edges, weights = self.edges(state, removed)
        graph = build_graph(self.net.n_vertices, edges, np.maximum(weights, 1e-9))
        usable = np.ones(self.net.n_vertices, bool)
        usable[: self.n_sats] = state.alive
        found = shortest_routes(graph, self._endpoints, usable)
        return [self._leg_route(li, length, path) for li, (length, path) in enumerate(found)]

    def _leg_route(self, li: int, length: float, path: list[int]) -> LegRoute:
        route = self.net._route(self.net.legs[li], length, path)  # the engine's latency formula
        return LegRoute(float(length), tuple(path), float(route.latency_ms))

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, destroyed: np.ndarray) -> StepState:
        """Links and routes with ``destroyed`` satellites, from scratch."""
        alive, cross, cross_len, keep = self.links(destroyed)
        state = StepState(alive, cross, cross_len, keep, [])
        state.routes = self.route(state)
        return state

    def advance(self, previous: StepState, destroyed: np.ndarray) -> StepState:
        """The state for ``destroyed``, a superset of ``previous``'s destroyed set; routes are kept
        where the lower bound proves them still shortest, and recomputed otherwise."""
        alive, cross, cross_len, keep = self.links(destroyed)
        state = StepState(alive, cross, cross_len, keep, previous.routes)
        n = self.n_sats
        cross_keys = cross[:, 0] * n + cross[:, 1]
        if not all(self._path_intact(r.path, state, cross_keys) for r in previous.routes):
            state.routes = self.route(state)
            return state
        new_cross = cross[~np.isin(cross_keys, previous.cross[:, 0] * n + previous.cross[:, 1])]
        new_ground = self.ground[keep & ~previous.ground_keep]
        gained_u = np.concatenate((new_cross[:, 0], self.net.node_out[new_ground[:, 0]]))
        gained_v = np.concatenate((new_cross[:, 1], new_ground[:, 1]))
        if len(gained_u) and not all(
            self._bound_exceeds(route, li, alive, gained_u, gained_v) for li, route in enumerate(state.routes)
        ):
            state.routes = self.route(state)
        return state

    def _path_intact(self, path: tuple[int, ...], state: StepState, cross_keys: np.ndarray) -> bool:
        """Every satellite and link of ``path`` is still there."""
        n, alive = self.n_sats, state.alive
        sat_of = self.net.sats.constellation
        for a, b in zip(path, path[1:], strict=False):
            if a < n and not alive[a] or b < n and not alive[b]:
                return False
            if a < n and b < n and sat_of[a] != sat_of[b]:
                key = min(a, b) * n + max(a, b)
                i = np.searchsorted(cross_keys, key)
                if i == len(cross_keys) or cross_keys[i] != key:
                    return False
            if (a >= n) != (b >= n) and not self._ground_kept(state, a, b):
                return False
        return True

    def _bound_exceeds(
        self, route: LegRoute, li: int, alive: np.ndarray, gained_u: np.ndarray, gained_v: np.ndarray
    ) -> bool:
        """No gained edge (u, v) can lie on a path shorter than ``route`` (Euclidean lower bound)."""
        if not route.path:
            return False
        n, pos = self.n_sats, self.vertex_pos
        src, dst = self._endpoints[li]
        starts = pos[[v for v in src.vertices if v >= n or alive[v]]]
        ends = pos[[v for v in dst.vertices if v >= n or alive[v]]]
        pu, pv = pos[gained_u], pos[gained_v]
        w = np.linalg.norm(pu - pv, axis=1)

        def nearest(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
            return np.linalg.norm(points[:, None, :] - targets[None, :, :], axis=2).min(axis=1)

        bound = np.minimum(
            nearest(pu, starts) + w + nearest(pv, ends), nearest(pv, starts) + w + nearest(pu, ends)
        )
        return bool((bound > route.length_km + LOWER_BOUND_SLACK_KM).all())

    def _ground_kept(self, state: StepState, a: int, b: int) -> bool:
        sat, vertex = (b, a) if a >= self.n_sats else (a, b)
        node = self.net.vertex_node[vertex - self.n_sats]
        hit = (self.ground[:, 0] == node) & (self.ground[:, 1] == sat)
        return bool((hit & state.ground_keep).any())


@njit(cache=True)
def _greedy_matching(rows, idx, clear, order, full, alive, want, k):  # pragma: no cover - compiled
    """``topology.cross_links``'s greedy matching for one pair of constellations with only ``alive``
    satellites: each asking row takes its ``want`` nearest alive partners, the clear ones are granted
    shortest first while both ends have fewer than ``k`` links. Returns (pairs, complete): complete
    is False when a row ran out of listed partners that might exist past the list's depth."""
    n_rows, depth = idx.shape
    chosen = np.zeros(n_rows * depth, np.bool_)
    for r in range(n_rows):
        if not alive[rows[r]]:
            continue
        count = 0
        for d in range(depth):
            p = idx[r, d]
            if p >= 0 and alive[p]:
                count += 1
                if count > want:
                    break
                chosen[r * depth + d] = clear[r, d]
        if full[r] and count < want:
            return np.zeros((0, 2), np.int64), False
    used = np.zeros(alive.shape[0], np.int64)
    pairs = np.zeros((len(order), 2), np.int64)
    n = 0
    for e in order:
        if not chosen[e]:
            continue
        a, b = rows[e // depth], idx[e // depth, e % depth]
        if used[a] < k and used[b] < k:
            used[a] += 1
            used[b] += 1
            pairs[n, 0], pairs[n, 1] = min(a, b), max(a, b)
            n += 1
    return pairs[:n], True


def contexts_for(network: Network, times: np.ndarray) -> list[StepContext]:
    """One context per instant, positions propagated once for the whole window."""
    pos, active, _ = network.propagate(np.asarray(times, float))
    return [StepContext(network, t, pos[:, k], active[:, k]) for k, t in enumerate(times)]


def route_links(context: StepContext, route: LegRoute) -> list[tuple[int, int, float]]:
    """(vertex, vertex, length km) of each link on a route."""
    path = route.path
    ends = context.vertex_pos[list(path)]
    lengths = link_lengths(ends, np.stack((np.arange(len(path) - 1), np.arange(1, len(path))), axis=1))
    return [(a, b, float(d)) for a, b, d in zip(path, path[1:], lengths, strict=False)]
