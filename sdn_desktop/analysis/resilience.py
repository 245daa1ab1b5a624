"""Resilience of a scenario's kill chains: attrition sweeps, vendor outages, concentration, critical
elements and path redundancy. One entry point, ``run_resilience``, serves the CLI and the app.

Every number is computed with the engine's own links and routes (``StepContext``): a trial whose
destroyed set is D gives what ``Network.run`` gives with D destroyed from the start. The scenario's
own events and threats stay in effect: the attrition comes on top of them, so level 0 is ``analyze``
of the scenario as it stands; ``ResilienceOptions(events=False)`` drops the events first (the
undisturbed baseline, as ``analyze --no-events``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..engine import Cancelled, Network
from ..engine.network import MIN_EDGE_KM
from ..engine.routing import build_graph
from ..scenario import Scenario
from .evaluator import StepContext, contexts_for, route_links
from .stats import availability_interval, percentile_intervals

if TYPE_CHECKING:
    import networkx as nx

MODES = ("random", "targeted", "planes", "operators")
TRIAL_BATCH = 25  # trials evaluated together, one instant at a time; progress is reported per batch
WINDOW_BATCH = 64  # destroyed sets evaluated together by the outage and critical-element tables
REDUNDANCY_STRETCH = 1.5  # disjoint paths count when at most this times the shortest
TOP_CRITICAL = 10

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ResilienceOptions:
    """What to compute. ``levels`` are fractions of the attacked units (satellites, planes or
    operators) destroyed; ``times`` are seconds from the scenario start (None: the scenario's steps);
    ``events`` False drops the scenario's events (threats stay)."""

    trials: int = 200
    levels: tuple[float, ...] = tuple(round(0.05 * i, 10) for i in range(11))
    mode: str = "random"
    seed: int = 0
    times: tuple[float, ...] | None = None
    redundancy_instants: int = 11
    events: bool = True

    def __post_init__(self) -> None:
        if self.trials < 1:
            raise ValueError(f"trials must be at least 1, got {self.trials}")
        if not self.levels:
            raise ValueError("give at least one attrition level")
        for level in self.levels:
            if not 0.0 <= level <= 1.0:
                raise ValueError(f"attrition level {level:g} is outside 0..1")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got '{self.mode}'")


@dataclass
class ResilienceResult:
    """Tables of a resilience study (lists of flat records) and the raw per-trial latencies."""

    scenario: str
    options: ResilienceOptions
    chains: list[str]
    attrition: list[dict] = field(default_factory=list)
    outage: list[dict] = field(default_factory=list)
    concentration: list[dict] = field(default_factory=list)
    critical: list[dict] = field(default_factory=list)
    redundancy: list[dict] = field(default_factory=list)
    trial_latency_ms: np.ndarray | None = None  # (trials, levels, legs, steps), NaN unreachable
    destroyed_counts: list[int] = field(default_factory=list)  # units destroyed at each level

    SECTIONS = ("attrition", "outage", "concentration", "critical", "redundancy")

    def to_records(self) -> dict[str, list[dict]]:
        return {name: getattr(self, name) for name in self.SECTIONS}


# ---------------------------------------------------------------------------------------- attack units
def attack_units(network: Network, mode: str) -> tuple[list[str], list[np.ndarray]]:
    """Names and satellites of what an attack destroys one at a time: satellites, planes or operators."""
    sats = network.sats
    eligible = np.flatnonzero(network.sat_enabled)
    if mode in ("random", "targeted"):
        return [sats.names[i] for i in eligible], [np.array([i]) for i in eligible]
    constellations = network.scenario.constellations
    if mode == "planes":
        keys = [(int(sats.constellation[i]), int(sats.plane[i])) for i in eligible]
        groups = sorted(set(keys))
        names = [f"{constellations[c].name} plane {p}" for c, p in groups]
    else:
        keys = [operator_of(constellations[sats.constellation[i]]) for i in eligible]
        groups = sorted(set(keys))
        names = list(groups)
    index = {g: k for k, g in enumerate(groups)}
    members: list[list[int]] = [[] for _ in groups]
    for i, key in zip(eligible, keys, strict=True):
        members[index[key]].append(int(i))
    return names, [np.array(m) for m in members]


def operator_of(constellation) -> str:
    """The operator of a constellation; one without an operator stands for itself."""
    return constellation.operator or constellation.name


def level_counts(levels: tuple[float, ...], n_units: int) -> list[int]:
    """Units destroyed at each level (rounded half up, so that 0.5 of 5 is 3)."""
    return [int(np.floor(level * n_units + 0.5)) for level in levels]


def trial_rng(seed: int, trial: int) -> np.random.Generator:
    """The random stream of one trial: independent of how trials are split into chunks."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(trial,)))


def attack_order(
    contexts: list[StepContext], units: list[np.ndarray], mode: str, needed: int, rng: np.random.Generator
) -> np.ndarray:
    """The order in which one trial destroys units; every level destroys a prefix of it."""
    shuffled = rng.permutation(len(units))
    if mode != "targeted":
        return shuffled
    return _targeted_order(contexts, units, needed, shuffled)


def _targeted_order(
    contexts: list[StepContext], units: list[np.ndarray], needed: int, shuffled: np.ndarray
) -> np.ndarray:
    """Greedy strikes: the satellite carrying the most chain routes (leg-steps) goes first, ties by
    the trial's random order; after each strike the instants whose routes it carried are re-routed.
    Once no route is left to strike, the rest follows the random order."""
    tie_rank = np.empty(len(units), int)
    tie_rank[shuffled] = np.arange(len(units))
    n = contexts[0].n_sats
    destroyed = np.zeros(n, bool)
    states = [c.base for c in contexts]
    order: list[int] = []
    while len(order) < needed:
        load = np.zeros(n)
        for state in states:
            for route in state.routes:
                on = [v for v in route.path if v < n]
                load[on] += 1
        load[destroyed] = 0
        candidates = [(load[int(u[0])], -tie_rank[k], k) for k, u in enumerate(units) if load[int(u[0])] > 0]
        if not candidates:
            break
        _, _, best = max(candidates)
        sat = int(units[best][0])
        destroyed[sat] = True
        order.append(best)
        for k, state in enumerate(states):
            if any(sat in route.path for route in state.routes):
                states[k] = contexts[k].evaluate(destroyed[None, :])[0]
    taken = set(order)
    rest = [k for k in shuffled if k not in taken]
    return np.array(order + rest, int)


# ---------------------------------------------------------------------------------------- attrition
def sweep_trials(
    contexts: list[StepContext],
    units: list[np.ndarray],
    counts: list[int],
    mode: str,
    seed: int,
    trials: list[int],
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Leg latencies (ms, NaN unreachable) of the given trials: ``(trials, levels, legs, steps)``.

    Trials run in batches: each instant evaluates every level of every trial of the batch at once."""
    n_legs = len(contexts[0].net.legs) if contexts else 0
    out = np.full((len(trials), len(counts), n_legs, len(contexts)), np.nan)
    n_sats = contexts[0].n_sats if contexts else 0
    for b0 in range(0, len(trials), TRIAL_BATCH):
        batch = trials[b0 : b0 + TRIAL_BATCH]
        destroyed = np.zeros((len(counts), len(batch), n_sats), bool)
        for bi, trial in enumerate(batch):
            order = attack_order(contexts, units, mode, max(counts, default=0), trial_rng(seed, trial))
            for li, count in enumerate(counts):
                if count:
                    destroyed[li, bi, np.concatenate([units[u] for u in order[:count]])] = True
        for k, context in enumerate(contexts):
            if cancelled is not None and cancelled():
                raise Cancelled
            states = context.evaluate(destroyed.reshape(-1, n_sats))
            latency = np.array([state.latency_ms for state in states]).reshape(
                len(counts), len(batch), n_legs
            )
            out[b0 : b0 + len(batch), :, :, k] = latency.transpose(1, 0, 2)
        if progress is not None:
            progress(b0 + len(batch), len(trials))
    return out


def _chain_rows(network: Network) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for i, leg in enumerate(network.legs):
        rows.setdefault(leg.chain, []).append(i)
    return rows


def attrition_records(
    latency: np.ndarray, network: Network, options: ResilienceOptions, counts: list[int]
) -> list[dict]:
    """Per chain and level: availability and p50/p95 latency, each with a 95 % interval."""
    records = []
    trials, _, _, steps = latency.shape
    for chain, rows in _chain_rows(network).items():
        chain_ms = latency[:, :, rows, :].sum(axis=2)  # NaN unless every leg is reachable
        for li, level in enumerate(options.levels):
            ok = np.isfinite(chain_ms[:, li, :])
            p, lo, hi = availability_interval(ok.mean(axis=1), steps)
            trial_of = np.broadcast_to(np.arange(trials)[:, None], ok.shape)[ok]
            (p50, p50_lo, p50_hi), (p95, p95_lo, p95_hi) = percentile_intervals(
                chain_ms[:, li, :][ok], trial_of, trials, (0.5, 0.95), options.seed + li
            )
            records.append(
                {
                    "chain": chain,
                    "level": level,
                    "destroyed": counts[li],
                    "trials": trials,
                    "availability": _num(p),
                    "availability_lo": _num(lo),
                    "availability_hi": _num(hi),
                    "p50_ms": _num(p50),
                    "p50_lo_ms": _num(p50_lo),
                    "p50_hi_ms": _num(p50_hi),
                    "p95_ms": _num(p95),
                    "p95_lo_ms": _num(p95_lo),
                    "p95_hi_ms": _num(p95_hi),
                }
            )
    return records


def _num(value: float) -> float | None:
    """A JSON-ready number: rounded to 6 decimals, None for NaN."""
    return None if not np.isfinite(value) else round(float(value), 6)


# ---------------------------------------------------------------------------------------- outages
def _windows(contexts: list[StepContext], destroyed: np.ndarray) -> np.ndarray:
    """Leg latencies ``(sets, legs, steps)`` with each row of ``destroyed`` lost for the whole window."""
    out = np.full((len(destroyed), len(contexts[0].net.legs), len(contexts)), np.nan)
    for b0 in range(0, len(destroyed), WINDOW_BATCH):
        batch = destroyed[b0 : b0 + WINDOW_BATCH]
        for k, context in enumerate(contexts):
            out[b0 : b0 + len(batch), :, k] = [state.latency_ms for state in context.evaluate(batch)]
    return out


def _chain_summary(latency: np.ndarray, rows: list[int]) -> tuple[float, float]:
    chain_ms = latency[rows].sum(axis=0)
    ok = np.isfinite(chain_ms)
    return float(ok.mean()), float(np.median(chain_ms[ok])) if ok.any() else np.nan


def outage_records(contexts: list[StepContext], network: Network, base: np.ndarray) -> list[dict]:
    """Each operator, then each constellation, removed alone: chain availability and median latency
    against the undisturbed run."""
    constellations = network.scenario.constellations
    removals = [
        ("operator", name, [c for c in constellations if operator_of(c) == name])
        for name in sorted({operator_of(c) for c in constellations})
    ]
    removals += [("constellation", c.name, [c]) for c in constellations]
    ranges = {c.name: r for c, r in zip(constellations, network.sats.ranges, strict=True)}
    chains = _chain_rows(network)
    destroyed = np.zeros((len(removals), network.n_sats), bool)
    for row, (_, _, members) in zip(destroyed, removals, strict=True):
        for c in members:
            row[ranges[c.name].start : ranges[c.name].stop] = True
    records = []
    for (kind, name, _), latency in zip(removals, _windows(contexts, destroyed), strict=True):
        for chain, rows in chains.items():
            avail0, p50_0 = _chain_summary(base, rows)
            avail, p50 = _chain_summary(latency, rows)
            records.append(
                {
                    "removed_kind": kind,
                    "removed": name,
                    "chain": chain,
                    "availability": _num(avail),
                    "availability_change": _num(avail - avail0),
                    "p50_ms": _num(p50),
                    "p50_change_ms": _num(p50 - p50_0),
                }
            )
    return records


# ---------------------------------------------------------------------------------------- concentration
def concentration_records(contexts: list[StepContext], network: Network) -> list[dict]:
    """Each operator's share of each chain's links (hops) and path length over the window, and the
    chain's Herfindahl index of those shares (1: one vendor carries everything). A link between two
    operators' satellites counts half to each; a ground link counts to its satellite's operator."""
    n = network.n_sats
    op_of_sat = [operator_of(network.scenario.constellations[c]) for c in network.sats.constellation]
    operators = sorted(set(op_of_sat))
    records = []
    for chain, rows in _chain_rows(network).items():
        hops = dict.fromkeys(operators, 0.0)
        length = dict.fromkeys(operators, 0.0)
        for context in contexts:
            for li in rows:
                for a, b, d in route_links(context, context.base.routes[li]):
                    owners = [op_of_sat[v] for v in (a, b) if v < n]
                    for owner in owners:
                        hops[owner] += 1.0 / len(owners)
                        length[owner] += d / len(owners)
        total_hops, total_length = sum(hops.values()), sum(length.values())
        hop_share = {o: hops[o] / total_hops if total_hops else 0.0 for o in operators}
        length_share = {o: length[o] / total_length if total_length else 0.0 for o in operators}
        hhi_hops = sum(s * s for s in hop_share.values())
        hhi_length = sum(s * s for s in length_share.values())
        for o in operators:
            records.append(
                {
                    "chain": chain,
                    "operator": o,
                    "hop_share": _num(hop_share[o]),
                    "length_share": _num(length_share[o]),
                    "hhi_hops": _num(hhi_hops),
                    "hhi_length": _num(hhi_length),
                }
            )
    return records


# ---------------------------------------------------------------------------------------- critical elements
def _mean_loss(network: Network, base_ok: np.ndarray, ok: np.ndarray) -> tuple[float, list[str]]:
    """Availability lost, averaged over chains, and the chains that lose any; ``base_ok`` and ``ok``
    are ``(legs, steps)`` reachability."""
    losses = {}
    for chain, rows in _chain_rows(network).items():
        losses[chain] = float(base_ok[rows].all(axis=0).mean()) - float(ok[rows].all(axis=0).mean())
    hurt = [c for c, v in losses.items() if v > 1e-12]
    return float(np.mean(list(losses.values()))), hurt


@dataclass(frozen=True)
class _RouteUse:
    """What the undisturbed routes of one instant run over: vertices, links (as place pairs), and
    whether the instant's reachability can change with a satellite that is on none of its routes
    (some leg unreachable, which a lost satellite's freed links could mend, or a route over a
    cross-vendor link, which a re-shaped cross-vendor matching could take away)."""

    vertices: frozenset[int]
    links: frozenset[tuple[int, int]]
    open_to_all: bool


def _route_use(context: StepContext, places: np.ndarray) -> _RouteUse:
    net, n = context.net, context.n_sats
    vertices: set[int] = set()
    links: set[tuple[int, int]] = set()
    open_to_all = False
    for route in context.base.routes:
        path = route.path
        if not path:
            open_to_all = True
            continue
        vertices.update(path)
        for a, b in zip(path, path[1:], strict=False):
            links.add((int(min(places[a], places[b])), int(max(places[a], places[b]))))
            if a < n and b < n and net.sats.constellation[a] != net.sats.constellation[b]:
                open_to_all = True
    return _RouteUse(frozenset(vertices), frozenset(links), open_to_all)


def element_losses(
    contexts: list[StepContext],
    network: Network,
    base: np.ndarray,
    cancelled: Callable[[], bool] | None = None,
) -> list[tuple[str, str, float, list[str]]]:
    """(kind, element, availability lost averaged over chains, chains hurt) of every candidate: each
    satellite, node and link on some route of the undisturbed window, lost alone for the whole window.

    Losing anything else leaves every route in place (a lost satellite elsewhere can only re-shape
    the cross-vendor matching). Only reachability counts, so an instant is evaluated again only where
    the loss can change it (see ``_satellites_lost``, ``_without``)."""
    n = network.n_sats
    names = network.vertex_names
    places = _places(network)
    uses = [_route_use(context, places) for context in contexts]
    carried = sorted(v for v in set().union(*(u.vertices for u in uses)) if v < n)
    carried_links = sorted(set().union(*(u.links for u in uses)))
    base_ok = np.isfinite(base)
    found: list[tuple[str, str, float, list[str]]] = []
    for sat, ok in zip(carried, _satellites_lost(contexts, uses, carried, base_ok, cancelled), strict=True):
        found.append(("satellite", names[sat], *_mean_loss(network, base_ok, ok)))
    for g, node in enumerate(network.node_names):
        vertices = {int(network.node_out[g]), int(network.node_in[g])}
        ok = _without(contexts, uses, base_ok, places, vertices=vertices)
        found.append(("node", node, *_mean_loss(network, base_ok, ok)))
    for key in carried_links:
        ok = _without(contexts, uses, base_ok, places, link=key)
        found.append(("link", f"{names[key[0]]} - {names[key[1]]}", *_mean_loss(network, base_ok, ok)))
    return found


def critical_records(
    contexts: list[StepContext],
    network: Network,
    base: np.ndarray,
    cancelled: Callable[[], bool] | None = None,
) -> list[dict]:
    """The satellites, nodes and links whose loss alone for the whole window costs the most
    availability (``element_losses``), top 10 of each kind. An element whose loss costs nothing is not
    critical and not listed: a mesh that routes around every single satellite loss lists none."""
    found = element_losses(contexts, network, base, cancelled)
    records = []
    for kind in ("satellite", "node", "link"):
        costly = [f for f in found if f[0] == kind and round(f[2], 12) > 0]
        ranked = sorted(costly, key=lambda f: (-round(f[2], 12), f[1]))
        for rank, (_, element, loss, hurt) in enumerate(ranked[:TOP_CRITICAL], start=1):
            records.append(
                {
                    "kind": kind,
                    "rank": rank,
                    "element": element,
                    "availability_loss": _num(loss),
                    "chains_hurt": ", ".join(hurt),
                }
            )
    return records


def _satellites_lost(
    contexts: list[StepContext],
    uses: list[_RouteUse],
    sats: list[int],
    base_ok: np.ndarray,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Reachability ``(sats, legs, steps)`` with each satellite lost for the whole window.

    At each instant every satellite on one of its routes is evaluated (one batch of destroyed sets);
    the others too where the instant is ``open_to_all``. Elsewhere a lost satellite off the routes
    leaves each route's own links in place - satellite links and a threat's links end at satellites
    still alive, a node that sees fewer satellites only frees some of its ``max_links`` - so every
    leg stays reachable."""
    ok = np.repeat(base_ok[None], len(sats), axis=0)
    index = np.array(sats, int)
    for k, (context, use) in enumerate(zip(contexts, uses, strict=True)):
        if cancelled is not None and cancelled():
            raise Cancelled
        rows = np.arange(len(sats)) if use.open_to_all else np.flatnonzero(np.isin(index, list(use.vertices)))
        for b0 in range(0, len(rows), WINDOW_BATCH):
            batch = rows[b0 : b0 + WINDOW_BATCH]
            destroyed = np.zeros((len(batch), context.n_sats), bool)
            destroyed[np.arange(len(batch)), index[batch]] = True
            ok[batch, :, k] = np.isfinite([state.latency_ms for state in context.evaluate(destroyed)])
    return ok


def _places(network: Network) -> np.ndarray:
    """Each graph vertex's place: a satellite's own index, a node's *out* vertex for both its vertices,
    a threat chain's own vertices (after the nodes') themselves."""
    places = np.arange(network.n_vertices)
    node_vertices = slice(network.n_sats, network.n_sats + len(network.vertex_node))
    places[node_vertices] = network.node_out[network.vertex_node]
    return places


def _without(
    contexts: list[StepContext],
    uses: list[_RouteUse],
    base_ok: np.ndarray,
    places: np.ndarray,
    vertices: set[int] | None = None,
    link: tuple[int, int] | None = None,
) -> np.ndarray:
    """Reachability ``(legs, steps)`` with a node's vertices or one link taken out of every graph;
    only the instants whose routes used them are routed again (taking edges out of a graph leaves
    every other route, and every unreachable leg, as it was); ``places`` is ``_places`` of the network."""
    cut = list(vertices or ())
    ok = base_ok.copy()
    for k, (context, use) in enumerate(zip(contexts, uses, strict=True)):
        if not (use.vertices.intersection(cut) if vertices is not None else link in use.links):
            continue
        edges, lengths = context.base_edges()
        if vertices is not None:
            keep = ~np.isin(edges, cut).any(axis=1)
        else:
            ends = np.sort(places[edges], axis=1)
            keep = (ends[:, 0] != link[0]) | (ends[:, 1] != link[1])
        ok[:, k] = [np.isfinite(r.latency_ms) for r in context.route_edges(edges[keep], lengths[keep])]
    return ok


# ---------------------------------------------------------------------------------------- redundancy
def disjoint_paths(context: StepContext, leg_index: int, stretch: float = REDUNDANCY_STRETCH) -> int:
    """Node-disjoint paths of one leg no longer than ``stretch`` times its shortest route.

    The graph is cut down to the vertices that lie on some path within the bound
    (``d(source, v) + d(v, target) <= stretch * shortest``); networkx finds a maximum set of
    node-disjoint paths there (max-flow), and the paths within the bound are counted. A leg with one
    path counts 1; an unreachable leg 0."""
    route = context.base.routes[leg_index]
    if not route.path:
        return 0
    net = context.net
    edges, weights = context.base_edges()
    graph = build_graph(net.n_vertices, edges, np.maximum(weights, MIN_EDGE_KM))
    src, dst = context.endpoints[leg_index]
    alive = context.base.alive
    starts = [v for v in src.vertices if v >= net.n_sats or alive[v]]
    ends = [v for v in dst.vertices if v >= net.n_sats or alive[v]]
    d_from = dijkstra(graph, indices=starts, min_only=True)
    d_to = dijkstra(graph.T.tocsr(), indices=ends, min_only=True)
    bound = stretch * route.length_km + 1e-6
    inside = d_from + d_to <= bound
    keep = inside[edges[:, 0]] & inside[edges[:, 1]]
    import networkx as nx  # noqa: PLC0415 - only a study needs it, not the app's start-up

    g = nx.DiGraph()
    g.add_weighted_edges_from(
        zip(edges[keep, 0].tolist(), edges[keep, 1].tolist(), weights[keep].tolist(), strict=True)
    )
    source, target = _terminal(g, starts, "source", True), _terminal(g, ends, "target", False)
    if source not in g or target not in g:
        return 0
    count = 0
    for path in nx.node_disjoint_paths(g, source, target):
        length = sum(g[a][b]["weight"] for a, b in zip(path, path[1:], strict=False))
        count += length <= bound
    return count


def _terminal(g: nx.DiGraph, vertices: list[int], name: str, leaving: bool):
    """The vertex a search starts or ends at; several are joined to one extra vertex by zero edges."""
    present = [v for v in vertices if v in g]
    if len(present) == 1:
        return present[0]
    for v in present:
        g.add_edge(name, v, weight=0.0) if leaving else g.add_edge(v, name, weight=0.0)
    return name


def redundancy_records(contexts: list[StepContext], network: Network, instants: int) -> list[dict]:
    """Per leg: node-disjoint paths within 1.5x the shortest, at up to ``instants`` evenly spread
    instants of the window (min, median and max over them), and at how many of them the leg had no
    route at all (0 paths: no sensor holds custody of a threat, an end sees no satellite, or the mesh
    is split). A threat's leg counts its paths from the sensors holding custody at each instant."""
    picks = np.unique(np.linspace(0, len(contexts) - 1, min(instants, len(contexts))).round().astype(int))
    records = []
    for li, leg in enumerate(network.legs):
        counts = np.array([disjoint_paths(contexts[k], li) for k in picks])
        records.append(
            {
                "chain": leg.chain,
                "leg": leg.index,
                "from": leg.src,
                "to": leg.dst,
                "instants": len(picks),
                "disjoint_min": int(counts.min()),
                "disjoint_median": _num(float(np.median(counts))),
                "disjoint_max": int(counts.max()),
                "unreachable": sum(not contexts[k].base.routes[li].path for k in picks),
            }
        )
    return records


# ---------------------------------------------------------------------------------------- entry point
def study_times(network: Network, options: ResilienceOptions) -> np.ndarray:
    return network.default_times() if options.times is None else np.asarray(options.times, float)


def run_resilience(
    scenario: Scenario,
    base_dir: str | Path,
    options: ResilienceOptions,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    run_chunks: Callable | None = None,
) -> ResilienceResult:
    """The whole study. ``progress(trials_done, trials)``; ``cancelled()`` stops it (raises
    ``Cancelled``); ``run_chunks`` (see ``analysis.distributed``) runs the trials elsewhere and
    returns their latencies in trial order."""
    if not options.events:
        scenario = scenario.model_copy(update={"events": []})
    network = Network(scenario, base_dir)
    times = study_times(network, options)
    contexts = contexts_for(network, times)
    _, units = attack_units(network, options.mode)
    counts = level_counts(options.levels, len(units))
    trials = list(range(options.trials))
    if run_chunks is not None:
        latency = run_chunks(scenario, Path(base_dir), options, progress, cancelled)
    else:
        latency = sweep_trials(
            contexts, units, counts, options.mode, options.seed, trials, progress, cancelled
        )
    base = np.stack([c.base.latency_ms for c in contexts], axis=1)
    result = ResilienceResult(scenario.name, options, [c.name for c in scenario.chains])
    result.trial_latency_ms = latency
    result.destroyed_counts = counts
    result.attrition = attrition_records(latency, network, options, counts)
    result.outage = outage_records(contexts, network, base)
    result.concentration = concentration_records(contexts, network)
    result.critical = critical_records(contexts, network, base, cancelled)
    result.redundancy = redundancy_records(contexts, network, options.redundancy_instants)
    return result


_worker_study: dict[tuple, tuple] = {}  # the last study a worker process prepared, reused by its chunks


def chunk_latency(
    scenario_json: str, base_dir: str, options: ResilienceOptions, trials: list[int]
) -> np.ndarray:
    """One chunk of trials (a Dask task): the same numbers as the local sweep. A worker prepares the
    network and the window's contexts once per study and keeps them for its next chunks."""
    key = (scenario_json, base_dir, options.times, options.mode, options.levels, options.events)
    if key not in _worker_study:
        scenario = Scenario.model_validate_json(scenario_json)
        if not options.events:
            scenario = scenario.model_copy(update={"events": []})
        network = Network(scenario, base_dir)
        contexts = contexts_for(network, study_times(network, options))
        _, units = attack_units(network, options.mode)
        _worker_study.clear()
        _worker_study[key] = (contexts, units, level_counts(options.levels, len(units)))
    contexts, units, counts = _worker_study[key]
    return sweep_trials(contexts, units, counts, options.mode, options.seed, trials)
