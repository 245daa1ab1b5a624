"""Kill-chain reports: availability, latency budgets, outage intervals, path changes, operators.

``build_report(network, series)`` turns one engine time series into a :class:`Report`; the CLI's
``report`` verb and the app both call it, and ``report_output`` writes it as HTML, JSON or Markdown.

Time weighting: each step stands for the interval up to the next step, the last one for one
scenario step. With the scenario's uniform steps a share of the window is a share of the steps, and
an outage of ``k`` steps lasts ``k`` step lengths. Latency statistics are over the reachable steps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from ..engine import Network, TimeSeries
from ..scenario import Constellation, KillChain, Node, Scenario, WalkerSource

UNREACHABLE = "unreachable"  # the outage reason when the engine gives none
OVER_BUDGET = "over_budget"
UNNAMED_OPERATOR = "(no operator)"

Reasons = Sequence[Sequence[str | None]]  # [leg][step] -> why the leg is unreachable, None if reachable


@dataclass(frozen=True)
class Interval:
    """A span of the window, ``[start_s, end_s)`` in seconds after the scenario start."""

    start_s: float
    end_s: float
    duration_s: float
    reason: str
    legs: tuple[str, ...] = ()  # the legs that were unreachable in it ("A -> B")


@dataclass(frozen=True)
class LegPaths:
    """How often a leg's route changed: reroutes between consecutive reachable steps."""

    leg: str
    changes: int
    mean_path_lifetime_s: float | None  # mean span one path was kept, None if never reachable
    distinct_paths: int


@dataclass(frozen=True)
class OperatorUse:
    """An operator whose satellites carried the chain, and the share of its reachable time."""

    operator: str
    constellations: tuple[str, ...]
    share_of_reachable: float


@dataclass(frozen=True)
class ChainReport:
    name: str
    color: str
    nodes: tuple[str, ...]
    budget_ms: float | None
    availability: float  # share of the window with every leg reachable
    within_budget: float | None  # share of the window reachable and at or under budget
    median_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    outages: list[Interval]
    over_budget: list[Interval]
    legs: list[LegPaths]
    operators: list[OperatorUse]


@dataclass(frozen=True)
class ConstellationSummary:
    name: str
    operator: str
    satellites: int
    source: str
    terminal: str
    sensor: bool


@dataclass(frozen=True)
class NodeSummary:
    name: str
    role: str
    platform: str
    location: str


@dataclass(frozen=True)
class ScenarioSummary:
    name: str
    description: str
    start_utc: str
    end_utc: str  # the last step
    step_s: float
    steps: int
    constellations: list[ConstellationSummary]
    nodes: list[NodeSummary]
    events: list[str] = field(default_factory=list)  # threats and events, when the format has them


