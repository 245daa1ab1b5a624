"""A report's pictures as PNG bytes, drawn with matplotlib's Agg canvas (no Qt, no display).

The latency plot with each chain's budget line and its over-budget spans shaded, one availability
strip per chain (within budget / over budget / unreachable over the window), and a map of the
chains' routes over the Blue Marble.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from ..engine import Network, TimeSeries
from .report import ChainReport, Report, step_durations, true_runs

DPI = 110
MAP_INSTANTS = 12  # instants of the window whose routes the map draws thinly
WITHIN_COLOR, OVER_COLOR, DOWN_COLOR = "#2e7d32", "#f9a825", "#c62828"
OUTAGE_SHADE = "#9e9e9e"


@dataclass
class ReportFigures:
    """PNG pictures of a report: overview plots, a map, and each chain's own plots by name."""

    latency: bytes
    availability: bytes
    map: bytes
    chain_latency: dict[str, bytes] = field(default_factory=dict)
    chain_availability: dict[str, bytes] = field(default_factory=dict)


def ink(color: str) -> tuple[float, float, float]:
    """A chain colour dark enough to read on white paper (bright ones are scaled down)."""
    rgb = np.array(to_rgb(color))
    lightness = float(rgb @ [0.2126, 0.7152, 0.0722])
    return tuple(rgb * min(1.0, 0.45 / lightness)) if lightness > 0 else tuple(rgb)


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _minutes_axis(ax, series: TimeSeries, step_s: float, start_utc: str) -> None:
    t = np.asarray(series.t_s, dtype=float)
    ax.set_xlim(t[0] / 60.0, (t[-1] + step_s) / 60.0)
    ax.set_xlabel(f"minutes after {start_utc}")


def latency_png(
    series: TimeSeries, chains: list[ChainReport], step_s: float, start_utc: str, outages: bool = False
) -> bytes:
    """End-to-end latency of ``chains``; budgets dashed, spans over budget (and outages) shaded."""
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax = fig.add_subplot()
    minutes = np.asarray(series.t_s, dtype=float) / 60.0
    handles = []
    for chain in chains:
        color = ink(chain.color)
        (line,) = ax.plot(
            minutes, series.chain_latency_ms(chain.name), color=color, lw=1.4, marker=".", ms=2.5
        )
        line.set_label(chain.name)
        handles.append(line)
        if chain.budget_ms is not None:
            ax.axhline(chain.budget_ms, color=color, ls="--", lw=1.0)
        for span in chain.over_budget:
            ax.axvspan(span.start_s / 60.0, span.end_s / 60.0, color=color, alpha=0.13, lw=0)
        for span in chain.outages if outages else ():
            ax.axvspan(span.start_s / 60.0, span.end_s / 60.0, color=OUTAGE_SHADE, alpha=0.45, lw=0)
    if any(c.budget_ms is not None for c in chains):
        handles += [
            Line2D([], [], color="0.3", ls="--", lw=1.0, label="budget"),
            Patch(color=ink(chains[0].color) if len(chains) == 1 else "0.3", alpha=0.15, label="over budget"),
        ]
    if outages and any(c.outages for c in chains):
        handles.append(Patch(color=OUTAGE_SHADE, alpha=0.45, label="unreachable"))
    _minutes_axis(ax, series, step_s, start_utc)
    ax.set_ylabel("end-to-end latency (ms)")
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, loc="upper left", fontsize=8, ncols=min(len(handles), 5), framealpha=0.9)
    return _png(fig)


def chain_states(series: TimeSeries, chain: ChainReport) -> np.ndarray:
    """Per step: 2 within budget (or reachable when there is no budget), 1 over budget, 0 unreachable."""
    latency = series.chain_latency_ms(chain.name)
    reachable = np.isfinite(latency)
    if chain.budget_ms is None:
        return np.where(reachable, 2, 0)
    return np.where(~reachable, 0, np.where(np.nan_to_num(latency) <= chain.budget_ms, 2, 1))


