"""Edits as pure functions: each takes a Scenario and returns a validated new one (no Qt).

An edit that would make the scenario invalid raises ``EditError`` with "field.path: message" lines.
Objects are referred to by ``ItemRef`` = (list name, index), e.g. ``("nodes", 2)``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime
from math import asin, cos, radians, sin, sqrt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .io import format_validation_error
from .model import (
    Constellation,
    CutLinksEvent,
    DestroyEvent,
    Geodetic,
    JamEvent,
    LatLon,
    Node,
    OutageEvent,
    Scenario,
    Threat,
    ThreatKind,
    ThreatWaypoint,
    TimeWindow,
    TleSource,
)

FieldPath = tuple[str | int, ...]
ItemRef = tuple[str, int]
ITEM_LISTS = ("constellations", "nodes", "chains", "threats", "events")
ROLE_NAMES = {"sensor": "Sensor", "shooter": "Shooter", "c2": "C2", "gateway": "Gateway"}
TLE_COLOR = "#ce93d8"
# New chains take the first of these no chain uses yet (distinct on the dark globe and on the plot).
CHAIN_PALETTE = (
    "#ff5252", "#40c4ff", "#ffd740", "#69f0ae", "#e040fb", "#ff6e40",
    "#b2ff59", "#536dfe", "#ffab40", "#18ffff", "#ff4081", "#eeff41",
)  # fmt: skip
# Fields of which the model wants exactly one: setting one clears the other in the same edit.
EITHER_OR = {"altitude_km": "mean_motion_rev_per_day", "mean_motion_rev_per_day": "altitude_km"}


class EditError(Exception):
    """An edit that would make the scenario invalid; ``problems`` are "field.path: message" lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def new_scenario() -> Scenario:
    """An empty scenario named "Untitled": one hour from today 00:00 UTC in 10 s steps."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return Scenario(name="Untitled", time=TimeWindow(start=today, duration_s=3600.0, step_s=10.0))


def value_at(data: Any, path: FieldPath) -> Any:
    for part in path:
        data = data[part]
    return data


def derive(scenario: Scenario, mutate: Callable[[dict], None]) -> Scenario:
    """A validated copy of ``scenario`` after ``mutate`` changed its plain-data form in place."""
    data = scenario.model_dump()
    mutate(data)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise EditError(format_validation_error(err, data)) from None


def with_fields(scenario: Scenario, paths: list[FieldPath], value: Any) -> Scenario:
    """``scenario`` with the field at each of ``paths`` set to ``value``; renaming a node,
    constellation, threat or the last constellation of an operator also renames every reference to
    it (chains, events, disabled satellites), and giving one of an either-or pair (altitude or mean
    motion) clears the other."""

    def mutate(data: dict) -> None:
        for path in paths:
            parent = value_at(data, path[:-1])
            old = parent[path[-1]]
            parent[path[-1]] = copy.deepcopy(value)
            other = EITHER_OR.get(path[-1])
            if value is not None and other in parent:
                parent[other] = None
            if len(path) == 3 and path[0] in ("nodes", "constellations", "threats") and path[2] == "name":
                _rename_references(data, path[0], old, value)
            if path[0] == "constellations" and path[-1] == "operator":
                if not any(c.get("operator", "") == old for c in data["constellations"]):
                    for event in data["events"]:
                        if "operators" in event:
                            event["operators"] = _renamed(event["operators"], old, value)

    return derive(scenario, mutate)


def _renamed(names: list, old: str, new: str) -> list:
    return [new if name == old else name for name in names]


def _rename_references(data: dict, kind: str, old: str, new: str) -> None:
    """Follow a rename everywhere the scenario refers to the object by name: chains and their sensor
    lists; for a node, outage events; for a constellation, events' planes, constellation lists and
    random draws, and its satellites' names ("Shell P03S07", "Shell/NAME") in events and in the
    disabled satellites and links."""
    for chain in data["chains"]:
        chain["nodes"] = _renamed(chain["nodes"], old, new)
        chain["sensors"] = _renamed(chain.get("sensors", []), old, new)
    if kind == "nodes":
        for event in data["events"]:
            if "nodes" in event:
                event["nodes"] = _renamed(event["nodes"], old, new)
    if kind != "constellations":
        return
    prefix = re.compile(rf"^{re.escape(old)}(?= P\d+S\d+$|/)")

    def satellite(name: str) -> str:
        return prefix.sub(lambda _: new, name, count=1)

    for event in data["events"]:
        for plane in event.get("planes", []):
            plane["constellation"] = new if plane["constellation"] == old else plane["constellation"]
        if "constellations" in event:
            event["constellations"] = _renamed(event["constellations"], old, new)
        if event.get("random") and event["random"].get("constellation") == old:
            event["random"]["constellation"] = new
        if "satellites" in event:
            event["satellites"] = [satellite(n) for n in event["satellites"]]
        if "links" in event:
            event["links"] = [[satellite(a), satellite(b)] for a, b in event["links"]]
    data["disabled_satellites"] = [satellite(n) for n in data["disabled_satellites"]]
    data["disabled_links"] = [[satellite(a), satellite(b)] for a, b in data["disabled_links"]]


def with_item(scenario: Scenario, kind: str, item: BaseModel) -> tuple[Scenario, ItemRef]:
    """``scenario`` with ``item`` appended to its ``kind`` list, and where it went."""
    data = item.model_dump()
    return derive(scenario, lambda d: d[kind].append(data)), (kind, len(getattr(scenario, kind)))


def with_replaced(scenario: Scenario, ref: ItemRef, item: BaseModel) -> Scenario:
    """``scenario`` with the object at ``ref`` replaced by ``item``."""
    kind, index = ref
    data = item.model_dump()
    return derive(scenario, lambda d: d[kind].__setitem__(index, data))


def duplicated(scenario: Scenario, refs: list[ItemRef]) -> tuple[Scenario, list[ItemRef]]:
    """``scenario`` with a copy of each object at ``refs`` (named "<name> copy", unique) appended to
    its list; and where the copies went, in the order of ``refs``."""
    taken = taken_names(scenario) | {c.name for c in scenario.chains} | {e.name for e in scenario.events}
    counts = {kind: len(getattr(scenario, kind)) for kind in ITEM_LISTS}
    copies = []
    for kind, index in refs:
        item = getattr(scenario, kind)[index].model_dump()
        item["name"] = unique_name(f"{item['name']} copy", taken)
        taken.add(item["name"])
        copies.append((kind, item))

    def mutate(data: dict) -> None:
        for kind, item in copies:
            data[kind].append(item)

    new_refs = []
    for kind, _ in refs:
        new_refs.append((kind, counts[kind]))
        counts[kind] += 1
    return derive(scenario, mutate), new_refs


def chains_using(scenario: Scenario, items: list[ItemRef]) -> list[str]:
    """Names of the chains (not themselves among ``items``) that use an object of ``items``."""
    names = {getattr(scenario, kind)[index].name for kind, index in items if kind != "chains"}
    chosen = {index for kind, index in items if kind == "chains"}
    return [
        chain.name
        for i, chain in enumerate(scenario.chains)
        if i not in chosen and names.intersection([*chain.nodes, *chain.sensors])
    ]


def without(
    scenario: Scenario, items: list[ItemRef], keep_chains: bool = False
) -> tuple[Scenario, list[str]]:
    """``scenario`` without the given (list name, index) items and without chains that used them;
    with ``keep_chains``, such chains stay without those objects (and go only if fewer than two
    nodes remain).

    Returns the new scenario and the names of the chains removed with them."""
    removed_names = set()
    drop: dict[str, set[int]] = {kind: set() for kind in ITEM_LISTS}
    for kind, index in items:
        drop[kind].add(index)
        if kind in ("constellations", "nodes", "threats"):  # the objects chains name
            removed_names.add(getattr(scenario, kind)[index].name)
    dropped_chains = []
    for i, chain in enumerate(scenario.chains):
        if i in drop["chains"] or not removed_names.intersection([*chain.nodes, *chain.sensors]):
            continue
        if not keep_chains or len(_without_names(chain.nodes, removed_names)) < 2:
            drop["chains"].add(i)
            dropped_chains.append(chain.name)

    def mutate(data: dict) -> None:
        for kind, indices in drop.items():
            data[kind] = [item for i, item in enumerate(data[kind]) if i not in indices]
        for chain in data["chains"]:
            chain["nodes"] = _without_names(chain["nodes"], removed_names)
            chain["sensors"] = [name for name in chain["sensors"] if name not in removed_names]

    return derive(scenario, mutate), dropped_chains


def _without_names(nodes: list[str], names: set[str]) -> list[str]:
    """``nodes`` without ``names``, and without a node that would then follow itself."""
    kept: list[str] = []
    for name in nodes:
        if name not in names and (not kept or kept[-1] != name):
            kept.append(name)
    return kept


def next_chain_color(scenario: Scenario) -> str:
    """The first palette colour no chain of ``scenario`` has (cycling once all are taken)."""
    used = {chain.color.lower() for chain in scenario.chains}
    free = [color for color in CHAIN_PALETTE if color not in used]
    return free[0] if free else CHAIN_PALETTE[len(scenario.chains) % len(CHAIN_PALETTE)]


def chain_order_warnings(scenario: Scenario, nodes: list[str]) -> list[str]:
    """Why the order of a chain's ``nodes`` makes no sense (a chain runs threat or sensor -> C2 ->
    shooter): a shooter first, a sensor last, a threat anywhere but first. Empty if it is sound."""
    roles = {node.name: node.role for node in scenario.nodes}
    roles |= {c.name: "sensor" for c in scenario.constellations if c.sensor}
    roles |= {t.name: "threat" for t in scenario.threats}
    warnings = []
    if nodes and roles.get(nodes[0]) == "shooter":
        warnings.append(f"the chain starts at the shooter '{nodes[0]}'; a chain ends at its shooter")
    if len(nodes) > 1 and roles.get(nodes[-1]) == "sensor":
        warnings.append(f"the chain ends at the sensor '{nodes[-1]}'; a chain starts at its sensor")
    warnings += [
        f"the threat '{name}' is not first; only a chain's first node can be a threat"
        for name in nodes[1:]
        if roles.get(name) == "threat"
    ]
    return warnings


def new_node(scenario: Scenario, role: str, lat_deg: float, lon_deg: float) -> Node:
    """A fixed ground node of ``role`` at the point (rounded to 4 decimals, about 10 m), named
    after its role and the count of that role ("Sensor 3"), unique in ``scenario``."""
    count = sum(n.role == role for n in scenario.nodes) + 1
    return Node(
        name=unique_name(f"{ROLE_NAMES[role]} {count}", taken_names(scenario)),
        role=role,
        position=Geodetic(lat_deg=round(lat_deg, 4), lon_deg=round(lon_deg, 4)),
    )


def tle_constellation(scenario: Scenario, path: Path, base_dir: Path) -> Constellation:
    """A constellation read from the TLE file ``path`` (stored relative to ``base_dir`` when it is
    inside it), named after the file, unique in ``scenario``, without intra-constellation links."""
    try:
        stored = str(path.resolve().relative_to(base_dir.resolve()))
    except ValueError:
        stored = str(path.resolve())
    return Constellation(
        name=unique_name(path.stem, taken_names(scenario)),
        color=TLE_COLOR,
        source=TleSource(path=stored),
        isl={"pattern": "none"},
    )


def unique_name(base: str, taken: set[str]) -> str:
    """``base`` itself, or ``base 2``, ``base 3``... whichever is free."""
    if base not in taken:
        return base
    n = 2
    while f"{base} {n}" in taken:
        n += 1
    return f"{base} {n}"


def taken_names(scenario: Scenario) -> set[str]:
    """Names of the constellations, nodes and threats (one namespace: chains refer to all three)."""
    return (
        {c.name for c in scenario.constellations}
        | {n.name for n in scenario.nodes}
        | {t.name for t in scenario.threats}
    )


# ----------------------------------------------------------------- the contested environment
# Typical cruise speed (km/s over the ground) and altitude (m) of each kind of threat: a track placed
# by clicking gets its waypoint times and altitude from these; both stay editable afterwards.
THREAT_TYPICAL: dict[str, tuple[float, float]] = {
    "aircraft": (0.25, 10_000.0),
    "cruise_missile": (0.25, 50.0),
    "hypersonic_glide": (5.0, 40_000.0),
    "ballistic_missile": (3.0, 200_000.0),
    "ship": (0.01, 0.0),
}
THREAT_COLOR = "#ff1744"
EARTH_RADIUS_KM = 6371.0088
JAM_DURATION_S = 600.0


def ground_distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points in degrees (haversine, mean radius)."""
    (lat1, lon1), (lat2, lon2) = (tuple(map(radians, p)) for p in (a, b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h)))


