"""Exact routes at one instant with satellites destroyed, sharing what every trial has in common.

A trial with destroyed set D means ``Network.run`` on the same scenario with D destroyed from the
start, the scenario's own events and threats included: at each instant the events' destroyed, out
of service and jammed elements and cut links apply on top of D (drop the events from the scenario
for the undisturbed baseline, as ``analyze --no-events`` does).

``StepContext`` does, once per instant, what does not depend on D: the events in effect, positions,
the usable own-constellation links, every visible ground link with its elevation rank, the sensors'
custody of each threat, and each cross-vendor query's nearest partners (the engine's
``nearest_partners``, deeper than the engine needs, so that destroyed partners have stand-ins). It
builds one graph holding every link that any D could produce. Per batch of destroyed sets it then
only works out which of those links exist - the engine's own ``greedy_matching`` (compiled with
numba when it is installed) over the offers the engine would make, and the nodes' ``max_links``
ranking - and sets the absent links' lengths to infinity before the engine's ``shortest_routes``.

A destroyed set that removes no link of the undisturbed routes and adds no link that could shorten
one keeps the undisturbed routes without a search: every link is at least as long as the straight
line between its ends (a threat's links to its sensors excepted, which a destroyed set can only
remove), so ``min |s-u| + |u-v| + |v-t|`` over the leg's ends bounds any path through a gained link
(u, v) from below. When a cross-vendor query runs out of listed partners, that trial-step is handed
to ``Network.step`` itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from ..engine import Network
from ..engine.network import MIN_EDGE_KM
from ..engine.routing import build_graph, search_roots, shortest_routes
from ..engine.topology import CROSS_CANDIDATES, ground_links, link_lengths, nearest_partners
from ..engine.topology import greedy_matching as _greedy_matching


def _grant_each(offered: np.ndarray, a: np.ndarray, b: np.ndarray, k: int, n_vertices: int) -> np.ndarray:
    """Per row of ``offered`` (sets, offers in granting order): the offers the engine's greedy
    matching grants among those that set makes."""
    granted = np.zeros(offered.shape, np.bool_)
    for s in range(offered.shape[0]):
        made = np.flatnonzero(offered[s])
        granted[s, made[greedy_matching(a[made], b[made], k, n_vertices)]] = True
    return granted


greedy_matching = _greedy_matching


@functools.cache
def _grant_kernel() -> Callable:
    """``_grant_each`` compiled with numba on first use: the engine's greedy matching is a loop that
    compiled costs microseconds, in Python ~0.5 ms. Compiled here, not at import, because importing
    numba takes most of a second that the app's start-up should not pay."""
    global greedy_matching
    try:
        from numba import njit  # noqa: PLC0415
    except ImportError:  # pragma: no cover - same results, only slower
        return _grant_each
    greedy_matching = njit(cache=True)(_greedy_matching)  # _grant_each calls it through this name
    return njit(cache=True)(_grant_each)


NEIGHBOUR_DEPTH = 32  # cross-vendor partners listed per query; a deeper need goes to Network.step
LOWER_BOUND_SLACK_KM = 1e-6  # a gained link must be this much longer than needed to be ignored


@dataclass
class LegRoute:
    """One leg's route: length (km, inf if unreachable), vertex path and latency (NaN if unreachable)."""

    length_km: float
    path: tuple[int, ...]
    latency_ms: float


@dataclass
class StepState:
    """The routes of one instant under one destroyed set."""

    alive: np.ndarray  # (N,) bool
    routes: list[LegRoute]

    @property
    def latency_ms(self) -> np.ndarray:
        return np.array([r.latency_ms for r in self.routes])


@dataclass
class _Partners:
    """One cross-vendor direction: each query satellite's listed partners, nearest first."""

    rows: np.ndarray  # (R,) query satellites
    partner: np.ndarray  # (R, D) -1 where none
    clear: np.ndarray  # (R, D) listed and in line of sight
    full: np.ndarray  # (R,) the list may continue past its depth
    offer: np.ndarray  # (R, D) the entry's number in the context's offers, -1 unless clear


