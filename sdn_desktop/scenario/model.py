"""The scenario: pure, validated data (pydantic), no Qt and no engine state.

Units are in the field names: ``_km``, ``_m``, ``_deg``, ``_s``, ``_ms``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import limits
from .values import NAME_CHECK, PATH_CHECK, is_numeric, plain_value

FORMAT_NAME = "sdn-scenario"
FORMAT_VERSION = 2

Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="colour as #RRGGBB")]
Name = Annotated[str, Field(min_length=1, max_length=80), NAME_CHECK]


class FieldProblem(ValueError):
    """A cross-field problem that belongs to one field (``loc``), reported there."""

    def __init__(self, loc: tuple, message: str):
        super().__init__(message)
        self.loc = loc


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data):
        """No ``true`` for a number, no integer beyond 2**53, no lone surrogate (see values.py)."""
        for name, value in data.items() if isinstance(data, dict) else ():
            if (field := cls.model_fields.get(name)) is not None:
                try:
                    plain_value(value, is_numeric(field.annotation))
                except ValueError as err:
                    raise FieldProblem((name,), str(err)) from None
        return data


class TimeWindow(_Model):
    """The simulated interval: start epoch, length and analysis step."""

    start: datetime = Field(description="start epoch, ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z")
    duration_s: float = Field(3600.0, gt=0, le=limits.MAX_DURATION_S)
    step_s: float = Field(10.0, gt=0)

    @field_validator("start")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        limits.check_start_year(value.year)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _step_fits(self) -> TimeWindow:
        if self.step_s > self.duration_s:
            raise ValueError(f"step_s ({self.step_s} s) is longer than duration_s ({self.duration_s} s)")
        limits.check_window(self.duration_s, self.step_s)
        return self


class WalkerSource(_Model):
    """A Walker delta or star shell, propagated with SGP4 from generated mean elements."""

    kind: Literal["walker"] = "walker"
    pattern: Literal["delta", "star"] = "delta"
    planes: int = Field(ge=1, le=1000)
    sats_per_plane: int = Field(ge=1, le=1000)
    phasing: int = Field(0, ge=0, description="Walker phasing factor F (0 <= F < planes)")
    inclination_deg: float = Field(ge=0, le=180)
    altitude_km: float | None = Field(None, gt=100, lt=50000)
    mean_motion_rev_per_day: float | None = Field(None, gt=0.5, lt=17.0)
    raan_spread_deg: float | None = Field(
        None, gt=0, le=360, description="RAAN span of the planes; default 360 (delta) or 180 (star)"
    )
    raan_offset_deg: float = Field(0.0, ge=0, lt=360)

    @model_validator(mode="after")
    def _check(self) -> WalkerSource:
        if (self.altitude_km is None) == (self.mean_motion_rev_per_day is None):
            raise ValueError("give exactly one of altitude_km and mean_motion_rev_per_day")
        if self.phasing >= self.planes:
            raise ValueError(f"phasing F={self.phasing} must be smaller than planes={self.planes}")
        limits.check_shell(self.planes, self.sats_per_plane)
        return self

    @property
    def satellite_count(self) -> int:
        return self.planes * self.sats_per_plane


class TleSource(_Model):
    """A Celestrak 3-line (or 2-line) TLE file, path relative to the scenario file."""

    kind: Literal["tle"] = "tle"
    path: Annotated[str, PATH_CHECK] = Field(min_length=1)
    layout: Literal["infer", "file_order"] = Field(
        "infer", description="plane/slot layout: inferred from RAAN and argument of latitude, or file order"
    )
    planes: int | None = Field(None, ge=1, description="file_order: number of planes (plane-major order)")
    plane_tolerance_deg: float = Field(3.0, gt=0, le=90, description="infer: RAAN gap that separates planes")

    @model_validator(mode="after")
    def _check(self) -> TleSource:
        if self.layout == "file_order" and self.planes is None:
            raise ValueError("layout 'file_order' needs 'planes'")
        return self


class OmmSource(TleSource):
    """A CCSDS OMM file (the JSON, XML or CSV that CelesTrak and Space-Track publish); same layout options."""

    kind: Literal["omm"] = "omm"


class IslPolicy(_Model):
    """Intra-constellation inter-satellite links."""

    pattern: Literal["none", "plus_grid"] = "plus_grid"
    plane_offset: int = Field(0, description="+Grid: slot shift of the cross-plane neighbour")
    wrap_planes: bool = Field(True, description="link the last plane to the first (false for a star seam)")
    max_range_km: float = Field(5000.0, gt=0)


class FieldOfRegard(_Model):
    """What a sensor satellite sees: a cone around nadir, limited in range; the Earth blocks the view."""

    half_angle_deg: float = Field(55.0, gt=0, lt=90, description="cone half-angle from nadir")
    max_range_km: float = Field(4000.0, gt=0, description="slant range limit")


class Constellation(_Model):
    name: Name
    operator: str = ""
    terminal: str = Field("generic", min_length=1, description="optical terminal standard")
    color: Color = "#4fc3f7"
    sensor: bool = Field(False, description="satellites carry tracking sensors (can start a kill chain)")
    field_of_regard: FieldOfRegard = Field(
        default_factory=FieldOfRegard, description="what sensor satellites see (when sensor is true)"
    )
    source: WalkerSource | TleSource | OmmSource = Field(discriminator="kind")
    isl: IslPolicy = Field(default_factory=IslPolicy)


class Interop(_Model):
    """Links between constellations: only between compatible terminal standards."""

    enabled: bool = True
    max_range_km: float = Field(3000.0, gt=0)
    links_per_satellite: int = Field(1, ge=1, le=8)
    compatible: list[tuple[str, str]] = Field(
        default_factory=list, description="pairs of terminal standards that interoperate (equal always do)"
    )


class Physics(_Model):
    grazing_altitude_km: float = Field(
        80.0, ge=0, lt=2000, description="no link passes closer than this to the Earth's surface"
    )


class Geodetic(_Model):
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)
    alt_m: float = Field(0.0, ge=-500, le=100000)


class Waypoint(Geodetic):
    t_s: float = Field(ge=0, description="seconds after the scenario start")


NodeRole = Literal["sensor", "shooter", "c2", "gateway"]
Platform = Literal["ground", "sea", "air"]


class DetectionVolume(_Model):
    """What a sensor node (radar) sees: above an elevation, within a range, optionally in a sector."""

    min_elevation_deg: float = Field(3.0, ge=-5, le=90)
    max_range_km: float = Field(4800.0, gt=0)
    azimuth_from_deg: float | None = Field(
        None, ge=0, le=360, description="sector start, clockwise from north; null (both): all around"
    )
    azimuth_to_deg: float | None = Field(
        None, ge=0, le=360, description="sector end, clockwise from its start"
    )

    @model_validator(mode="after")
    def _sector(self) -> DetectionVolume:
        if (self.azimuth_from_deg is None) != (self.azimuth_to_deg is None):
            raise ValueError("give both azimuth_from_deg and azimuth_to_deg, or neither")
        return self


class Node(_Model):
    """A ground, sea or air node: fixed position or timed waypoints (linear in between)."""

    name: Name
    role: NodeRole
    platform: Platform = "ground"
    color: Color | None = None
    position: Geodetic | None = None
    waypoints: list[Waypoint] | None = None
    min_elevation_deg: float | None = Field(10.0, ge=-5, le=90)
    max_range_km: float | None = Field(None, gt=0)
    max_links: int | None = Field(None, ge=1, description="most satellites linked at once (highest first)")
    relay: bool = Field(False, description="may carry traffic between other nodes")
    processing_delay_ms: float = Field(0.0, ge=0)
    detection: DetectionVolume = Field(
        default_factory=DetectionVolume, description="what a sensor node sees (role sensor only)"
    )

    @model_validator(mode="after")
    def _check(self) -> Node:
        if (self.position is None) == (self.waypoints is None):
            raise ValueError("give exactly one of position and waypoints")
        if self.waypoints is not None:
            if not self.waypoints:
                raise ValueError("waypoints is empty")
            times = [w.t_s for w in self.waypoints]
            if any(b <= a for a, b in zip(times, times[1:], strict=False)):
                raise ValueError("waypoint times must increase")
        if self.min_elevation_deg is None and self.max_range_km is None:
            raise ValueError("give min_elevation_deg or max_range_km (or both)")
        return self


class KillChain(_Model):
    """sensor -> [C2 ...] -> shooter; every leg is routed through the mesh."""

    name: Name
    color: Color = "#ff5252"
    nodes: list[Name] = Field(
        min_length=2, description="node or sensor-constellation names, in order; the first may be a threat"
    )
    switching_delay_ms: float = Field(0.0, ge=0, description="per satellite on a path")
    budget_ms: float | None = Field(
        None, gt=0, description="end-to-end latency budget, processing delays included (none: no budget)"
    )
    sensors: list[Name] = Field(
        default_factory=list,
        description="threat chains: sensor nodes or constellations that may detect; empty: any",
    )

    @field_validator("nodes")
    @classmethod
    def _no_repeat(cls, nodes: list[str]) -> list[str]:
        for a, b in zip(nodes, nodes[1:], strict=False):
            if a == b:
                raise ValueError(f"'{a}' follows itself")
        return nodes


# ----------------------------------------------------------------- the contested environment (v2)
ThreatKind = Literal["aircraft", "cruise_missile", "hypersonic_glide", "ballistic_missile", "ship"]


class ThreatWaypoint(_Model):
    t_s: float = Field(ge=0, description="seconds after the scenario start")
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)
    alt_m: float = Field(0.0, ge=0, le=3_000_000)


class Threat(_Model):
    """A moving target: great circle between timed waypoints, linear in altitude; absent outside them."""

    name: Name
    kind: ThreatKind
    color: Color = "#ff1744"
    waypoints: list[ThreatWaypoint] = Field(min_length=2)

    @model_validator(mode="after")
    def _times(self) -> Threat:
        for i in range(1, len(self.waypoints)):
            if self.waypoints[i].t_s <= self.waypoints[i - 1].t_s:
                raise FieldProblem(
                    ("waypoints", i, "t_s"),
                    f"{self.waypoints[i].t_s:g} s is not after the previous waypoint "
                    f"({self.waypoints[i - 1].t_s:g} s)",
                )
        return self


class PlaneSelection(_Model):
    constellation: Name
    planes: list[int] = Field(min_length=1, description="plane numbers as in satellite names (P00 = 0)")

    @field_validator("planes")
    @classmethod
    def _non_negative(cls, planes: list[int]) -> list[int]:
        if any(p < 0 for p in planes):
            raise ValueError("plane numbers start at 0")
        return planes


class RandomSelection(_Model):
    """A deterministic draw: ``round(fraction x pool)`` satellites, the same for the same seed."""

    fraction: float = Field(gt=0, le=1)
    seed: int = 0
    constellation: Name | None = Field(None, description="draw from this constellation; null: from all")


class SatelliteSelection(_Model):
    """Satellites chosen by any of: names, planes, constellations, operators, a random draw (a union)."""

    satellites: list[Name] = Field(default_factory=list)
    planes: list[PlaneSelection] = Field(default_factory=list)
    constellations: list[Name] = Field(default_factory=list)
    operators: list[str] = Field(default_factory=list, description="every constellation of these operators")
    random: RandomSelection | None = None


class DestroyEvent(SatelliteSelection):
    """Satellites gone for good from ``at_s`` (an ASAT strike, a debris cascade)."""

    kind: Literal["destroy"] = "destroy"
    name: Name
    at_s: float = Field(ge=0)


class _Interval(_Model):
    from_s: float = Field(ge=0)
    until_s: float | None = Field(None, description="null: to the end of the window")

    @model_validator(mode="after")
    def _order(self) -> _Interval:
        if self.until_s is not None and self.until_s <= self.from_s:
            raise FieldProblem(("until_s",), f"{self.until_s:g} s is not after from_s ({self.from_s:g} s)")
        return self


class LatLon(_Model):
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)


class JamEvent(_Interval):
    """Every ground link whose ground end lies inside the circle is cut (optical ISLs are not jammable)."""

    kind: Literal["jam"] = "jam"
    name: Name
    center: LatLon
    radius_km: float = Field(gt=0, le=20000)


class OutageEvent(_Interval, SatelliteSelection):
    """Satellites (same selectors as destroy) and nodes out of service for a while."""

    kind: Literal["outage"] = "outage"
    name: Name
    nodes: list[Name] = Field(default_factory=list)
    cause: Literal["vendor", "cyber", "fault"] = "fault"


class CutLinksEvent(_Interval):
    """Inter-satellite links (either direction) out of service for a while."""

    kind: Literal["cut_links"] = "cut_links"
    name: Name
    links: list[tuple[Name, Name]] = Field(min_length=1, description="pairs of satellite names")


Event = Annotated[DestroyEvent | JamEvent | OutageEvent | CutLinksEvent, Field(discriminator="kind")]
EVENT_KINDS = ("destroy", "jam", "outage", "cut_links")


class Scenario(_Model):
    format: Literal["sdn-scenario"] = FORMAT_NAME
    version: Literal[2] = FORMAT_VERSION
    name: str = "Untitled"
    description: str = ""
    time: TimeWindow
    physics: Physics = Field(default_factory=Physics)
    interop: Interop = Field(default_factory=Interop)
    constellations: list[Constellation] = Field(default_factory=list)
    nodes: list[Node] = Field(default_factory=list)
    chains: list[KillChain] = Field(default_factory=list)
    threats: list[Threat] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    disabled_satellites: list[str] = Field(default_factory=list, description="satellite names")
    disabled_links: list[tuple[str, str]] = Field(
        default_factory=list, description="pairs of satellite names"
    )

    @model_validator(mode="before")
    @classmethod
    def _counts(cls, data):
        """Nodes and chains are counted before any is built."""
        for field in ("nodes", "chains"):
            if isinstance(data, dict) and isinstance(data.get(field), list):
                try:
                    limits.check_count(field, len(data[field]))
                except limits.LimitError as err:
                    raise FieldProblem(err.loc, str(err)) from None
        return data

    @model_validator(mode="after")
    def _work(self) -> Scenario:
        """Satellites, node-satellite pairs and route results known from the file (TLE and OMM files
        are counted when read: see ``check_work`` and scenario/work.py)."""
        try:
            self.check_work()
        except limits.LimitError as err:
            raise FieldProblem(err.loc, str(err)) from None
        return self

    def check_work(self, file_satellites: dict[int, int] | None = None) -> None:
        """``limits.check_work`` for an analysis of the window; ``file_satellites`` maps the index of
        a TLE or OMM constellation to the satellites read from its file (raises LimitError)."""
        counts = file_satellites or {}
        shells = sum(
            c.source.satellite_count for c in self.constellations if isinstance(c.source, WalkerSource)
        )
        read_from = None
        if counts:
            largest = max(counts, key=counts.__getitem__)
            path = self.constellations[largest].source.path
            read_from = (("constellations", largest, "source", "path"), path, counts[largest])
        legs = sum(len(chain.nodes) - 1 for chain in self.chains)
        steps = limits.step_count(self.time.duration_s, self.time.step_s)
        limits.check_work(shells + sum(counts.values()), len(self.nodes), legs, steps, read_from)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        names: dict[str, str] = {}  # constellations, nodes and threats
        chain_names: dict[str, str] = {}  # a chain may share a name with a node, not with another chain
        for field, kind, items, scope in (
            ("constellations", "constellation", self.constellations, names),
            ("nodes", "node", self.nodes, names),
            ("threats", "threat", self.threats, names),
            ("chains", "chain", self.chains, chain_names),
        ):
            for i, item in enumerate(items):
                if item.name in scope:
                    raise FieldProblem(
                        (field, i, "name"), f"'{item.name}' is already the name of a {scope[item.name]}"
                    )
                scope[item.name] = kind
        sensors = {c.name for c in self.constellations if c.sensor}
        nodes = {n.name for n in self.nodes}
        for i, chain in enumerate(self.chains):
            for j, ref in enumerate(chain.nodes):
                if ref in nodes or ref in sensors or (j == 0 and names.get(ref) == "threat"):
                    continue
                where = ("chains", i, "nodes", j)
                if names.get(ref) == "constellation":
                    raise FieldProblem(where, f"constellation '{ref}' is not marked as a sensor")
                if names.get(ref) == "threat":
                    raise FieldProblem(where, f"threat '{ref}' can only start a chain")
                raise FieldProblem(where, f"no node or sensor constellation named '{ref}'")
        return self

    @model_validator(mode="after")
    def _contested_references(self) -> Scenario:
        """Chains' sensor lists and events name things that exist; unique event names."""
        threats = {t.name for t in self.threats}
        sensors = {c.name for c in self.constellations if c.sensor}
        sensors |= {n.name for n in self.nodes if n.role == "sensor"}
        for i, chain in enumerate(self.chains):
            if not chain.sensors:
                continue
            if chain.nodes[0] not in threats:
                raise FieldProblem(
                    ("chains", i, "sensors"), "only a chain that starts at a threat has sensors"
                )
            for j, ref in enumerate(chain.sensors):
                if ref not in sensors:
                    raise FieldProblem(
                        ("chains", i, "sensors", j), f"no sensor node or sensor constellation named '{ref}'"
                    )
        seen: set[str] = set()
        known_sats = _walker_names(self.constellations) if self.events else None
        for i, event in enumerate(self.events):
            if event.name in seen:
                raise FieldProblem(("events", i, "name"), f"'{event.name}' is already the name of an event")
            seen.add(event.name)
            for loc, message in self._event_problems(event, known_sats):
                raise FieldProblem(("events", i, *loc), message)
        return self

    def _event_problems(self, event, known_sats: set[str] | None) -> Iterator[tuple[tuple, str]]:
        """(location inside the event, message) of every name the event gives that does not exist;
        satellite names are checked when ``known_sats`` (every name) is known."""
        constellations = {c.name: c for c in self.constellations}

        def satellite(loc: tuple, name: str) -> Iterator[tuple[tuple, str]]:
            if known_sats is not None and name not in known_sats:
                yield loc, f"no satellite named '{name}'"

        if isinstance(event, SatelliteSelection):
            for j, name in enumerate(event.satellites):
                yield from satellite(("satellites", j), name)
            for j, sel in enumerate(event.planes):
                c = constellations.get(sel.constellation)
                if c is None:
                    yield ("planes", j, "constellation"), f"no constellation named '{sel.constellation}'"
                elif isinstance(c.source, WalkerSource) and max(sel.planes) >= c.source.planes:
                    yield ("planes", j, "planes"), f"'{c.name}' has planes 0..{c.source.planes - 1}"
            for j, name in enumerate(event.constellations):
                if name not in constellations:
                    yield ("constellations", j), f"no constellation named '{name}'"
            operators = {c.operator for c in self.constellations}
            for j, name in enumerate(event.operators):
                if name not in operators:
                    yield ("operators", j), f"no constellation has operator '{name}'"
            pool = event.random.constellation if event.random else None
            if pool is not None and pool not in constellations:
                yield ("random", "constellation"), f"no constellation named '{pool}'"
        if isinstance(event, OutageEvent):
            nodes = {n.name for n in self.nodes}
            for j, name in enumerate(event.nodes):
                if name not in nodes:
                    yield ("nodes", j), f"no node named '{name}'"
        if isinstance(event, CutLinksEvent):
            for j, pair in enumerate(event.links):
                for k, name in enumerate(pair):
                    yield from satellite(("links", j, k), name)


def _walker_names(constellations: list[Constellation]) -> set[str] | None:
    """Every satellite name when all constellations are Walker shells (TLE names need the file): else None."""
    if not all(isinstance(c.source, WalkerSource) for c in constellations):
        return None
    return {
        f"{c.name} P{p:02d}S{s:02d}"
        for c in constellations
        for p in range(c.source.planes)
        for s in range(c.source.sats_per_plane)
    }