def new_threat(
    scenario: Scenario, kind: ThreatKind, points: list[tuple[float, float]], start_s: float
) -> Threat:
    """A threat of ``kind`` through the (lat, lon) ``points``, leaving the first at ``start_s`` and
    moving at its kind's typical speed and altitude; named after its kind, unique in ``scenario``.
    Raises EditError for fewer than two points."""
    if len(points) < 2:
        raise EditError(["waypoints: a threat track needs at least two points"])
    speed, alt_m = THREAT_TYPICAL[kind]
    times = [float(start_s)]
    for a, b in zip(points, points[1:], strict=False):
        times.append(times[-1] + max(ground_distance_km(a, b) / speed, 1.0))
    base = kind.replace("_", " ").capitalize()
    return Threat(
        name=unique_name(base, taken_names(scenario)),
        kind=kind,
        color=THREAT_COLOR,
        waypoints=[
            ThreatWaypoint(t_s=round(t, 1), lat_deg=round(lat, 4), lon_deg=round(lon, 4), alt_m=alt_m)
            for t, (lat, lon) in zip(times, points, strict=True)
        ],
    )


def with_threat_waypoint(
    scenario: Scenario, threat: int, waypoint: int, lat_deg: float, lon_deg: float
) -> Scenario:
    """``scenario`` with one waypoint of a threat moved to (lat, lon); its time and altitude stay."""
    path = ("threats", threat, "waypoints", waypoint)
    point = {
        **value_at(scenario.model_dump(), path),
        "lat_deg": round(lat_deg, 4),
        "lon_deg": round(lon_deg, 4),
    }
    return with_fields(scenario, [path], point)