@dataclass(frozen=True)
class Report:
    scenario: ScenarioSummary
    chains: list[ChainReport]
    generated_utc: str
    reasons_known: bool  # outage reasons came from the engine (else every reason is "unreachable")
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain JSON-ready data; field names carry their units (``_s``, ``_ms``, shares 0..1)."""
        return dataclasses.asdict(self)


# ---------------------------------------------------------------------------- building blocks
def step_durations(t_s: np.ndarray, step_s: float) -> np.ndarray:
    """Seconds each step stands for: up to the next step; the last one ``step_s``."""
    t = np.asarray(t_s, dtype=float)
    return np.append(np.diff(t), step_s) if len(t) else np.zeros(0)


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(first, stop)`` index pairs of the runs of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate(([0], np.asarray(mask, dtype=np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _interval(t: np.ndarray, ends: np.ndarray, first: int, stop: int, reason: str, legs=()) -> Interval:
    start, end = float(t[first]), float(ends[stop - 1])
    return Interval(start, end, end - start, reason, tuple(legs))


def outage_intervals(
    t_s: np.ndarray,
    reachable: np.ndarray,
    step_s: float,
    reasons: Reasons | None = None,
    leg_names: Sequence[str] | None = None,
) -> list[Interval]:
    """Maximal spans in which any leg is unreachable (``reachable`` is ``(legs, T)`` bool).

    An interval's reason lists the distinct reasons of its unreachable legs and steps in order of
    first appearance (``reasons[leg][step]``); without ``reasons``, or where one is missing, the
    reason is "unreachable". ``legs`` names the legs that were down (``leg_names``, default "leg N").
    """
    t = np.asarray(t_s, dtype=float)
    ok = np.atleast_2d(np.asarray(reachable, dtype=bool))
    names = list(leg_names) if leg_names is not None else [f"leg {i + 1}" for i in range(len(ok))]
    ends = t + step_durations(t, step_s)
    out = []
    for first, stop in true_runs(~ok.all(axis=0)):
        why: dict[str, None] = {}
        down: dict[str, None] = {}
        for ti in range(first, stop):
            for li in np.flatnonzero(~ok[:, ti]):
                why[(reasons[li][ti] if reasons is not None else None) or UNREACHABLE] = None
                down[names[li]] = None
        out.append(_interval(t, ends, first, stop, "; ".join(why), sorted(down, key=names.index)))
    return out


def over_budget_intervals(
    t_s: np.ndarray, latency_ms: np.ndarray, budget_ms: float, step_s: float
) -> list[Interval]:
    """Maximal spans in which the chain is reachable and its latency is above ``budget_ms``."""
    t = np.asarray(t_s, dtype=float)
    ends = t + step_durations(t, step_s)
    over = np.isfinite(latency_ms) & (np.nan_to_num(latency_ms, nan=-np.inf) > budget_ms)
    return [_interval(t, ends, first, stop, OVER_BUDGET) for first, stop in true_runs(over)]


def path_changes(
    paths: Sequence[tuple[str, ...]], t_s: np.ndarray, step_s: float
) -> tuple[int, float | None]:
    """Reroutes of one leg and the mean path lifetime in seconds (None if never reachable).

    ``paths[t]`` is the leg's path (empty when unreachable). A change is two consecutive reachable
    steps with different paths; a path's lifetime is a run of consecutive steps with the same path
    (an outage ends it; runs cut by the window's edges count as they are seen).
    """
    durations = step_durations(t_s, step_s)
    changes, lifetimes = 0, []
    previous: tuple[str, ...] = ()
    for path, dt in zip(paths, durations, strict=True):
        if path and path == previous:
            lifetimes[-1] += dt
        elif path:
            changes += bool(previous)
            lifetimes.append(dt)
        previous = tuple(path)
    return changes, (float(np.mean(lifetimes)) if lifetimes else None)


def latency_statistics(latency_ms: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Median, 95th percentile (linear interpolation) and maximum over the finite values."""
    values = np.asarray(latency_ms, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return None, None, None
    return float(np.median(values)), float(np.percentile(values, 95)), float(values.max())


def leg_label(src: str, dst: str) -> str:
    return f"{src} -> {dst}"


# ---------------------------------------------------------------------------- the report
def satellite_constellations(network: Network) -> dict[str, Constellation]:
    """Satellite name -> its constellation."""
    constellations = network.scenario.constellations
    return {
        name: constellations[int(ci)]
        for name, ci in zip(network.sats.names, network.sats.constellation, strict=True)
    }


def _operators(paths_by_leg: list, reachable: np.ndarray, durations: np.ndarray, owner: dict) -> list:
    """Operators whose satellites were on the chain's paths, with their share of its reachable time."""
    used: dict[str, np.ndarray] = {}
    constellations: dict[str, dict[str, None]] = {}
    for paths in paths_by_leg:
        for ti, path in enumerate(paths):
            for name in path:
                if (c := owner.get(name)) is None:
                    continue
                operator = c.operator or UNNAMED_OPERATOR
                used.setdefault(operator, np.zeros(len(durations), bool))[ti] = True
                constellations.setdefault(operator, {})[c.name] = None
    total = float(durations[reachable].sum())
    if total == 0:
        return []
    out = [
        OperatorUse(op, tuple(constellations[op]), float(durations[mask & reachable].sum()) / total)
        for op, mask in used.items()
    ]
    return sorted(out, key=lambda u: (-u.share_of_reachable, u.operator))


def _chain_report(
    network: Network, series: TimeSeries, chain: KillChain, owner: dict, reasons: Reasons | None
) -> ChainReport:
    """The numbers of one chain; ``owner`` maps satellite names to constellations."""
    step_s = network.scenario.time.step_s
    rows = [i for i, leg in enumerate(series.legs) if leg.chain == chain.name]
    names = [leg_label(series.legs[i].src, series.legs[i].dst) for i in rows]
    durations = step_durations(series.t_s, step_s)
    total = float(durations.sum())
    latency = series.chain_latency_ms(chain.name)
    reachable = np.isfinite(latency)
    within = None
    over: list[Interval] = []
    if chain.budget_ms is not None:
        within = float(durations[reachable & (np.nan_to_num(latency) <= chain.budget_ms)].sum()) / total
        over = over_budget_intervals(series.t_s, latency, chain.budget_ms, step_s)
    legs = []
    for i, name in zip(rows, names, strict=True):
        changes, lifetime = path_changes(series.paths[i], series.t_s, step_s)
        distinct = len({p for p in series.paths[i] if p})
        legs.append(LegPaths(name, changes, lifetime, distinct))
    median, p95, peak = latency_statistics(latency)
    return ChainReport(
        name=chain.name,
        color=chain.color,
        nodes=tuple(chain.nodes),
        budget_ms=chain.budget_ms,
        availability=float(durations[reachable].sum()) / total,
        within_budget=within,
        median_ms=median,
        p95_ms=p95,
        max_ms=peak,
        outages=outage_intervals(
            series.t_s,
            series.reachable[rows],
            step_s,
            None if reasons is None else [reasons[i] for i in rows],
            names,
        ),
        over_budget=over,
        legs=legs,
        operators=_operators([series.paths[i] for i in rows], reachable, durations, owner),
    )


def _source_text(c: Constellation) -> str:
    s = c.source
    if isinstance(s, WalkerSource):
        height = (
            f"{s.altitude_km:g} km" if s.altitude_km is not None else f"{s.mean_motion_rev_per_day:g} rev/day"
        )
        return f"Walker {s.pattern} {s.planes} x {s.sats_per_plane}, {s.inclination_deg:g} deg, {height}"
    return f"{s.kind.upper()} file {s.path}"


def _location_text(node: Node) -> str:
    if node.waypoints is not None:
        return f"moving, {len(node.waypoints)} waypoints"
    p = node.position
    north, east = "N" if p.lat_deg >= 0 else "S", "E" if p.lon_deg >= 0 else "W"
    return f"{abs(p.lat_deg):.2f} {north}, {abs(p.lon_deg):.2f} {east}"


def _describe(item) -> str:
    """One line for a threat or event of any shape: its fields as ``key=value``."""
    data = item.model_dump(mode="json", exclude_none=True) if hasattr(item, "model_dump") else item
    if not isinstance(data, dict):
        return str(data)
    return ", ".join(f"{k}={v}" for k, v in data.items())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def scenario_summary(network: Network, series: TimeSeries) -> ScenarioSummary:
    scenario: Scenario = network.scenario
    window = scenario.time
    t = np.asarray(series.t_s, dtype=float)
    constellations = [
        ConstellationSummary(
            c.name, c.operator, len(network.sats.ranges[i]), _source_text(c), c.terminal, c.sensor
        )
        for i, c in enumerate(scenario.constellations)
    ]
    nodes = [NodeSummary(n.name, n.role, n.platform, _location_text(n)) for n in scenario.nodes]
    events = [
        f"{kind[:-1]}: {_describe(item)}"
        for kind in ("threats", "events")
        for item in (getattr(scenario, kind, None) or [])
    ]
    return ScenarioSummary(
        name=scenario.name,
        description=scenario.description,
        start_utc=_iso(window.start),
        end_utc=_iso(window.start + timedelta(seconds=float(t[-1]))),
        step_s=window.step_s,
        steps=len(t),
        constellations=constellations,
        nodes=nodes,
        events=events,
    )


def build_report(network: Network, series: TimeSeries, reasons: Reasons | None = None) -> Report:
    """The report of ``series`` (computed by ``network.run``) for every chain of the scenario.

    ``reasons[leg][step]`` (legs in ``series.legs`` order) says why a leg is unreachable, e.g.
    "no_custody", "no_access", "no_path", and is None where it is reachable; without it every outage
    reason reads "unreachable".
    """
    if len(series.t_s) == 0:
        raise ValueError("the time series has no steps")
    owner = satellite_constellations(network)
    return Report(
        scenario=scenario_summary(network, series),
        chains=[_chain_report(network, series, c, owner, reasons) for c in network.scenario.chains],
        generated_utc=_iso(datetime.now(UTC).replace(microsecond=0)),
        reasons_known=reasons is not None,
        warnings=list(series.warnings),
    )
