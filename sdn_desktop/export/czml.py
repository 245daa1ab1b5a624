"""A scenario as CZML (czml3) for a stock Cesium viewer, every number from the engine.

- satellites: positions sampled every ``sample_step_s`` (Earth-fixed, or inertial ICRF), Lagrange
  interpolation; points in their constellation's colour;
- nodes: fixed positions, or moving ones sampled like the satellites (linear interpolation);
- links (inter-satellite, cross-vendor, ground): one polyline per pair of ends ever linked, its
  ``show`` a list of intervals merged over the steps: the engine's link set at step ``t_k`` holds
  from ``t_k`` to ``t_k+1`` (the last step for one step);
- routes: one polyline per chain leg, its ``availability`` the intervals in which the leg is
  reachable and its positions the path of each interval in which the path stays the same; one
  packet per chain (the legs' parent) whose availability is the chain's (every leg reachable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from czml3 import Document, Packet
from czml3.enums import ArcTypes, ClockRanges, ClockSteps, InterpolationAlgorithms, ReferenceFrames
from czml3.properties import (
    Clock,
    Color,
    Label,
    Point,
    Polyline,
    PolylineMaterial,
    Position,
    PositionList,
    SolidColorMaterial,
)
from czml3.types import IntervalValue, TimeInterval, TimeIntervalCollection
from skyfield.framelib import itrs

from ..engine import Network
from ..engine.frames import timescale
from ..engine.network import BATCH_STEPS
from ..styles import node_color

FRAMES = ("fixed", "inertial")
LAGRANGE_DEGREE = 5
# the globe's styles (render/view.py), repeated here: this package must not import VisPy
CROSS_LINK_RGBA = [219, 199, 255, 110]
GROUND_LINK_RGBA = [158, 250, 158, 140]
ISL_ALPHA = 90
LINK_KINDS = ("isl", "cross", "ground")


def iso(t: datetime) -> str:
    """ISO 8601 UTC with ``Z``, without a fraction when there is none (shorter files)."""
    text = t.isoformat(timespec="microseconds" if t.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def rgba(color: str, alpha: int = 255) -> list[int]:
    return [int(color[i : i + 2], 16) for i in (1, 3, 5)] + [alpha]


def reference(packet_id: str, prop: str = "position") -> str:
    """A CZML reference ``id#property``, with ``\\`` and ``#`` in the id escaped."""
    return packet_id.replace("\\", "\\\\").replace("#", "\\#") + "#" + prop


def runs(steps) -> list[tuple[int, int]]:
    """Sorted step indices as runs of consecutive steps ``(first, last)``."""
    out: list[tuple[int, int]] = []
    for k in map(int, steps):
        if out and out[-1][1] == k - 1:
            out[-1] = (out[-1][0], k)
        else:
            out.append((k, k))
    return out


def link_spans(keys_per_step: list[np.ndarray]) -> list[tuple[int, tuple[tuple[int, int], ...]]]:
    """Each link key ever present, with the runs of steps in which it is, in key order."""
    if not keys_per_step:
        return []
    keys = np.concatenate(keys_per_step)
    steps = np.repeat(np.arange(len(keys_per_step)), [len(k) for k in keys_per_step])
    order = np.lexsort((steps, keys))
    keys, steps = keys[order], steps[order]
    unique, starts = np.unique(keys, return_index=True)
    bounds = np.r_[starts, len(keys)]
    return [(int(key), tuple(runs(steps[bounds[i] : bounds[i + 1]]))) for i, key in enumerate(unique)]


@dataclass
class StepRecord:
    """What the engine gave at every step: link keys per kind and each leg's path (vertex tuples)."""

    links: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in LINK_KINDS})
    paths: list[list[tuple[int, ...]]] = field(default_factory=list)  # [leg][step], () when unreachable