def event_names(scenario: Scenario) -> set[str]:
    return {e.name for e in scenario.events}


def destroy_event(scenario: Scenario, satellites: list[str], at_s: float) -> DestroyEvent:
    """A destroy event at ``at_s`` naming ``satellites`` ("Strike", "Strike 2"...)."""
    if not satellites:
        raise EditError(["satellites: select the satellites to destroy"])
    return DestroyEvent(
        name=unique_name("Strike", event_names(scenario)), at_s=round(at_s, 1), satellites=list(satellites)
    )


def jam_event(
    scenario: Scenario, lat_deg: float, lon_deg: float, radius_km: float, from_s: float,
    duration_s: float = JAM_DURATION_S,
) -> JamEvent:  # fmt: skip
    """A jammer centred at (lat, lon) from ``from_s`` for ``duration_s`` ("Jammer", "Jammer 2"...)."""
    try:
        return JamEvent(
            name=unique_name("Jammer", event_names(scenario)),
            from_s=round(from_s, 1),
            until_s=round(from_s + duration_s, 1),
            center=LatLon(lat_deg=round(lat_deg, 4), lon_deg=round(lon_deg, 4)),
            radius_km=round(radius_km, 1),
        )
    except ValidationError as err:
        raise EditError(format_validation_error(err, {})) from None