class StepContext:
    """One instant of ``network``: what all destroyed sets share, and exact evaluation of each."""

    def __init__(self, network: Network, t_s: float, pos: np.ndarray, active: np.ndarray):
        net = self.net = network
        self.t_s, self.pos = float(t_s), pos
        n = self.n_sats = net.n_sats
        node_pos, node_up = net.node_positions(self.t_s)
        conditions = net.schedule.at(self.t_s, node_pos)
        self.active = active & ~conditions.sat_down if net.schedule.has_events else active.copy()
        sat_pos = np.where(self.active[:, None], pos, np.nan)
        self._grazing = net.scenario.physics.grazing_altitude_km
        self._blocked = net.blocked_keys(conditions.cut_keys)
        self._isl, self._isl_len, _, _ = net.links_at(pos, self.active, conditions.cut_keys)
        ground, ground_len, elev = ground_links(
            node_pos, node_up, sat_pos, net.node_min_el, net.node_max_range, np.zeros(len(node_pos), int)
        )
        up = ~conditions.node_down[ground[:, 0]]
        self._ground, self._ground_len, elev = ground[up], ground_len[up], elev[up]
        g = self._ground[:, 0]
        self._ground_order = np.lexsort((-elev, g))  # the engine's ranking for max_links
        self._ground_group_start = np.searchsorted(g[self._ground_order], g[self._ground_order])
        self._ground_limit = net.node_max_links[g][self._ground_order]
        threat_pos, _ = net.threats.at(self.t_s)
        custody_sats = net.sensors.satellites_seeing(threat_pos, sat_pos, self.active)
        custody_nodes = net.sensors.nodes_seeing(threat_pos, node_pos, node_up, conditions.node_outage)
        self._threat, self._threat_km = net.threat_edges(custody_sats, custody_nodes)
        self.endpoints = [(leg.src_endpoint, leg.dst_endpoint) for leg in net.legs]
        self._roots = search_roots(self.endpoints)
        self.vertex_pos = np.full((net.n_vertices, 3), np.nan)  # a threat's own vertices have none
        self.vertex_pos[:n] = sat_pos
        self.vertex_pos[n : n + len(net.vertex_node)] = node_pos[net.vertex_node]
        self._partners: dict[tuple[int, int], _Partners] = {}
        self._offers: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (length, a, b) per direction
        nobody = np.zeros((1, n), bool)
        self.base = StepState(self.active, [])
        self._build_graph()
        self._directions_for(self.active[None, :])
        self.base = self.evaluate(nobody)[0]
        self._to_start, self._to_end = self._leg_distances()
        self._prepare_reuse()

    # ------------------------------------------------------------------ the links any trial may have
    def _members(self, c: int) -> np.ndarray:
        r = self.net.sats.ranges[c]
        members = np.arange(r.start, r.stop)
        return members[self.active[members]]

    def _directions_for(self, alive: np.ndarray) -> list[tuple[int, int, int, np.ndarray]]:
        """Per compatible pair and per direction the sets (rows of ``alive``) query it in: the engine
        asks from the constellation with fewer alive satellites (the first on a tie). Lists and the
        graph are extended when a direction is first needed."""
        ranges = self.net.sats.ranges
        counts = np.stack([alive[:, r.start : r.stop].sum(axis=1) for r in ranges], axis=1)
        out = []
        for i, j in self.net.cross_constellations if self.net.scenario.interop.enabled else ():
            both = (counts[:, i] > 0) & (counts[:, j] > 0)
            forward = counts[:, i] <= counts[:, j]
            for small, large, sets in ((i, j, both & forward), (j, i, both & ~forward)):
                if sets.any():
                    out.append((small, large, np.flatnonzero(sets), counts[sets, large]))
        if any((small, large) not in self._partners for small, large, _, _ in out):
            for small, large, _, _ in out:
                self._add_direction(small, large)
            self._build_graph()
        return out

    def _add_direction(self, small: int, large: int) -> None:
        """Every listed partner in ``large`` of each member of ``small``: the engine's query, deeper."""
        if (small, large) in self._partners:
            return
        rows, members = self._members(small), self._members(large)
        interop = self.net.scenario.interop
        depth = min(max(NEIGHBOUR_DEPTH, 4 * interop.links_per_satellite * CROSS_CANDIDATES), len(members))
        tree = cKDTree(self.pos[members])
        dist, partner, clear = nearest_partners(
            self.pos, rows, tree, members, depth, interop.max_range_km, self._grazing
        )
        full = np.isfinite(dist[:, -1]) & (depth < len(members))
        offer = np.full(partner.shape, -1)
        first = sum(len(o[0]) for o in self._offers)
        offer[clear] = first + np.arange(int(clear.sum()))
        ends = np.broadcast_to(rows[:, None], partner.shape)
        self._offers.append((dist[clear], ends[clear], partner[clear]))
        self._partners[(small, large)] = _Partners(rows, partner, clear, full, offer)

    def _build_graph(self) -> None:
        """One graph with every link any destroyed set could produce, ordered for a CSR matrix."""
        net, n = self.net, self.n_sats
        parts = self._offers or [(np.zeros(0), np.zeros(0, int), np.zeros(0, int))]
        length, a, b = (np.concatenate(x) for x in zip(*parts, strict=True))
        order = np.argsort(length, kind="stable")  # the engine's granting order
        self._offer_order, self._offer_a, self._offer_b = order, a[order], b[order]
        keys, offer_link = np.unique(np.minimum(a, b) * n + np.maximum(a, b), return_inverse=True)
        self._offer_link = offer_link.ravel()[order]
        cross = np.stack((keys // n, keys % n), axis=1).astype(np.int64)
        cross_len = link_lengths(self.pos, cross)
        self._cross_ok = (cross_len <= net.scenario.interop.max_range_km) & ~np.isin(keys, self._blocked)
        self._n_cross = len(cross)
        sat_links = np.concatenate((self._isl, cross))
        gl = self._ground
        edges = np.concatenate(
            (
                sat_links,
                sat_links[:, ::-1],
                np.stack((net.node_out[gl[:, 0]], gl[:, 1]), axis=1),
                np.stack((gl[:, 1], net.node_in[gl[:, 0]]), axis=1),
                self._threat,
            )
        ).astype(np.int64)
        sat_len = np.concatenate((self._isl_len, cross_len))
        lengths = np.concatenate((sat_len, sat_len, self._ground_len, self._ground_len, self._threat_km))
        self._order = np.lexsort((edges[:, 1], edges[:, 0]))
        self._edges, self._lengths = edges[self._order], lengths[self._order]
        self._weights = np.maximum(self._lengths, MIN_EDGE_KM)
        self._edge_keys = self._edges[:, 0] * net.n_vertices + self._edges[:, 1]
        counts = np.bincount(self._edges[:, 0], minlength=net.n_vertices)
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        shape = (net.n_vertices, net.n_vertices)
        self._graph = csr_matrix(
            (self._weights.copy(), self._edges[:, 1].astype(np.int32), indptr), shape=shape
        )
        if self.base.routes:
            self._prepare_reuse()

    # ------------------------------------------------------------------ which links a destroyed set leaves
    def _present(self, alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per set of alive satellites (rows): which graph edges exist, in the graph's order; and the
        sets for which a cross-vendor query ran out of listed partners (the engine must tell)."""
        directions = self._directions_for(alive)
        isl = alive[:, self._isl[:, 0]] & alive[:, self._isl[:, 1]]
        cross, deep = self._cross_present(alive, directions)
        ground = self._ground_keep(alive)
        threat = np.ones((len(alive), len(self._threat)), bool)
        for side in (0, 1):
            on_sat = self._threat[:, side] < self.n_sats
            threat[:, on_sat] &= alive[:, self._threat[on_sat, side]]
        sat_links = np.concatenate((isl, cross & self._cross_ok), axis=1)
        present = np.concatenate((sat_links, sat_links, ground, ground, threat), axis=1)
        return present[:, self._order], deep

    def _cross_present(self, alive: np.ndarray, directions: list) -> tuple[np.ndarray, np.ndarray]:
        """(sets, cross links) bool: the links the engine's greedy matching grants among the offers
        the engine would make with ``alive`` satellites; and the sets whose lists were too short."""
        sets = len(alive)
        k = self.net.scenario.interop.links_per_satellite
        offered = np.zeros((sets, sum(len(o[0]) for o in self._offers)), bool)
        deep = np.zeros(sets, bool)
        for small, large, which, large_alive in directions:
            p = self._partners[(small, large)]
            listed = (p.partner >= 0) & alive[which][:, np.maximum(p.partner, 0)]
            rank = np.cumsum(listed, axis=2, dtype=np.int16)
            want = np.minimum(k * CROSS_CANDIDATES, large_alive)[:, None, None]
            asking = alive[which][:, p.rows]
            chosen = listed & (rank <= want) & p.clear & asking[:, :, None]
            deep[which] |= (p.full & asking & (rank[:, :, -1] < want[:, :, 0])).any(axis=1)
            s, r, d = np.nonzero(chosen)
            offered[which[s], p.offer[r, d]] = True
        granted = _grant_kernel()(
            offered[:, self._offer_order] & ~deep[:, None], self._offer_a, self._offer_b, k, self.n_sats
        )
        present = np.zeros((sets, self._n_cross), bool)
        s, offer = np.nonzero(granted)
        present[s, self._offer_link[offer]] = True
        return present, deep

    def _ground_keep(self, alive: np.ndarray) -> np.ndarray:
        """(sets, ground pairs) bool: the visible pairs the engine links - alive, within ``max_links``."""
        o = self._ground_order
        ok = alive[:, self._ground[o, 1]]
        before = np.cumsum(ok, axis=1) - ok
        rank = before - before[:, self._ground_group_start]
        keep = np.empty(ok.shape, bool)
        keep[:, o] = ok & ((self._ground_limit == 0) | (rank < self._ground_limit))
        return keep

    # ------------------------------------------------------------------ routes
    def _leg_distances(self) -> tuple[np.ndarray, np.ndarray]:
        """(legs, vertices): straight-line distance (km) from each vertex to the nearest start and to
        the nearest end of each leg; a threat chain's leg starts at the sensors with custody now."""
        pos = self.vertex_pos
        to_start = np.full((len(self.net.legs), len(pos)), np.nan)
        to_end = np.full((len(self.net.legs), len(pos)), np.nan)
        for li, leg in enumerate(self.net.legs):
            src, dst = leg.src_endpoint, leg.dst_endpoint
            if leg.threat is not None:  # its links to the sensors are not bounded by the distance
                starts = self._threat[self._threat[:, 0] == src.vertices[0], 1]
            else:
                starts = np.array(src.vertices)
            starts = pos[[v for v in starts if np.isfinite(pos[v]).all()]]
            ends = pos[[v for v in dst.vertices if np.isfinite(pos[v]).all()]]
            if len(starts) and len(ends):
                to_start[li], to_end[li] = _nearest(pos, starts), _nearest(pos, ends)
        return to_start, to_end

    def _prepare_reuse(self) -> None:
        """What lets a destroyed set keep the undisturbed routes: the graph edges on them, the edges
        present now, and the edges that could shorten some leg if a destroyed set added them."""
        self._base_present = self._present(self.active[None, :])[0][0]
        on_route = np.zeros(len(self._edges), bool)
        gainable = np.flatnonzero(~self._base_present)  # only absent edges can be gained
        danger = np.zeros(len(gainable), bool)
        u, v = self._edges[gainable, 0], self._edges[gainable, 1]
        to_start, to_end = self._to_start, self._to_end
        for li, route in enumerate(self.base.routes):
            if not route.path:
                danger[:] = True
                continue
            path = np.array(route.path)
            keys = path[:-1] * self.net.n_vertices + path[1:]
            on_route[np.searchsorted(self._edge_keys, keys)] = True
            bound = to_start[li, u] + self._lengths[gainable] + to_end[li, v]
            danger |= ~(bound > route.length_km + LOWER_BOUND_SLACK_KM)
        self._on_route, self._danger = np.flatnonzero(on_route), gainable[danger]

    def evaluate(self, destroyed: np.ndarray) -> list[StepState]:
        """The routes with each row of ``destroyed`` ((sets, N) bool) destroyed as well."""
        alive = self.active & ~np.atleast_2d(destroyed)
        present, deep = self._present(alive)
        keep = np.zeros(len(alive), bool)
        if self.base.routes:
            keep = present[:, self._on_route].all(axis=1) & ~present[:, self._danger].any(axis=1)
        out = []
        for s in range(len(alive)):
            if deep[s]:
                out.append(self._engine_state(alive[s]))
            elif keep[s]:
                out.append(StepState(alive[s], self.base.routes))
            else:
                self._graph.data[:] = np.where(present[s], self._weights, np.inf)
                out.append(StepState(alive[s], self._routes(self._graph, alive[s])))
        return out

    def _routes(self, graph: csr_matrix, alive: np.ndarray) -> list[LegRoute]:
        """Every leg's shortest route on ``graph`` (the engine's ``shortest_routes``)."""
        usable = np.ones(self.net.n_vertices, bool)
        usable[: self.n_sats] = alive
        found = shortest_routes(graph, self.endpoints, usable, self._roots)
        legs = self.net.legs
        return [
            LegRoute(float(length), tuple(path), float(self.net.leg_latency_ms(leg, length, path)))
            for leg, (length, path) in zip(legs, found, strict=True)
        ]

    def _engine_state(self, alive: np.ndarray) -> StepState:
        """``Network.step`` itself, for a destroyed set the lists cannot settle."""
        snap = self.net.step(self.t_s, self.pos, alive, 0.0)
        routes = [
            LegRoute(r.length_km, tuple(r.path), r.latency_ms if r.reachable else np.nan) for r in snap.routes
        ]
        return StepState(alive, routes)

    def base_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """The undisturbed graph's directed edges (from, to) and their lengths (km)."""
        return self._edges[self._base_present], self._lengths[self._base_present]

    def route_edges(self, edges: np.ndarray, lengths: np.ndarray) -> list[LegRoute]:
        """Every leg's route on the given edges with the undisturbed satellites."""
        graph = build_graph(self.net.n_vertices, edges, np.maximum(lengths, MIN_EDGE_KM))
        return self._routes(graph, self.active)


def _nearest(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest target (km); NaN for a point without a position."""
    out = np.full(len(points), np.nan)
    finite = np.isfinite(points).all(axis=1)
    out[finite] = cKDTree(targets).query(points[finite])[0]
    return out


def contexts_for(network: Network, times: np.ndarray) -> list[StepContext]:
    """One context per instant, positions propagated once for the whole window."""
    pos, active, _ = network.propagate(np.asarray(times, float))
    return [StepContext(network, t, pos[:, k], active[:, k]) for k, t in enumerate(times)]


def route_links(context: StepContext, route: LegRoute) -> list[tuple[int, int, float]]:
    """(vertex, vertex, length km) of each link on a route; a threat's link to the sensor holding it
    (a detection, not a transmission) has length 0."""
    path = route.path
    ends = context.vertex_pos[list(path)]
    lengths = link_lengths(ends, np.stack((np.arange(len(path) - 1), np.arange(1, len(path))), axis=1))
    lengths = np.nan_to_num(lengths, nan=0.0)
    return [(a, b, float(d)) for a, b, d in zip(path, path[1:], lengths, strict=False)]
