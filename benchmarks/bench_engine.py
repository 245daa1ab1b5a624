"""Engine step time (propagate + links + every chain route) against a straightforward baseline.

The baseline works the way reference simulators do: satellites propagated one by one, links tested
pair by pair in Python, a networkx graph built at every step and one networkx Dijkstra per chain leg.
It runs with two propagation loops: skyfield's ``EarthSatellite.at(t)`` to ITRS per satellite, as
Python simulators call it, and, stricter, a bare ``Satrec.sgp4`` per satellite with the engine's own
frame rotation. All must give the same latencies (within 1e-6 ms) before any time counts.
"""

from __future__ import annotations

import math
import os
import statistics

import networkx as nx
import numpy as np
from skyfield.api import EarthSatellite
from skyfield.framelib import itrs

from sdn_desktop.engine import Network
from sdn_desktop.engine.frames import C_KM_S, WGS84_A_KM, WGS84_B_KM, geodetic_to_ecef, local_up, timescale
from sdn_desktop.engine.routing import build_graph, shortest_routes
from sdn_desktop.engine.topology import CROSS_CANDIDATES
from sdn_desktop.scenario import Scenario, scenario_from_dict

from .common import (
    SENSORS,
    SIZES,
    gc_paused,
    median_ms,
    print_table,
    timed_ms,
    walker_scenario,
    write_results,
)

STEP_S = 10.0
ENGINE_STEPS = int(os.environ.get("BENCH_ENGINE_STEPS", "27"))
BASELINE_STEPS = int(os.environ.get("BENCH_BASELINE_STEPS", "3"))  # 3x as many at 1,584 satellites
SAME_LATENCY_MS = 1e-6
TARGET_10K_MS = 50.0
TARGET_SPEEDUP_1584 = 20.0
CONTESTED_STEPS = int(os.environ.get("BENCH_CONTESTED_STEPS", "30"))
TARGET_CONTESTED_OVERHEAD = 0.10  # events and threats may cost at most 10 % more per step


# ------------------------------------------------------------------ engine
def engine_step(net: Network, t_s: float):
    """What the app does per displayed instant: propagate, then links and all chain routes."""
    pos, active, gmst = net.propagate(np.array([t_s]))
    return net.step(t_s, pos[:, 0], active[:, 0], gmst[0])