def outage_event(
    scenario: Scenario, from_s: float, cause: str, constellations: list[str] = (), operators: list[str] = (),
    nodes: list[str] = (),
) -> OutageEvent:  # fmt: skip
    """An outage of whole constellations, operators or nodes from ``from_s`` to the end of the window,
    named after what goes out ("Vendor B outage")."""
    what = [*operators, *constellations, *nodes]
    if not what:
        raise EditError(["outage: name a constellation, an operator or a node"])
    return OutageEvent(
        name=unique_name(f"{what[0]} {cause} outage", event_names(scenario)),
        from_s=round(from_s, 1),
        until_s=None,
        cause=cause,
        constellations=list(constellations),
        operators=list(operators),
        nodes=list(nodes),
    )


EVENT_MODELS = {"destroy": DestroyEvent, "jam": JamEvent, "outage": OutageEvent, "cut_links": CutLinksEvent}


def planes_text(planes: list[dict]) -> str:
    """An event's plane selection in words: "Backbone planes 32, 33" (or "none")."""
    return (
        "; ".join(f"{p['constellation']} planes {', '.join(map(str, p['planes']))}" for p in planes) or "none"
    )


def random_text(draw: dict | None) -> str:
    """An event's random draw in words: "10 % of Backbone, seed 3" (or "none")."""
    if draw is None:
        return "none"
    return f"{draw['fraction'] * 100:g} % of {draw['constellation'] or 'all satellites'}, seed {draw['seed']}"


# Selection fields of events the properties panel shows in words rather than editors.
SELECTION_FIELDS = {"planes": planes_text, "random": random_text}
