"""The network engine: a scenario compiled once, then evaluated at any instants.

Graph vertices: satellites ``0..N-1``, then one vertex per relaying node, and two per non-relaying
node (an *out* vertex with edges to satellites only, an *in* vertex with edges from satellites only),
so a path can start or end at a ground node but never pass through one that does not relay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from ..scenario import KillChain, Scenario, WalkerSource
from .frames import C_KM_S, Epochs, geodetic_to_ecef, local_up
from .routing import Endpoint, build_graph, shortest_routes
from .satellites import SGP4_ERRORS, SatelliteSet, build_satellites
from .topology import compatible_pairs, cross_links, ground_links, plus_grid_pairs, usable_links

BATCH_STEPS = 32  # time steps propagated together in run()


class Cancelled(Exception):
    """Raised by ``Network.run`` when its ``cancelled`` callback says so."""


@dataclass(frozen=True)
class Leg:
    chain: str
    index: int  # position in the chain, 0-based
    src: str
    dst: str
    src_endpoint: Endpoint
    dst_endpoint: Endpoint
    processing_ms: float  # at the leg's source node
    switching_ms: float  # per satellite on the path


@dataclass
class Route:
    leg: Leg
    reachable: bool
    latency_ms: float
    length_km: float
    hops: int  # links on the path
    path: list[int]  # graph vertices
    names: list[str]


@dataclass
class GraphEdges:
    """One instant's routing graph: directed edges (from, to) and their lengths, plus the links."""

    edges: np.ndarray  # (E, 2) graph vertices
    lengths_km: np.ndarray  # (E,)
    isl: np.ndarray
    cross: np.ndarray
    ground: np.ndarray
    sat_pos: np.ndarray
    node_pos: np.ndarray


@dataclass
class Snapshot:
    """Everything about one instant: positions, links and routes (Earth-fixed km)."""

    t_s: float
    time_utc: datetime
    gmst_rad: float
    sat_pos: np.ndarray  # (N, 3), NaN where not propagated
    sat_active: np.ndarray  # (N,) bool: propagated and not disabled
    isl: np.ndarray  # (M, 2) satellite pairs, own-constellation links
    cross: np.ndarray  # (K, 2) satellite pairs between compatible constellations
    node_pos: np.ndarray  # (G, 3)
    ground: np.ndarray  # (L, 2) rows of (node index, satellite index)
    routes: list[Route]
    vertex_node: np.ndarray  # node index of each graph vertex after the satellites

    def vertex_positions(self, path: list[int]) -> np.ndarray:
        """Earth-fixed positions (km) of a route's graph vertices."""
        path = np.asarray(path, int)
        n = len(self.sat_pos)
        out = np.empty((len(path), 3))
        is_sat = path < n
        out[is_sat] = self.sat_pos[path[is_sat]]
        out[~is_sat] = self.node_pos[self.vertex_node[path[~is_sat] - n]]
        return out


@dataclass
class TimeSeries:
    """Routes of every leg at every step, as arrays shared by the GUI, the recorder and the CLI."""

    start: datetime
    t_s: np.ndarray  # (T,)
    legs: list[Leg]
    latency_ms: np.ndarray  # (legs, T), NaN when unreachable
    hops: np.ndarray  # (legs, T), -1 when unreachable
    paths: list[list[tuple[str, ...]]]  # [leg][t] -> node names (tuples: the GC need not track them)
    warnings: list[str] = field(default_factory=list)

    @property
    def reachable(self) -> np.ndarray:
        return np.isfinite(self.latency_ms)

    def chain_latency_ms(self, chain: str) -> np.ndarray:
        """End-to-end latency of a chain per step (NaN unless every leg is reachable)."""
        rows = [i for i, leg in enumerate(self.legs) if leg.chain == chain]
        return self.latency_ms[rows].sum(axis=0)

    def records(self) -> list[dict]:
        out = []
        for ti, t in enumerate(self.t_s):
            when = (self.start + timedelta(seconds=float(t))).isoformat().replace("+00:00", "Z")
            for li, leg in enumerate(self.legs):
                ok = bool(np.isfinite(self.latency_ms[li, ti]))
                out.append(
                    {
                        "t_s": float(t),
                        "time_utc": when,
                        "chain": leg.chain,
                        "leg": leg.index,
                        "from": leg.src,
                        "to": leg.dst,
                        "reachable": ok,
                        "latency_ms": round(float(self.latency_ms[li, ti]), 6) if ok else None,
                        "hops": int(self.hops[li, ti]) if ok else None,
                        "path": list(self.paths[li][ti]),
                    }
                )
        return out