def engine_edges(net: Network, t_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The directed edges and lengths the engine routes on at ``t_s``."""
    pos, active, _ = net.propagate(np.array([t_s]))
    g = net.graph_edges(t_s, pos[:, 0], active[:, 0])
    return g.edges, g.lengths_km


# ------------------------------------------------------------------ baseline
class Baseline:
    """The same model, written satellite by satellite and link by link, routed with networkx."""

    def __init__(self, net: Network, propagator: str = "sgp4"):
        self.net = net
        self.propagate = self.positions_skyfield if propagator == "skyfield" else self.positions
        self.skyfield_sats = [EarthSatellite.from_satrec(s, timescale()) for s in net.sats.satrecs]
        self.scenario = net.scenario
        self.satrecs = net.sats.satrecs
        self.isl = []  # (a, b, max_range_km): +Grid, built once; the seam shifts by the phasing F
        for c, members in zip(self.scenario.constellations, net.sats.ranges, strict=True):
            planes, per_plane, first = c.source.planes, c.source.sats_per_plane, members.start
            for p in range(planes):
                seam = c.source.phasing if p + 1 == planes else 0
                for s in range(per_plane):
                    me = first + p * per_plane + s
                    ahead = first + p * per_plane + (s + 1) % per_plane
                    beside = first + (p + 1) % planes * per_plane + (s + seam) % per_plane
                    self.isl += [(me, ahead, c.isl.max_range_km), (me, beside, c.isl.max_range_km)]
        self.nodes = []
        for node in self.scenario.nodes:
            p = node.position
            pos = geodetic_to_ecef(p.lat_deg, p.lon_deg, p.alt_m).tolist()
            self.nodes.append((node, pos, local_up(p.lat_deg, p.lon_deg).tolist()))

    def positions(self, t_s: float) -> list[tuple[float, float, float] | None]:
        epochs = self.net.epochs([t_s])
        jd, fr, theta = epochs.jd_utc[0], epochs.fr_utc[0], epochs.gmst_rad()[0]
        c, s = math.cos(theta), math.sin(theta)
        out = []
        for sat in self.satrecs:
            err, (x, y, z), _ = sat.sgp4(jd, fr)
            out.append((c * x + s * y, -s * x + c * y, z) if err == 0 else None)
        return out

    def positions_skyfield(self, t_s: float) -> list[tuple[float, float, float] | None]:
        t = timescale().from_datetime(self.net.epochs([t_s]).start) + t_s / 86400.0
        out = []
        for sat in self.skyfield_sats:
            xyz = sat.at(t).frame_xyz(itrs).km
            out.append(tuple(xyz) if np.isfinite(xyz).all() else None)
        return out

    @staticmethod
    def clear_of_earth(p, q, grazing_km: float) -> bool:
        radius = WGS84_A_KM + grazing_km
        k = radius / (WGS84_B_KM + grazing_km)
        px, py, pz, qx, qy, qz = p[0], p[1], p[2] * k, q[0], q[1], q[2] * k
        dx, dy, dz = qx - px, qy - py, qz - pz
        dd = dx * dx + dy * dy + dz * dz
        t = min(max(-(px * dx + py * dy + pz * dz) / dd, 0.0), 1.0) if dd > 0 else 0.0
        cx, cy, cz = px + t * dx, py + t * dy, pz + t * dz
        return cx * cx + cy * cy + cz * cz >= radius * radius

    def satellite_links(self, pos) -> dict[tuple[int, int], float]:
        grazing = self.scenario.physics.grazing_altitude_km
        candidates = {}
        for a, b, max_km in self.isl:
            candidates[(min(a, b), max(a, b))] = max_km
        interop = self.scenario.interop
        ranges = self.net.sats.ranges
        if interop.enabled:
            k = interop.links_per_satellite
            offers = []  # from all pairs of compatible constellations: terminals are counted in all
            for i, j in self.net.cross_constellations:
                sides = [[m for m in ranges[c] if pos[m] is not None] for c in (i, j)]
                if not all(sides):
                    continue
                small, large = sorted(sides, key=len)
                xyz = np.array([pos[m] for m in large])
                for a in small:
                    dist = np.linalg.norm(xyz - pos[a], axis=1)
                    offers += [(dist[n], a, large[n]) for n in np.argsort(dist)[: k * CROSS_CANDIDATES]
                               if dist[n] < interop.max_range_km
                               and self.clear_of_earth(pos[a], pos[large[n]], grazing)]  # fmt: skip
            used: dict[int, int] = {}
            for _, a, b in sorted(offers):
                if used.get(a, 0) < k and used.get(b, 0) < k:
                    used[a], used[b] = used.get(a, 0) + 1, used.get(b, 0) + 1
                    candidates.setdefault((min(a, b), max(a, b)), interop.max_range_km)
        links = {}
        for (a, b), max_km in candidates.items():
            if pos[a] is None or pos[b] is None:
                continue
            length = math.dist(pos[a], pos[b])
            if length <= max_km and self.clear_of_earth(pos[a], pos[b], grazing):
                links[(a, b)] = length
        return links

    def ground(self, pos) -> list[tuple[str, int, float]]:
        out = []
        for node, npos, up in self.nodes:
            mask = 0.0 if node.min_elevation_deg is None else node.min_elevation_deg
            max_km = math.inf if node.max_range_km is None else node.max_range_km
            seen = []
            for k, p in enumerate(pos):
                if p is None:
                    continue
                d = (p[0] - npos[0], p[1] - npos[1], p[2] - npos[2])
                rng = math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
                sine = (d[0] * up[0] + d[1] * up[1] + d[2] * up[2]) / rng
                elev = math.degrees(math.asin(min(max(sine, -1.0), 1.0)))
                if elev >= mask and rng <= max_km:
                    seen.append((elev, k, rng))
            seen.sort(reverse=True)
            out += [(node.name, k, rng) for _, k, rng in seen[: node.max_links or None]]
        return out

    def graph(self, t_s: float) -> nx.DiGraph:
        pos = self.propagate(t_s)
        g = nx.DiGraph()
        for (a, b), length in self.satellite_links(pos).items():
            g.add_edge(a, b, weight=length)
            g.add_edge(b, a, weight=length)
        for name, k, rng in self.ground(pos):
            g.add_edge(("out", name), k, weight=rng)
            g.add_edge(k, ("in", name), weight=rng)
        return g

    def latencies(self, t_s: float) -> list[float]:
        """One-way latency of every leg, ms (NaN when unreachable)."""
        return route_networkx(self.graph(t_s), self.net)


def route_networkx(g: nx.DiGraph, net: Network) -> list[float]:
    out = []
    for leg in net.legs:
        try:
            length, path = nx.single_source_dijkstra(g, ("out", leg.src), ("in", leg.dst), weight="weight")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            out.append(math.nan)
            continue
        n_sats = sum(1 for v in path if isinstance(v, int))
        out.append(length / C_KM_S * 1000.0 + leg.processing_ms + leg.switching_ms * n_sats)
    return out


def networkx_graph(net: Network, edges: np.ndarray, lengths: np.ndarray) -> nx.DiGraph:
    """The engine's vertex graph as networkx nodes (satellites by index, ground nodes as in/out pairs)."""
    n = len(net.sats)
    label = {int(v): (("out" if v == net.node_out[g] else "in"), net.node_names[g])
             for v, g in zip(range(n, net.n_vertices), net.vertex_node, strict=True)}  # fmt: skip
    g = nx.DiGraph()
    g.add_weighted_edges_from((label.get(int(a), int(a)), label.get(int(b), int(b)), float(w))
                              for (a, b), w in zip(edges, lengths, strict=True))  # fmt: skip
    return g


# ------------------------------------------------------------------ the run
def bench_size(n_sats: int) -> dict:
    net = Network(walker_scenario(SIZES[n_sats]))
    assert len(net.sats) == n_sats
    baselines = {name: Baseline(net, name) for name in ("skyfield", "sgp4")}
    checked = 0
    for k in range(BASELINE_STEPS):
        t = 1000.0 + k * STEP_S
        engine = [r.latency_ms for r in engine_step(net, t).routes]
        for name, baseline in baselines.items():
            base = baseline.latencies(t)
            for leg, a, b in zip(net.legs, engine, base, strict=True):
                same = (math.isnan(a) and math.isnan(b)) or abs(a - b) <= SAME_LATENCY_MS
                assert same, (
                    f"{n_sats} satellites, t = {t} s, {leg.chain} leg {leg.index}: "
                    f"engine {a} ms, {name} baseline {b} ms"
                )
                checked += 1
    reachable = sum(not math.isnan(x) for x in engine)

    # engine and baseline steps interleaved, so a machine shared with other work slows both alike
    rounds = 3 * BASELINE_STEPS if n_sats < 2000 else BASELINE_STEPS
    per_round = max(1, ENGINE_STEPS // rounds)
    times: dict[str, list[float]] = {"propagate": [], "engine": [], "skyfield": [], "sgp4": []}
    t = 0.0
    with gc_paused():
        for _ in range(rounds):
            for name, baseline in baselines.items():
                times[name].append(timed_ms(baseline.latencies, 2000.0 + t))
            for _ in range(per_round):
                t += STEP_S
                times["propagate"].append(timed_ms(net.propagate, np.array([t])))
                times["engine"].append(timed_ms(engine_step, net, t + 0.5 * STEP_S))
    median = {k: statistics.median(v) for k, v in times.items()}

    edges, lengths = engine_edges(net, 500.0)
    endpoints = [(leg.src_endpoint, leg.dst_endpoint) for leg in net.legs]
    usable = np.ones(net.n_vertices, bool)
    csgraph_ms = median_ms(
        lambda: shortest_routes(
            build_graph(net.n_vertices, edges, np.maximum(lengths, 1e-9)), endpoints, usable
        ),
        ENGINE_STEPS,
    )
    networkx_ms = median_ms(lambda: route_networkx(networkx_graph(net, edges, lengths), net), 3)
    return {
        "satellites": n_sats,
        "chains": len(net.scenario.chains),
        "legs": len(net.legs),
        "legs_reachable": reachable,
        "latencies_checked": checked,
        "engine_propagate_ms": median["propagate"],
        "engine_step_ms": median["engine"],
        "baseline_skyfield_step_ms": median["skyfield"],
        "baseline_sgp4_step_ms": median["sgp4"],
        "speedup": median["skyfield"] / median["engine"],
        "speedup_strict": median["sgp4"] / median["engine"],
        "routing_csgraph_ms": csgraph_ms,
        "routing_networkx_ms": networkx_ms,
    }


# ------------------------------------------------------------------ contested
THREAT_CHAINS = 5  # the first chains start at a threat instead of their radar


def contested_pair(n_sats: int = 10000) -> tuple[Scenario, Scenario]:
    """A sensor shell with 20 chains, peacetime; and the same with 10 events in effect and 5 threats
    whose chains replace the radar of 5 chains (the same number of legs in both)."""
    doc = walker_scenario(SIZES[n_sats]).model_dump(mode="json")
    doc["constellations"][0]["sensor"] = True
    peace = scenario_from_dict(doc, "<benchmark>")
    shell = doc["constellations"][0]["name"]
    threats = []
    for k in range(THREAT_CHAINS):
        _, lat, lon, _ = SENSORS[k]
        threats.append({"name": f"Threat {k + 1}", "kind": "hypersonic_glide", "waypoints": [
            {"t_s": 0.0, "lat_deg": lat - 10.0, "lon_deg": lon - 20.0, "alt_m": 40000.0},
            {"t_s": 3600.0, "lat_deg": lat, "lon_deg": lon, "alt_m": 20000.0}]})  # fmt: skip
        doc["chains"][k]["nodes"][0] = f"Threat {k + 1}"
    doc["threats"] = threats
    ring = [f"{shell} P{p:02d}S00" for p in range(6)]
    doc["events"] = [
        {"kind": "destroy", "name": "Random 1", "at_s": 0.0, "random": {"fraction": 0.01, "seed": 1}},
        {"kind": "destroy", "name": "Random 2", "at_s": 0.0, "random": {"fraction": 0.01, "seed": 2}},
        {"kind": "destroy", "name": "Planes", "at_s": 0.0,
         "planes": [{"constellation": shell, "planes": [5, 6]}]},
        {"kind": "outage", "name": "Planes out", "from_s": 0.0, "cause": "fault",
         "planes": [{"constellation": shell, "planes": [40, 41]}]},
        {"kind": "outage", "name": "Cyber", "from_s": 0.0, "cause": "cyber", "random": {"fraction": 0.02}},
        {"kind": "outage", "name": "Radar down", "from_s": 0.0, "nodes": ["Radar Qatar"], "cause": "fault"},
        {"kind": "jam", "name": "Jam 1", "from_s": 0.0, "center": {"lat_deg": 50.0, "lon_deg": 10.0},
         "radius_km": 300.0},
        {"kind": "jam", "name": "Jam 2", "from_s": 0.0, "center": {"lat_deg": 13.5, "lon_deg": 144.8},
         "radius_km": 100.0},
        {"kind": "cut_links", "name": "Cut 1", "from_s": 0.0, "links": [ring[:2], ring[2:4]]},
        {"kind": "cut_links", "name": "Cut 2", "from_s": 0.0, "links": [ring[4:6]]},
    ]  # fmt: skip
    return peace, scenario_from_dict(doc, "<benchmark>")


def bench_contested() -> dict:
    """Per-step time with and without events and threats, steps interleaved on one clock."""
    peace, contested = contested_pair()
    nets = {"peace": Network(peace)}
    nets["contested"] = Network(contested, previous=nets["peace"])
    assert len(nets["peace"].legs) == len(nets["contested"].legs)
    times: dict[str, list[float]] = {name: [] for name in nets}
    for net in nets.values():
        engine_step(net, 0.0)  # warm-up
    order = list(nets)
    with gc_paused():
        for k in range(CONTESTED_STEPS):
            for name in order if k % 2 else order[::-1]:  # alternate who goes first
                times[name].append(timed_ms(engine_step, nets[name], 100.0 + k * STEP_S))
    snap = engine_step(nets["contested"], 100.0)
    median = {k: statistics.median(v) for k, v in times.items()}
    return {
        "satellites": len(nets["peace"].sats),
        "events": len(contested.events),
        "threats": len(contested.threats),
        "events_in_effect": len(snap.active_events),
        "threat_legs_reachable": sum(r.reachable for r in snap.routes if r.leg.threat),
        "peace_step_ms": median["peace"],
        "contested_step_ms": median["contested"],
        "overhead": median["contested"] / median["peace"] - 1.0,
    }


def main() -> None:
    contested = bench_contested()
    print_table(
        "Events and threats, per step medians in ms (10,000 satellites, the same run)",
        ["satellites", "events", "threats", "threat legs ok", "peacetime step", "contested step", "overhead"],
        [[contested["satellites"], contested["events"], contested["threats"],
          f"{contested['threat_legs_reachable']}/{THREAT_CHAINS}", contested["peace_step_ms"],
          contested["contested_step_ms"], f"{100 * contested['overhead']:+.1f} %"]],
    )  # fmt: skip
    rows = [bench_size(n) for n in SIZES]
    print_table(
        "Engine per time step, medians in ms (propagate + links + routes of every chain leg)",
        ["satellites", "chains", "legs ok", "propagate", "engine step", "baseline (skyfield loop)",
         "speed-up", "baseline (sgp4 loop)", "speed-up", "routes csgraph", "routes networkx"],
        [[r["satellites"], r["chains"], f"{r['legs_reachable']}/{r['legs']}", r["engine_propagate_ms"],
          r["engine_step_ms"], r["baseline_skyfield_step_ms"], f"{r['speedup']:.0f}x",
          r["baseline_sgp4_step_ms"], f"{r['speedup_strict']:.0f}x", r["routing_csgraph_ms"],
          r["routing_networkx_ms"]] for r in rows],
    )  # fmt: skip
    by_size = {r["satellites"]: r for r in rows}
    checks = {
        f"10,000 satellites: engine step <= {TARGET_10K_MS:.0f} ms": by_size[10000]["engine_step_ms"]
        <= TARGET_10K_MS,
        f"1,584 satellites: >= {TARGET_SPEEDUP_1584:.0f}x the skyfield-loop baseline": (
            by_size[1584]["speedup"] >= TARGET_SPEEDUP_1584
        ),
        f"10 events and 5 threats: <= +{100 * TARGET_CONTESTED_OVERHEAD:.0f} % per step": (
            contested["overhead"] <= TARGET_CONTESTED_OVERHEAD
        ),
    }
    for what, ok in checks.items():
        print(f"{'PASS' if ok else 'MISS'}  {what}")
    print(f"latencies equal to the baseline within {SAME_LATENCY_MS:g} ms: "
          f"{sum(r['latencies_checked'] for r in rows)} leg-steps")  # fmt: skip
    path = write_results("engine", {"sizes": rows, "contested": contested, "targets": checks})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