def record_steps(
    network: Network, times: np.ndarray, progress: Callable[[int, int], None] | None = None
) -> StepRecord:
    """Links and routes of every step, through ``Network.propagate`` and ``Network.step``."""
    out = StepRecord(paths=[[] for _ in network.legs])
    n, n_t = network.n_sats, len(times)
    for b0 in range(0, n_t, BATCH_STEPS):
        chunk = times[b0 : b0 + BATCH_STEPS]
        pos, active, gmst = network.propagate(chunk)
        for k, t in enumerate(chunk):
            snap = network.step(float(t), pos[:, k], active[:, k], gmst[k])
            for kind, pairs in (("isl", snap.isl), ("cross", snap.cross), ("ground", snap.ground)):
                pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
                if kind != "ground":
                    pairs = np.sort(pairs, axis=1)
                out.links[kind].append(pairs[:, 0] * n + pairs[:, 1])
            for li, route in enumerate(snap.routes):
                out.paths[li].append(tuple(route.path) if route.reachable else ())
            if progress is not None:
                progress(b0 + k + 1, n_t)
    return out


class CzmlBuilder:
    """Packets of one scenario over one time grid."""

    def __init__(self, network: Network, times: np.ndarray, sample_step_s: float, frame: str):
        if frame not in FRAMES:
            raise ValueError(f"frame '{frame}': expected one of {', '.join(FRAMES)}")
        self.net = network
        self.times = np.asarray(times, float)
        self.start = network.scenario.time.start
        step = float(np.diff(self.times[-2:])[0]) if len(self.times) > 1 else network.scenario.time.step_s
        self.ends = np.r_[self.times[1:], self.times[-1] + step]  # step k holds until ends[k]
        last = float(self.times[-1])
        sample_step_s = min(sample_step_s, max(last - self.times[0], 1e-3) / LAGRANGE_DEGREE)
        count = int(np.ceil((last - self.times[0]) / sample_step_s - 1e-9)) + 1
        self.sample_t = np.minimum(self.times[0] + np.arange(count) * sample_step_s, last)
        self.frame = frame
        self.sat_ids = [f"sat/{name}" for name in network.sats.names]
        self.node_ids = [f"node/{node.name}" for node in network.scenario.nodes]
        self._iso: dict[float, str] = {}
        self._interval_values: dict[tuple, IntervalValue] = {}
        self._shows: dict[tuple, TimeIntervalCollection] = {}
        self._materials: dict[tuple, PolylineMaterial] = {}

    def at(self, t_s: float) -> str:
        t_s = float(t_s)
        if t_s not in self._iso:
            self._iso[t_s] = iso(self.start + timedelta(seconds=t_s))
        return self._iso[t_s]

    def interval(self, first: int, last: int) -> tuple[str, str]:
        """Start and end of steps ``first..last`` held."""
        return self.at(self.times[first]), self.at(self.ends[last])

    # ------------------------------------------------------------- document
    def document_packet(self) -> Packet:
        sc = self.net.scenario
        return Packet(
            id="document",
            name=sc.name,
            version="1.0",
            clock=Clock(
                interval=TimeInterval(start=self.at(self.times[0]), end=self.at(self.times[-1])),
                currentTime=self.at(self.times[0]),
                multiplier=60,
                range=ClockRanges.LOOP_STOP,
                step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
            ),
        )

    # ------------------------------------------------------------- satellites
    def _inertial(self, ecef_km: np.ndarray) -> np.ndarray:
        """Earth-fixed ``(N, T, 3)`` -> ICRF/GCRS at the sample times (skyfield's ITRS rotation)."""
        s = self.start
        t = timescale().utc(
            s.year, s.month, s.day, s.hour, s.minute, s.second + s.microsecond / 1e6 + self.sample_t
        )
        rotation = np.atleast_3d(itrs.rotation_at(t))  # (3, 3, T): GCRS -> ITRS
        return np.einsum("jit,ntj->nti", rotation, ecef_km)

    def satellite_packets(self) -> list[Packet]:
        sc, sats = self.net.scenario, self.net.sats
        pos, active, _ = self.net.propagate(self.sample_t)
        if self.frame == "inertial":
            pos = self._inertial(pos)
        frame = ReferenceFrames.INERTIAL if self.frame == "inertial" else ReferenceFrames.FIXED
        pos_m = np.round(pos * 1000.0)
        offsets = (self.sample_t - self.times[0]).round(3)
        packets = [
            Packet(id=f"constellation/{c.name}", name=c.name, description=f"{len(r)} satellites")
            for c, r in zip(sc.constellations, sats.ranges, strict=True)
        ]
        for ci, (c, members) in enumerate(zip(sc.constellations, sats.ranges, strict=True)):
            point = Point(pixelSize=6 if c.sensor else 4, color=Color(rgba=rgba(c.color)))
            for i in members:
                ok = np.flatnonzero(np.isfinite(pos_m[i, :, 0]))
                if len(ok) == 0:
                    continue
                samples = np.column_stack((offsets[ok], pos_m[i, ok])).ravel().tolist()
                availability = None
                if len(ok) < len(offsets):
                    spans = runs(ok)
                    availability = TimeIntervalCollection(
                        values=[
                            TimeInterval(start=self.at(self.sample_t[a]), end=self.at(self.sample_t[b]))
                            for a, b in spans
                        ]
                    )
                packets.append(
                    Packet(
                        id=self.sat_ids[i],
                        name=sats.names[i],
                        parent=packets[ci].id,
                        availability=availability,
                        position=Position(
                            epoch=self.at(self.times[0]),
                            referenceFrame=frame,
                            interpolationAlgorithm=InterpolationAlgorithms.LAGRANGE,
                            interpolationDegree=LAGRANGE_DEGREE,
                            cartesian=samples,
                        ),
                        point=point,
                    )
                )
        return packets

    # ------------------------------------------------------------- nodes
    def node_packets(self) -> list[Packet]:
        packets = []
        for g, node in enumerate(self.net.scenario.nodes):
            if node.position is not None:
                p = node.position
                position = Position(cartographicDegrees=[p.lon_deg, p.lat_deg, p.alt_m])
            else:
                track = np.array([self.net.node_positions(float(t))[0][g] for t in self.sample_t])
                offsets = (self.sample_t - self.times[0]).round(3)
                position = Position(
                    epoch=self.at(self.times[0]),
                    referenceFrame=ReferenceFrames.FIXED,
                    interpolationAlgorithm=InterpolationAlgorithms.LINEAR,
                    cartesian=np.column_stack((offsets, np.round(track * 1000.0, 1))).ravel().tolist(),
                )
            color = rgba(node_color(node.role, node.color))
            packets.append(
                Packet(
                    id=self.node_ids[g],
                    name=node.name,
                    description=f"{node.role} ({node.platform})",
                    position=position,
                    point=Point(pixelSize=10, color=Color(rgba=color)),
                    label=Label(text=node.name, font="12pt sans-serif", fillColor=Color(rgba=color)),
                )
            )
        return packets

    # ------------------------------------------------------------- links
    def _show_value(self, start: float, end: float, shown: bool) -> IntervalValue:
        key = (start, end, shown)
        if key not in self._interval_values:
            self._interval_values[key] = IntervalValue(start=self.at(start), end=self.at(end), value=shown)
        return self._interval_values[key]

    def _show(self, spans: tuple[tuple[int, int], ...]) -> TimeIntervalCollection:
        """``show`` over the whole window: true in the runs of steps ``spans``, false in between."""
        if spans not in self._shows:
            values, cursor = [], 0
            for first, last in spans:
                if first > cursor:
                    values.append(self._show_value(self.times[cursor], self.times[first], False))
                values.append(self._show_value(self.times[first], self.ends[last], True))
                cursor = last + 1
            if cursor < len(self.times):
                values.append(self._show_value(self.times[cursor], self.ends[-1], False))
            self._shows[spans] = TimeIntervalCollection(values=values)
        return self._shows[spans]

    def _line_material(self, color: tuple[int, ...]) -> PolylineMaterial:
        if color not in self._materials:
            solid = SolidColorMaterial(color=Color(rgba=list(color)))
            self._materials[color] = PolylineMaterial(solidColor=solid)
        return self._materials[color]

    def link_packets(self, record: StepRecord, kinds: tuple[str, ...] = LINK_KINDS) -> list[Packet]:
        n = self.net.n_sats
        sats, consts = self.net.sats, self.net.scenario.constellations
        parents = [Packet(id=f"links/{kind}", name=f"{kind} links") for kind in kinds]
        packets = list(parents)
        for kind, parent in zip(kinds, parents, strict=True):
            for key, spans in link_spans(record.links[kind]):
                a, b = divmod(key, n)
                if kind == "ground":
                    ends, names = (self.node_ids[a], self.sat_ids[b]), (self.net.node_names[a], sats.names[b])
                    color = GROUND_LINK_RGBA
                else:
                    ends, names = (self.sat_ids[a], self.sat_ids[b]), (sats.names[a], sats.names[b])
                    own = consts[sats.constellation[a]].color
                    color = rgba(own, ISL_ALPHA) if kind == "isl" else CROSS_LINK_RGBA
                packets.append(
                    Packet(
                        id=f"{kind}/{names[0]}/{names[1]}",
                        parent=parent.id,
                        polyline=Polyline(
                            positions=PositionList(references=[reference(e) for e in ends]),
                            show=self._show(spans),
                            arcType=ArcTypes.NONE,
                            material=self._line_material(tuple(color)),
                        ),
                    )
                )
        return packets

    # ------------------------------------------------------------- routes
    def _vertex_id(self, v: int) -> str:
        n = self.net.n_sats
        return self.sat_ids[v] if v < n else self.node_ids[self.net.vertex_node[v - n]]

    def route_packets(self, record: StepRecord) -> list[Packet]:
        packets = []
        for chain in self.net.scenario.chains:
            legs = [li for li, leg in enumerate(self.net.legs) if leg.chain == chain.name]
            reachable = np.all([[bool(p) for p in record.paths[li]] for li in legs], axis=0)
            chain_id = f"chain/{chain.name}"
            packets.append(
                Packet(
                    id=chain_id,
                    name=chain.name,
                    description=" -> ".join(chain.nodes),
                    availability=self._intervals(np.flatnonzero(reachable)),
                )
            )
            material = self._line_material(tuple(rgba(chain.color)))
            for li in legs:
                leg, paths = self.net.legs[li], record.paths[li]
                spans = self._path_spans(paths)
                if not spans:
                    continue
                positions = [
                    IntervalValue(
                        start=self.interval(first, last)[0],
                        end=self.interval(first, last)[1],
                        value=PositionList(references=[reference(self._vertex_id(v)) for v in paths[first]]),
                    )
                    for first, last in spans
                ]
                packets.append(
                    Packet(
                        id=f"route/{chain.name}/{leg.index + 1}",
                        name=f"{chain.name}: {leg.src} -> {leg.dst}",
                        parent=chain_id,
                        availability=self._intervals(np.flatnonzero([bool(p) for p in paths])),
                        polyline=Polyline(
                            positions=TimeIntervalCollection(values=positions),
                            arcType=ArcTypes.NONE,
                            width=4,
                            material=material,
                        ),
                    )
                )
        return packets

    def _intervals(self, steps: np.ndarray) -> TimeIntervalCollection:
        """The intervals in which ``steps`` hold (empty: never)."""
        spans = [self.interval(first, last) for first, last in runs(steps)]
        return TimeIntervalCollection(values=[TimeInterval(start=a, end=b) for a, b in spans])

    @staticmethod
    def _path_spans(paths: list[tuple[int, ...]]) -> list[tuple[int, int]]:
        """Runs of steps with one and the same (reachable) path."""
        spans: list[tuple[int, int]] = []
        for k, path in enumerate(paths):
            if not path:
                continue
            if spans and spans[-1][1] == k - 1 and paths[k - 1] == path:
                spans[-1] = (spans[-1][0], k)
            else:
                spans.append((k, k))
        return spans


def scenario_czml(
    network: Network,
    times: np.ndarray | None = None,
    sample_step_s: float = 120.0,
    frame: str = "fixed",
    links: tuple[str, ...] = LINK_KINDS,
    progress: Callable[[int, int], None] | None = None,
) -> Document:
    """The CZML document of ``network`` over ``times`` (the scenario's steps by default); ``links``
    picks the kinds of link drawn (routes are always drawn)."""
    times = network.default_times() if times is None else np.asarray(times, float)
    builder = CzmlBuilder(network, times, sample_step_s, frame)
    record = record_steps(network, times, progress)
    packets = [builder.document_packet()]
    packets += builder.satellite_packets()
    packets += builder.node_packets()
    packets += builder.link_packets(record, links)
    packets += builder.route_packets(record)
    return Document(packets=packets)