class Network:
    """A scenario compiled for evaluation. Build once per scenario edit; cheap to evaluate."""

    def __init__(self, scenario: Scenario, base_dir: str | Path = ".", previous: Network | None = None):
        """Compile ``scenario``; satellites are reused from ``previous`` when its constellations,
        start epoch and folder are unchanged (an edit of nodes or chains then costs milliseconds)."""
        self.scenario = scenario
        self.base_dir = Path(base_dir)
        if previous is not None and previous._satellites_key() == self._satellites_key():
            self.sats: SatelliteSet = previous.sats
        else:
            self.sats = build_satellites(scenario, self.base_dir)
        self.warnings: list[str] = list(self.sats.warnings)
        n = self.n_sats = len(self.sats)
        self._compile_isls()
        self._compile_nodes(n)
        self._compile_disabled()
        self._compile_legs()
        self._reported_errors: set[int] = set()

    def _satellites_key(self) -> tuple:
        return (
            self.base_dir.resolve(),
            self.scenario.time.start,
            tuple(c.model_dump_json(include={"name", "source"}) for c in self.scenario.constellations),
        )

    # ----------------------------------------------------------------- compilation
    def _compile_isls(self) -> None:
        pairs, ranges = [], []
        for c, members in zip(self.scenario.constellations, self.sats.ranges, strict=True):
            if c.isl.pattern == "none" or len(members) < 2:
                continue
            delta = isinstance(c.source, WalkerSource) and c.source.pattern == "delta"
            local = plus_grid_pairs(
                self.sats.plane[members.start : members.stop],
                self.sats.slot[members.start : members.stop],
                c.isl.plane_offset,
                c.isl.wrap_planes,
                seam_offset=c.source.phasing if delta else 0,
            )
            pairs.append(local + members.start)
            ranges.append(np.full(len(local), c.isl.max_range_km))
        self.isl_pairs = np.concatenate(pairs) if pairs else np.zeros((0, 2), int)
        self.isl_max_km = np.concatenate(ranges) if ranges else np.zeros(0)
        self.cross_constellations = compatible_pairs(self.scenario.constellations, self.scenario.interop)

    def _compile_nodes(self, n_sats: int) -> None:
        nodes = self.scenario.nodes
        self.node_names = [nd.name for nd in nodes]
        self.node_min_el = np.array(
            [np.nan if nd.min_elevation_deg is None else nd.min_elevation_deg for nd in nodes]
        )
        self.node_max_range = np.array(
            [np.inf if nd.max_range_km is None else nd.max_range_km for nd in nodes]
        )
        self.node_max_links = np.array([nd.max_links or 0 for nd in nodes], int)
        self.node_out = np.zeros(len(nodes), int)  # vertex used when a path leaves the node
        self.node_in = np.zeros(len(nodes), int)  # vertex used when a path reaches the node
        names = list(self.sats.names)
        v = n_sats
        for g, nd in enumerate(nodes):
            if nd.relay:
                self.node_out[g] = self.node_in[g] = v
                names.append(nd.name)
                v += 1
            else:
                self.node_out[g], self.node_in[g] = v, v + 1
                names += [nd.name, nd.name]
                v += 2
        self.vertex_names = names
        self.n_vertices = v
        self.vertex_node = np.zeros(v - n_sats, int)
        self.vertex_node[self.node_out - n_sats] = np.arange(len(nodes))
        self.vertex_node[self.node_in - n_sats] = np.arange(len(nodes))
        fixed = [nd.position for nd in nodes]
        self._fixed_pos = np.array(
            [geodetic_to_ecef(p.lat_deg, p.lon_deg, p.alt_m) if p else np.full(3, np.nan) for p in fixed]
        ).reshape(-1, 3)
        self._fixed_up = np.array(
            [local_up(p.lat_deg, p.lon_deg) if p else np.full(3, np.nan) for p in fixed]
        ).reshape(-1, 3)

    def _compile_disabled(self) -> None:
        index = {name: i for i, name in enumerate(self.sats.names)}
        self.sat_enabled = np.ones(len(self.sats), bool)
        for name in self.scenario.disabled_satellites:
            if name in index:
                self.sat_enabled[index[name]] = False
            else:
                self.warnings.append(f"disabled_satellites: no satellite named '{name}'")
        blocked = set()
        for a, b in self.scenario.disabled_links:
            if a in index and b in index:
                blocked.add((min(index[a], index[b]), max(index[a], index[b])))
            else:
                missing = a if a not in index else b
                self.warnings.append(f"disabled_links: no satellite named '{missing}'")
        self._blocked = np.array(sorted(blocked), int).reshape(-1, 2)

    def _endpoint(self, name: str, leaving: bool) -> Endpoint:
        if name in self.node_names:
            g = self.node_names.index(name)
            out, into = int(self.node_out[g]), int(self.node_in[g])
            return Endpoint(name, (out,), (into,)) if leaving else Endpoint(name, (into,), (out,))
        ci = next(i for i, c in enumerate(self.scenario.constellations) if c.name == name)
        return Endpoint(name, tuple(self.sats.ranges[ci]))

    def _compile_legs(self) -> None:
        self.legs: list[Leg] = []
        nodes = {nd.name: nd for nd in self.scenario.nodes}
        for chain in self.scenario.chains:
            self.legs += self._chain_legs(chain, nodes)

    def _chain_legs(self, chain: KillChain, nodes: dict) -> list[Leg]:
        return [
            Leg(
                chain=chain.name,
                index=i,
                src=a,
                dst=b,
                src_endpoint=self._endpoint(a, leaving=True),
                dst_endpoint=self._endpoint(b, leaving=False),
                processing_ms=nodes[a].processing_delay_ms if a in nodes else 0.0,
                switching_ms=chain.switching_delay_ms,
            )
            for i, (a, b) in enumerate(zip(chain.nodes, chain.nodes[1:], strict=False))
        ]

    # ----------------------------------------------------------------- evaluation
    def epochs(self, t_s: Iterable[float]) -> Epochs:
        return Epochs(self.scenario.time.start, np.fromiter(t_s, float))

    def default_times(self) -> np.ndarray:
        tw = self.scenario.time
        n = int(np.floor(tw.duration_s / tw.step_s + 1e-9)) + 1
        return np.arange(n) * tw.step_s

    def node_positions(self, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Earth-fixed position (km) and local vertical of every node at ``t_s``."""
        pos, up = self._fixed_pos.copy(), self._fixed_up.copy()
        for g, nd in enumerate(self.scenario.nodes):
            if nd.waypoints is None:
                continue
            w = nd.waypoints
            times = [p.t_s for p in w]
            lon = np.degrees(np.unwrap(np.radians([p.lon_deg for p in w])))
            lat = np.interp(t_s, times, [p.lat_deg for p in w])
            lo = (np.interp(t_s, times, lon) + 180.0) % 360.0 - 180.0
            alt = np.interp(t_s, times, [p.alt_m for p in w])
            pos[g], up[g] = geodetic_to_ecef(lat, lo, alt), local_up(lat, lo)
        return pos, up

    def propagate(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Earth-fixed satellite positions ``(N, T, 3)``, activity ``(N, T)`` and GMST ``(T,)``."""
        epochs = self.epochs(t_s)
        pos, err = self.sats.propagate_ecef(epochs)
        self._report_errors(err, epochs.seconds)
        return pos, (err == 0) & self.sat_enabled[:, None], epochs.gmst_rad()

    def _report_errors(self, err: np.ndarray, seconds: np.ndarray) -> None:
        for s, t in zip(*np.nonzero(err), strict=False):
            if s in self._reported_errors:
                continue
            self._reported_errors.add(int(s))
            code = int(err[s, t])
            self.warnings.append(
                f"satellite '{self.sats.names[s]}': SGP4 error {code} "
                f"({SGP4_ERRORS.get(code, 'unknown')}) from t = {seconds[t]:g} s; it is left out"
            )

    def links_at(
        self, pos: np.ndarray, active: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Usable ISL and cross-vendor pairs with their lengths, for one step's positions."""
        pos = np.where(active[:, None], pos, np.nan)
        grazing = self.scenario.physics.grazing_altitude_km
        isl, isl_len = usable_links(pos, self.isl_pairs, self.isl_max_km, grazing)
        cross = cross_links(pos, self.sats.ranges, self.cross_constellations, self.scenario.interop, grazing)
        cross, cross_len = usable_links(pos, cross, self.scenario.interop.max_range_km, grazing)
        if len(self._blocked):
            isl, isl_len = self._unblocked(isl, isl_len)
            cross, cross_len = self._unblocked(cross, cross_len)
        return isl, isl_len, cross, cross_len

    def _unblocked(self, pairs: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.sats)
        keys = pairs[:, 0] * n + pairs[:, 1]
        keep = ~np.isin(keys, self._blocked[:, 0] * n + self._blocked[:, 1])
        return pairs[keep], lengths[keep]

    def graph_edges(self, t_s: float, pos: np.ndarray, active: np.ndarray) -> GraphEdges:
        """Every usable link at one instant as directed graph edges with lengths (km)."""
        isl, isl_len, cross, cross_len = self.links_at(pos, active)
        node_pos, node_up = self.node_positions(t_s)
        sat_pos = np.where(active[:, None], pos, np.nan)
        gl, gl_len, _ = ground_links(
            node_pos, node_up, sat_pos, self.node_min_el, self.node_max_range, self.node_max_links
        )
        sat_links = np.concatenate((isl, cross))
        lengths = np.concatenate((isl_len, cross_len))
        edges = np.concatenate(
            (
                sat_links,
                sat_links[:, ::-1],
                np.stack((self.node_out[gl[:, 0]], gl[:, 1]), axis=1),
                np.stack((gl[:, 1], self.node_in[gl[:, 0]]), axis=1),
            )
        ).astype(np.int64)
        weights = np.concatenate((lengths, lengths, gl_len, gl_len))
        return GraphEdges(edges, weights, isl, cross, gl, sat_pos, node_pos)

    def step(self, t_s: float, pos: np.ndarray, active: np.ndarray, gmst: float) -> Snapshot:
        """Links and routes for one instant, given the satellites' positions at that instant."""
        g = self.graph_edges(t_s, pos, active)
        graph = build_graph(self.n_vertices, g.edges, np.maximum(g.lengths_km, 1e-9))
        usable = np.ones(self.n_vertices, bool)
        usable[: len(active)] = active
        found = shortest_routes(graph, [(leg.src_endpoint, leg.dst_endpoint) for leg in self.legs], usable)
        routes = [
            self._route(leg, length, path) for leg, (length, path) in zip(self.legs, found, strict=True)
        ]
        return Snapshot(
            t_s=float(t_s),
            time_utc=self.scenario.time.start + timedelta(seconds=float(t_s)),
            gmst_rad=float(gmst),
            sat_pos=g.sat_pos,
            sat_active=active,
            isl=g.isl,
            cross=g.cross,
            node_pos=g.node_pos,
            ground=g.ground,
            routes=routes,
            vertex_node=self.vertex_node,
        )

    def _route(self, leg: Leg, length_km: float, path: list[int]) -> Route:
        if not path:
            return Route(leg, False, np.nan, np.inf, -1, [], [])
        n_sats = sum(1 for v in path if v < self.n_sats)
        latency = length_km / C_KM_S * 1000.0 + leg.processing_ms + leg.switching_ms * n_sats
        return Route(leg, True, latency, length_km, len(path) - 1, path, [self.vertex_names[v] for v in path])

    def snapshot(self, t_s: float) -> Snapshot:
        pos, active, gmst = self.propagate(np.array([float(t_s)]))
        return self.step(float(t_s), pos[:, 0], active[:, 0], gmst[0])

    def run(
        self,
        t_s: np.ndarray | None = None,
        cancelled: Callable[[], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> TimeSeries:
        """Routes of every leg at every instant (the scenario's steps by default)."""
        times = self.default_times() if t_s is None else np.asarray(t_s, dtype=float)
        n_legs, n_t = len(self.legs), len(times)
        latency = np.full((n_legs, n_t), np.nan)
        hops = np.full((n_legs, n_t), -1, int)
        paths: list[list[tuple[str, ...]]] = [[()] * n_t for _ in range(n_legs)]
        for b0 in range(0, n_t, BATCH_STEPS):
            batch = times[b0 : b0 + BATCH_STEPS]
            pos, active, gmst = self.propagate(batch)
            for k, t in enumerate(batch):
                if cancelled is not None and cancelled():
                    raise Cancelled
                ti = b0 + k
                snap = self.step(t, pos[:, k], active[:, k], gmst[k])
                for li, route in enumerate(snap.routes):
                    if route.reachable:
                        latency[li, ti] = route.latency_ms
                        hops[li, ti] = route.hops
                        paths[li][ti] = tuple(route.names)
                if progress is not None:
                    progress(ti + 1, n_t)
        return TimeSeries(
            self.scenario.time.start, times, self.legs, latency, hops, paths, list(self.warnings)
        )
