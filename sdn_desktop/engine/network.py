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
from .contested import Conditions, EventSchedule, JamDisc, Sensors, ThreatTracks
from .frames import C_KM_S, Epochs, geodetic_to_ecef, local_up
from .routing import Endpoint, build_graph, shortest_routes
from .satellites import SGP4_ERRORS, SatelliteSet, build_satellites
from .topology import compatible_pairs, cross_links, ground_links, plus_grid_pairs, usable_links

BATCH_STEPS = 32  # time steps propagated together in run()
MIN_EDGE_KM = 1e-9  # csgraph drops zero weights; every edge is at least this long
REASONS = ("no_custody", "no_access", "no_path")  # why a leg is unreachable


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
    threat: str | None = None  # a threat chain's first leg: the threat tracked (src names it)


@dataclass
class Route:
    leg: Leg
    reachable: bool
    latency_ms: float
    length_km: float
    hops: int  # links on the path
    path: list[int]  # graph vertices
    names: list[str]
    reason: str | None = None  # None when reachable, else one of REASONS
    reason_node: str | None = None  # no_access: the node (or sensor) that sees no satellite
    sensor: str | None = None  # threat chains' first leg: the detecting sensor (node or satellite)


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
    threat_pos: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # (H, 3), NaN: not there
    threat_speed_km_s: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (H,)
    custody_sats: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))  # (H, N) who sees
    custody_nodes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))  # (H, G)
    jamming: list[JamDisc] = field(default_factory=list)  # jammers active now
    sat_destroyed_at_s: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (N,) NaN: intact
    sat_outage: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (N,)
    node_outage: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (G,)
    node_jammed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (G,)
    active_events: list[str] = field(default_factory=list)  # names of events in effect now
    down_sats: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # destroyed or in outage now
    down_pos: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # (len(down_sats), 3) km

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
    reason: np.ndarray | None = None  # (legs, T) object: None when reachable, else one of REASONS
    reason_node: np.ndarray | None = None  # (legs, T) object: the node of no_access
    sensor: np.ndarray | None = None  # (legs, T) object: detecting sensor of threat legs
    threat_names: list[str] = field(default_factory=list)
    threat_speed_km_s: np.ndarray | None = None  # (threats, T), NaN when the threat is not there

    def chain_threat(self, chain: str) -> str | None:
        return next((leg.threat for leg in self.legs if leg.chain == chain and leg.threat), None)

    def threat_moved_km(self, chain: str) -> np.ndarray:
        """How far a threat chain's threat moves during the chain's end-to-end latency, per step."""
        threat = self.chain_threat(chain)
        if threat is None:
            return np.full(len(self.t_s), np.nan)
        speed = self.threat_speed_km_s[self.threat_names.index(threat)]
        return speed * self.chain_latency_ms(chain) / 1000.0

    @property
    def reachable(self) -> np.ndarray:
        return np.isfinite(self.latency_ms)

    def chain_latency_ms(self, chain: str) -> np.ndarray:
        """End-to-end latency of a chain per step (NaN unless every leg is reachable)."""
        rows = [i for i, leg in enumerate(self.legs) if leg.chain == chain]
        return self.latency_ms[rows].sum(axis=0)

    def records(self) -> list[dict]:
        out = []
        chains = list(dict.fromkeys(leg.chain for leg in self.legs))
        moved = {c: self.threat_moved_km(c) for c in chains}
        speed = {
            c: self.threat_speed_km_s[self.threat_names.index(t)]
            for c in chains
            if (t := self.chain_threat(c)) is not None
        }
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
                        "reason": self.reason[li, ti],
                        "reason_node": self.reason_node[li, ti],
                        "sensor": self.sensor[li, ti],
                        "threat_speed_km_s": _rounded(speed[leg.chain][ti]) if leg.chain in speed else None,
                        "threat_moved_km": _rounded(moved[leg.chain][ti]),
                        "path": list(self.paths[li][ti]),
                    }
                )
        return out