def availability_png(series: TimeSeries, chains: list[ChainReport], step_s: float, start_utc: str) -> bytes:
    """One horizontal strip per chain over the window, coloured by its state at each step."""
    fig = Figure(figsize=(10, 0.9 + 0.55 * len(chains)), layout="constrained")
    ax = fig.add_subplot()
    t = np.asarray(series.t_s, dtype=float)
    ends = t + step_durations(t, step_s)
    colors = (DOWN_COLOR, OVER_COLOR, WITHIN_COLOR)
    for row, chain in enumerate(chains):
        states = chain_states(series, chain)
        for state, color in enumerate(colors):
            spans = [(t[a] / 60.0, (ends[b - 1] - t[a]) / 60.0) for a, b in true_runs(states == state)]
            ax.broken_barh(spans, (row - 0.35, 0.7), facecolors=color)
    ax.set_yticks(range(len(chains)), [f"{c.name}\n{c.availability:.1%} reachable" for c in chains])
    ax.set_ylim(max(len(chains), 1) - 0.5, -0.5)
    ax.tick_params(axis="y", labelsize=8)
    _minutes_axis(ax, series, step_s, start_utc)
    legend = [Patch(color=WITHIN_COLOR, label="within budget"), Patch(color=OVER_COLOR, label="over budget")]
    legend.append(Patch(color=DOWN_COLOR, label="unreachable"))
    fig.legend(handles=legend, loc="outside upper right", ncols=3, fontsize=8, frameon=False)
    return _png(fig)