def _rounded(value: float) -> float | None:
    return round(float(value), 6) if np.isfinite(value) else None


@dataclass
class ThreatChain:
    """A chain that starts at a threat: two graph vertices linked to its sensors each step."""

    threat: int  # index in Network.threats
    out_vertex: int  # edges to the sensors that see the threat
    in_vertex: int  # edges from them (the mirror, for searches walked backwards)
    sat_allowed: np.ndarray  # (N,) bool: sensor satellites the chain may start at
    node_allowed: np.ndarray  # (G,) bool


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
        self.threats = ThreatTracks(scenario.threats)
        self.sensors = Sensors(scenario, self.sats)
        self.schedule = EventSchedule(scenario, self.sats, self.warnings)
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
        self.threat_chains: dict[str, ThreatChain] = {}  # by chain name
        nodes = {nd.name: nd for nd in self.scenario.nodes}
        for chain in self.scenario.chains:
            self.legs += self._chain_legs(chain, nodes)

    def _chain_legs(self, chain: KillChain, nodes: dict) -> list[Leg]:
        legs = [
            Leg(
                chain=chain.name,
                index=i,
                src=a,
                dst=b,
                src_endpoint=self._endpoint(a, leaving=True) if i or a not in self.threats.names else None,
                dst_endpoint=self._endpoint(b, leaving=False),
                processing_ms=nodes[a].processing_delay_ms if a in nodes else 0.0,
                switching_ms=chain.switching_delay_ms,
            )
            for i, (a, b) in enumerate(zip(chain.nodes, chain.nodes[1:], strict=False))
        ]
        if legs[0].src_endpoint is None:
            legs[0] = self._threat_leg(chain, legs[0])
        return legs

    def _threat_leg(self, chain: KillChain, leg: Leg) -> Leg:
        """The first leg of a chain that starts at a threat: from two vertices of its own."""
        out_v, in_v = self.n_vertices, self.n_vertices + 1
        self.n_vertices += 2
        self.vertex_names += [leg.src, leg.src]
        allowed = chain.sensors
        consts = self.scenario.constellations
        sat_allowed = np.ones(self.n_sats, bool)
        if allowed:
            chosen = [i for i, c in enumerate(consts) if c.name in allowed]
            sat_allowed = np.isin(self.sats.constellation, chosen)
        node_allowed = np.array([not allowed or name in allowed for name in self.node_names], bool)
        self.threat_chains[chain.name] = ThreatChain(
            self.threats.names.index(leg.src), out_v, in_v, sat_allowed, node_allowed
        )
        key = f"threat chain {chain.name}"  # its own search root: the sensors differ per chain
        return Leg(
            chain=leg.chain,
            index=0,
            src=leg.src,
            dst=leg.dst,
            src_endpoint=Endpoint(key, (out_v,), (in_v,)),
            dst_endpoint=leg.dst_endpoint,
            processing_ms=0.0,
            switching_ms=leg.switching_ms,
            threat=leg.src,
        )

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
        self, pos: np.ndarray, active: np.ndarray, cut_keys: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Usable ISL and cross-vendor pairs with their lengths, for one step's positions;
        ``cut_keys`` (``a * N + b``, a < b) are links cut now besides ``disabled_links``."""
        pos = np.where(active[:, None], pos, np.nan)
        grazing = self.scenario.physics.grazing_altitude_km
        isl, isl_len = usable_links(pos, self.isl_pairs, self.isl_max_km, grazing)
        cross = cross_links(pos, self.sats.ranges, self.cross_constellations, self.scenario.interop, grazing)
        cross, cross_len = usable_links(pos, cross, self.scenario.interop.max_range_km, grazing)
        blocked = self.blocked_keys(cut_keys)
        if len(blocked):
            isl, isl_len = self._unblocked(isl, isl_len, blocked)
            cross, cross_len = self._unblocked(cross, cross_len, blocked)
        return isl, isl_len, cross, cross_len

    def blocked_keys(self, cut_keys: np.ndarray | None = None) -> np.ndarray:
        """Keys ``a * N + b`` (a < b) of the satellite links that may not be used: ``disabled_links``
        and ``cut_keys`` (links cut now by events)."""
        blocked = self._blocked[:, 0] * len(self.sats) + self._blocked[:, 1]
        if cut_keys is not None and len(cut_keys):
            blocked = np.concatenate((blocked, cut_keys))
        return blocked

    def _unblocked(
        self, pairs: np.ndarray, lengths: np.ndarray, blocked: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        keep = ~np.isin(pairs[:, 0] * len(self.sats) + pairs[:, 1], blocked)
        return pairs[keep], lengths[keep]

    def graph_edges(
        self, t_s: float, pos: np.ndarray, active: np.ndarray, conditions: Conditions | None = None
    ) -> GraphEdges:
        """Every usable link at one instant as directed graph edges with lengths (km).

        ``active`` is taken as given; ``conditions`` (the events at ``t_s``, computed when None) cut
        links and the ground links of nodes in outage or jammed."""
        node_pos, node_up = self.node_positions(t_s)
        if conditions is None:
            conditions = self.schedule.at(t_s, node_pos)
        isl, isl_len, cross, cross_len = self.links_at(pos, active, conditions.cut_keys)
        sat_pos = np.where(active[:, None], pos, np.nan)
        gl, gl_len, _ = ground_links(
            node_pos, node_up, sat_pos, self.node_min_el, self.node_max_range, self.node_max_links
        )
        if conditions.node_down.any():
            keep = ~conditions.node_down[gl[:, 0]]
            gl, gl_len = gl[keep], gl_len[keep]
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
        """Links and routes for one instant, given the satellites' positions at that instant.

        ``active`` is further reduced by the events in effect at ``t_s`` (destroyed, in outage)."""
        node_pos, node_up = self.node_positions(t_s)
        conditions = self.schedule.at(t_s, node_pos)
        down_sats = (
            np.flatnonzero(active & conditions.sat_down) if self.schedule.has_events else np.zeros(0, int)
        )
        down_pos = pos[down_sats]  # where views draw struck and out-of-service satellites (not in sat_pos)
        if self.schedule.has_events:
            active = active & ~conditions.sat_down
        g = self.graph_edges(t_s, pos, active, conditions)
        threat_pos, threat_speed = self.threats.at(t_s)
        custody_sats = self.sensors.satellites_seeing(threat_pos, g.sat_pos, active)
        custody_nodes = self.sensors.nodes_seeing(threat_pos, g.node_pos, node_up, conditions.node_outage)
        edges, weights = self._with_threat_edges(g, custody_sats, custody_nodes)
        graph = build_graph(self.n_vertices, edges, np.maximum(weights, MIN_EDGE_KM))
        usable = np.ones(self.n_vertices, bool)
        usable[: len(active)] = active
        found = shortest_routes(graph, [(leg.src_endpoint, leg.dst_endpoint) for leg in self.legs], usable)
        routes = [
            self._route(leg, length, path) for leg, (length, path) in zip(self.legs, found, strict=True)
        ]
        if not all(r.reachable for r in routes):
            self._explain(routes, g.edges, edges, usable)
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
            threat_pos=threat_pos,
            threat_speed_km_s=threat_speed,
            custody_sats=custody_sats,
            custody_nodes=custody_nodes,
            jamming=conditions.jamming,
            sat_destroyed_at_s=conditions.destroyed_at_s,
            sat_outage=conditions.sat_outage,
            node_outage=conditions.node_outage,
            node_jammed=conditions.node_jammed,
            active_events=conditions.active_events,
            down_sats=down_sats,
            down_pos=down_pos,
        )

    def _sensor_processing_ms(self, vertex: int) -> float:
        """Processing delay of a sensor vertex: its node's, or none for a sensor satellite."""
        if vertex < self.n_sats:
            return 0.0
        return self.scenario.nodes[self.vertex_node[vertex - self.n_sats]].processing_delay_ms

    def _with_threat_edges(
        self, g: GraphEdges, custody_sats: np.ndarray, custody_nodes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The graph's edges plus, for each threat chain, its vertices' edges to the sensors that see
        the threat now, weighted by the sensor's processing delay as a distance at light speed."""
        extra, extra_km = self.threat_edges(custody_sats, custody_nodes)
        return np.concatenate((g.edges, extra)).astype(np.int64), np.concatenate((g.lengths_km, extra_km))

    def threat_edges(
        self, custody_sats: np.ndarray, custody_nodes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The threat chains' edges to and from the sensors that have custody now (see
        ``_with_threat_edges``), and their lengths (km)."""
        edges, weights = [np.zeros((0, 2), np.int64)], [np.zeros(0)]
        delay_km = np.array([nd.processing_delay_ms for nd in self.scenario.nodes]) * C_KM_S / 1000.0
        for tc in self.threat_chains.values():
            sats = np.flatnonzero(custody_sats[tc.threat] & tc.sat_allowed)
            nodes = np.flatnonzero(custody_nodes[tc.threat] & tc.node_allowed)
            leave = np.concatenate((sats, self.node_out[nodes]))
            enter = np.concatenate((sats, self.node_in[nodes]))
            w = np.concatenate((np.zeros(len(sats)), delay_km[nodes]))
            edges.append(np.stack((np.full(len(leave), tc.out_vertex), leave), axis=1))
            edges.append(np.stack((enter, np.full(len(enter), tc.in_vertex)), axis=1))
            weights += [w, w]
        return np.concatenate(edges).astype(np.int64), np.concatenate(weights)

    def _route(self, leg: Leg, length_km: float, path: list[int]) -> Route:
        if not path:
            return Route(leg, False, np.nan, np.inf, -1, [], [])
        latency, length_km, path = self._latency(leg, length_km, path)
        sensor = self.vertex_names[path[0]] if leg.threat is not None else None
        names = [self.vertex_names[v] for v in path]
        return Route(leg, True, latency, length_km, len(path) - 1, path, names, sensor=sensor)

    def _latency(self, leg: Leg, length_km: float, path: list[int]) -> tuple[float, float, list[int]]:
        """Latency (ms), length (km) and vertex path of a found route; a threat chain's first leg
        loses the threat's vertex and starts at the sensor, with that sensor's processing delay."""
        processing = leg.processing_ms
        if leg.threat is not None:
            path = path[1:]
            processing = self._sensor_processing_ms(path[0])
            length_km -= max(processing * C_KM_S / 1000.0, MIN_EDGE_KM)
        n_sats = sum(1 for v in path if v < self.n_sats)
        return length_km / C_KM_S * 1000.0 + processing + leg.switching_ms * n_sats, length_km, path

    def leg_latency_ms(self, leg: Leg, length_km: float, path: list[int]) -> float:
        """The latency ``Network.step`` reports for a route of ``leg`` found by ``shortest_routes``
        (NaN when ``path`` is empty: unreachable)."""
        return self._latency(leg, length_km, path)[0] if path else np.nan

    def _explain(self, routes: list[Route], links: np.ndarray, edges: np.ndarray, usable: np.ndarray) -> None:
        """Set ``reason`` of unreachable routes: no sensor sees the threat, an end sees no satellite
        (``reason_node`` names it), or the mesh between the ends is split."""
        out_deg = np.bincount(links[:, 0], minlength=self.n_vertices)
        in_deg = np.bincount(links[:, 1], minlength=self.n_vertices)
        for route in routes:
            if route.reachable:
                continue
            leg = route.leg
            if leg.threat is not None:
                out_v = leg.src_endpoint.vertices[0]
                starts = edges[edges[:, 0] == out_v, 1]
                if not len(starts):
                    route.reason = "no_custody"
                    continue
            else:
                starts = np.array([v for v in leg.src_endpoint.vertices if usable[v]], int)
            if not out_deg[starts].any():
                route.reason = "no_access"
                route.reason_node = self.vertex_names[starts[0]] if len(starts) else leg.src
            elif not in_deg[list(leg.dst_endpoint.vertices)].any():
                route.reason, route.reason_node = "no_access", leg.dst
            else:
                route.reason = "no_path"

    def snapshot(self, t_s: float) -> Snapshot:
        pos, active, gmst = self.propagate(np.array([float(t_s)]))
        return self.step(float(t_s), pos[:, 0], active[:, 0], gmst[0])

    def contested_warnings(self) -> list[str]:
        """Events that select nothing or fall outside the window, threats no sensor sees in it."""
        end = self.scenario.time.duration_s
        times = self.default_times()
        out = []
        node_pos = [self.node_positions(t)[0] for t in times]
        for i, event in enumerate(self.scenario.events):
            where = f"events[{i}] '{event.name}'"
            start = event.at_s if event.kind == "destroy" else event.from_s
            if start > end:
                out.append(f"{where}: starts at {start:g} s, after the window ends ({end:g} s)")
            if event.name in self.schedule.selecting_nothing():
                out.append(f"{where}: selects nothing")
            elif event.kind == "jam" and not any(self.schedule.jammed(event, p).any() for p in node_pos):
                out.append(f"{where}: no node is ever inside the jammed circle")
        seen = np.zeros(len(self.threats), bool)
        for b0 in range(0, len(times) if len(self.threats) else 0, BATCH_STEPS):
            batch = times[b0 : b0 + BATCH_STEPS]
            pos, active, _ = self.propagate(batch)
            for k, t in enumerate(batch):
                at_nodes, up = self.node_positions(t)
                conditions = self.schedule.at(t, at_nodes)
                alive = active[:, k] & ~conditions.sat_down
                threat_pos, _ = self.threats.at(t)
                sat_pos = np.where(alive[:, None], pos[:, k], np.nan)
                seen |= self.sensors.satellites_seeing(threat_pos, sat_pos, alive).any(axis=1)
                by_nodes = self.sensors.nodes_seeing(threat_pos, at_nodes, up, conditions.node_outage)
                seen |= by_nodes.any(axis=1)
        for h, name in enumerate(self.threats.names):
            first, _ = self.threats.window(h)
            if first > end:
                out.append(f"threat '{name}': starts at {first:g} s, after the window ends ({end:g} s)")
            elif not seen[h]:
                out.append(f"threat '{name}': no sensor sees it at any step of the window")
        return out

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
        reason, reason_node, sensor = (np.full((n_legs, n_t), None, object) for _ in range(3))
        threat_speed = np.full((len(self.threats), n_t), np.nan)
        for b0 in range(0, n_t, BATCH_STEPS):
            batch = times[b0 : b0 + BATCH_STEPS]
            pos, active, gmst = self.propagate(batch)
            for k, t in enumerate(batch):
                if cancelled is not None and cancelled():
                    raise Cancelled
                ti = b0 + k
                snap = self.step(t, pos[:, k], active[:, k], gmst[k])
                threat_speed[:, ti] = snap.threat_speed_km_s
                for li, route in enumerate(snap.routes):
                    reason[li, ti], reason_node[li, ti] = route.reason, route.reason_node
                    sensor[li, ti] = route.sensor
                    if route.reachable:
                        latency[li, ti] = route.latency_ms
                        hops[li, ti] = route.hops
                        paths[li][ti] = tuple(route.names)
                if progress is not None:
                    progress(ti + 1, n_t)
        return TimeSeries(
            self.scenario.time.start, times, self.legs, latency, hops, paths, list(self.warnings),
            reason, reason_node, sensor, list(self.threats.names), threat_speed,
        )  # fmt: skip