# ---------------------------------------------------------------------------- map
def lon_lat(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geocentric longitude and latitude (degrees) of Earth-fixed points ``(..., 3)``."""
    xyz = np.asarray(xyz, dtype=float)
    r = np.linalg.norm(xyz, axis=-1)
    return np.degrees(np.arctan2(xyz[..., 1], xyz[..., 0])), np.degrees(np.arcsin(xyz[..., 2] / r))


def ground_track(points: np.ndarray, step_deg: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes along the great circles joining ``points`` (km, Earth-fixed).

    A NaN is put where the track crosses the date line, so a plotted line breaks there.
    """
    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    pieces = []
    for p, q in zip(unit[:-1], unit[1:], strict=True):
        angle = float(np.arccos(np.clip(p @ q, -1.0, 1.0)))
        f = np.linspace(0.0, 1.0, max(2, int(np.degrees(angle) / step_deg) + 2))[:, None]
        if angle < 1e-9:
            pieces.append(np.repeat(p[None], len(f), axis=0))
        else:
            pieces.append((np.sin((1 - f) * angle) * p + np.sin(f * angle) * q) / np.sin(angle))
    lon, lat = lon_lat(np.concatenate(pieces) if pieces else unit)
    jumps = np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1
    return np.insert(lon, jumps, np.nan), np.insert(lat, jumps, np.nan)


def _map_instants(series: TimeSeries) -> np.ndarray:
    t = np.asarray(series.t_s, dtype=float)
    return t[np.unique(np.linspace(0, len(t) - 1, min(len(t), MAP_INSTANTS)).round().astype(int))]


LABEL_PLACES = ((5, 4, "left"), (5, -12, "left"), (-5, 4, "right"), (-5, -12, "right"))


def _label_nodes(fig: Figure, ax, names: list[str], lon: np.ndarray, lat: np.ndarray) -> None:
    """Node names beside their markers, each on the first side where it stays inside the map and
    overlaps no other label or marker (greedy, in node order)."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    markers = [
        Bbox.from_bounds(*(ax.transData.transform((x, y)) - 5), 10, 10) for x, y in zip(lon, lat, strict=True)
    ]
    placed: list = []
    frame = ax.get_window_extent(renderer)
    outline = [patheffects.withStroke(linewidth=2.5, foreground="black")]
    for i, (name, x, y) in enumerate(zip(names, lon, lat, strict=True)):
        others = placed + markers[:i] + markers[i + 1 :]
        for k, (dx, dy, align) in enumerate(LABEL_PLACES):
            text = ax.annotate(
                name,
                (x, y),
                (dx, dy),
                textcoords="offset points",
                ha=align,
                color="white",
                fontsize=8,
                path_effects=outline,
            )
            box = text.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if k == len(LABEL_PLACES) - 1 or (inside and not any(box.overlaps(other) for other in others)):
                placed.append(box)
                break
            text.remove()


def map_png(
    network: Network, series: TimeSeries, report: Report, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """Routes of every chain over the Blue Marble: bold at the first step, thin at instants across
    the window; satellites at the first step in their constellation colours, nodes labelled.

    Bold routes are drawn widest for the first chain, so chains that share a leg show as stripes."""
    from ..render.earth import blue_marble_texture

    fig = Figure(figsize=(12, 6.4), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(blue_marble_texture(), extent=(-180, 180, -90, 90), origin="upper", interpolation="antialiased")
    chains = [c.name for c in network.scenario.chains]
    colors = {c.name: c.color for c in network.scenario.chains}
    instants = _map_instants(series)
    for k, t in enumerate(instants):
        snap = network.snapshot(float(t))
        if k == 0:
            first = snap
        for route in snap.routes:
            if route.reachable:
                lon, lat = ground_track(snap.vertex_positions(route.path))
                ax.plot(lon, lat, color=colors[route.leg.chain], lw=0.7, alpha=0.45)
        if progress is not None:
            progress(k + 1, len(instants))
    for route in first.routes:
        if route.reachable:
            rank = len(chains) - 1 - chains.index(route.leg.chain)
            lon, lat = ground_track(first.vertex_positions(route.path))
            ax.plot(lon, lat, color=colors[route.leg.chain], lw=2.0 + 1.8 * rank, zorder=3 - 0.01 * rank)
    sat_colors = np.array([to_rgb(c.color) for c in network.scenario.constellations]).reshape(-1, 3)
    active = first.sat_active
    lon, lat = lon_lat(first.sat_pos[active])
    ax.scatter(lon, lat, s=1.2, c=sat_colors[network.sats.constellation[active]], alpha=0.7, lw=0)
    lon, lat = lon_lat(first.node_pos)
    for node, x, y in zip(network.scenario.nodes, lon, lat, strict=True):
        ax.plot(x, y, "o", ms=6, mfc=node.color or "#ffffff", mec="black", mew=0.8, zorder=4)
    ax.legend(
        handles=[Line2D([], [], color=c.color, lw=2.2, label=c.name) for c in report.chains],
        loc="lower left",
        fontsize=8,
        framealpha=0.85,
    )
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xticks(range(-180, 181, 60))
    ax.set_yticks(range(-90, 91, 30))
    ax.tick_params(labelsize=8)
    ax.set_title(
        f"Routes at {report.scenario.start_utc} (bold) and at {len(instants)} instants to "
        f"{report.scenario.end_utc} (thin)",
        fontsize=9,
    )
    _label_nodes(fig, ax, [n.name for n in network.scenario.nodes], lon, lat)
    return _png(fig)


def draw_figures(
    network: Network,
    series: TimeSeries,
    report: Report,
    progress: Callable[[int, int], None] | None = None,
) -> ReportFigures:
    """Every picture of the HTML report; ``progress(done, total)`` counts pictures and map instants."""
    step_s, start = network.scenario.time.step_s, report.scenario.start_utc
    chains = report.chains
    total = 2 + 2 * len(chains) + len(_map_instants(series))
    counter = iter(range(1, total + 1))

    def tick(*_) -> None:
        done = next(counter)
        if progress is not None:
            progress(done, total)

    latency = latency_png(series, chains, step_s, start)
    tick()
    availability = availability_png(series, chains, step_s, start)
    tick()
    per_chain_latency, per_chain_availability = {}, {}
    for chain in chains:
        per_chain_latency[chain.name] = latency_png(series, [chain], step_s, start, outages=True)
        tick()
        per_chain_availability[chain.name] = availability_png(series, [chain], step_s, start)
        tick()
    world = map_png(network, series, report, tick)
    return ReportFigures(latency, availability, world, per_chain_latency, per_chain_availability)
