"""The contested environment as arrays: threat tracks, sensor custody and timed events.

Everything here is compiled once per scenario and evaluated per instant with numpy masks over all
satellites at once; loops run over events, threats or sensors' constellations, never satellites.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..scenario.model import (
    CutLinksEvent,
    DestroyEvent,
    JamEvent,
    OutageEvent,
    SatelliteSelection,
    Scenario,
    Threat,
)
from .frames import geodetic_to_ecef, segments_clear_of_earth
from .satellites import SatelliteSet

EARTH_MEAN_RADIUS_KM = 6371.0088
LINE_OF_SIGHT_SLACK_KM = -0.001  # a target on the ellipsoid itself still sees the sky above it


# ----------------------------------------------------------------- threats
def _unit(lat_deg, lon_deg) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)), axis=-1)


@dataclass
class _Track:
    times: np.ndarray  # (W,)
    units: np.ndarray  # (W, 3) directions of the waypoints
    alt_m: np.ndarray  # (W,)
    speed_km_s: np.ndarray  # (W - 1,) constant along each segment


class ThreatTracks:
    """Threat positions: along the great circle between waypoints, linear in altitude and time."""

    def __init__(self, threats: list[Threat]):
        self.names = [t.name for t in threats]
        self.kinds = [t.kind for t in threats]
        self._tracks = [self._track(t) for t in threats]

    def __len__(self) -> int:
        return len(self.names)

    @staticmethod
    def _track(threat: Threat) -> _Track:
        w = threat.waypoints
        times = np.array([p.t_s for p in w])
        units = _unit([p.lat_deg for p in w], [p.lon_deg for p in w])
        alt = np.array([p.alt_m for p in w])
        angle = np.arccos(np.clip(np.einsum("ij,ij->i", units[:-1], units[1:]), -1.0, 1.0))
        mean_radius = EARTH_MEAN_RADIUS_KM + (alt[:-1] + alt[1:]) / 2000.0
        moved = np.hypot(angle * mean_radius, np.diff(alt) / 1000.0)
        return _Track(times, units, alt, moved / np.diff(times))

    def at(self, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Earth-fixed positions ``(H, 3)`` km (NaN where the threat does not exist) and speeds (km/s)."""
        pos = np.full((len(self), 3), np.nan)
        speed = np.full(len(self), np.nan)
        for h, tr in enumerate(self._tracks):
            if not tr.times[0] <= t_s <= tr.times[-1]:
                continue
            k = min(int(np.searchsorted(tr.times, t_s, side="right")) - 1, len(tr.times) - 2)
            f = (t_s - tr.times[k]) / (tr.times[k + 1] - tr.times[k])
            a, b = tr.units[k], tr.units[k + 1]
            omega = np.arccos(np.clip(a @ b, -1.0, 1.0))
            if omega < 1e-12:
                u = a
            else:
                u = (np.sin((1 - f) * omega) * a + np.sin(f * omega) * b) / np.sin(omega)
            lat, lon = np.degrees(np.arcsin(np.clip(u[2], -1.0, 1.0))), np.degrees(np.arctan2(u[1], u[0]))
            alt = tr.alt_m[k] + f * (tr.alt_m[k + 1] - tr.alt_m[k])
            pos[h] = geodetic_to_ecef(lat, lon, alt)
            speed[h] = tr.speed_km_s[k]
        return pos, speed

    def window(self, h: int) -> tuple[float, float]:
        return float(self._tracks[h].times[0]), float(self._tracks[h].times[-1])


# ----------------------------------------------------------------- sensors and custody
class Sensors:
    """Sensor satellites (nadir cones) and sensor nodes (detection volumes) of a scenario."""

    def __init__(self, scenario: Scenario, sats: SatelliteSet):
        self.cones: list[tuple[range, float, float]] = []  # satellites, cos(half-angle), range (km)
        for c, members in zip(scenario.constellations, sats.ranges, strict=True):
            if c.sensor and len(members):
                cone = c.field_of_regard
                self.cones.append((members, np.cos(np.radians(cone.half_angle_deg)), cone.max_range_km))
        nodes = scenario.nodes
        self.node_index = np.array([g for g, n in enumerate(nodes) if n.role == "sensor"], int)
        volumes = [nodes[g].detection for g in self.node_index]
        self.node_min_el = np.array([v.min_elevation_deg for v in volumes])
        self.node_max_km = np.array([v.max_range_km for v in volumes])
        sectors = [(v.azimuth_from_deg or 0.0, v.azimuth_to_deg or 0.0) for v in volumes]
        self.node_az_from = np.array([s[0] for s in sectors]) % 360.0
        self.node_az_span = np.array([(s[1] - s[0]) % 360.0 or 360.0 for s in sectors])

    def satellites_seeing(
        self, threat_pos: np.ndarray, sat_pos: np.ndarray, active: np.ndarray
    ) -> np.ndarray:
        """(H, N) bool: active sensor satellites whose cone and range hold the threat, Earth not between.

        Per sensor constellation and threat: a range test over its satellites by one dot product each
        (cheap), then the cone and the line of sight for the few within range."""
        out = np.zeros((len(threat_pos), len(sat_pos)), bool)
        present = [h for h in range(len(threat_pos)) if np.isfinite(threat_pos[h]).all()]
        for members, cos_half, max_km in self.cones if present else ():
            p = sat_pos[members.start : members.stop]  # a view; NaN where inactive
            p_sq = p[:, 0] ** 2 + p[:, 1] ** 2 + p[:, 2] ** 2
            for h in present:
                target = threat_pos[h]
                along = p[:, 0] * target[0] + p[:, 1] * target[1] + p[:, 2] * target[2]
                with np.errstate(invalid="ignore"):
                    near = np.flatnonzero(p_sq + target @ target - 2.0 * along <= max_km**2)
                near = near[active[near + members.start]]
                d = target - p[near]
                nadir_cos = -np.einsum("ik,ik->i", d, p[near]) / np.sqrt(
                    np.einsum("ik,ik->i", d, d) * p_sq[near]
                )
                near = near[nadir_cos >= cos_half]
                ends = np.broadcast_to(target, (len(near), 3))
                clear = segments_clear_of_earth(p[near], ends, LINE_OF_SIGHT_SLACK_KM)
                out[h, near[clear] + members.start] = True
        return out

    def nodes_seeing(
        self, threat_pos: np.ndarray, node_pos: np.ndarray, node_up: np.ndarray, node_down: np.ndarray
    ) -> np.ndarray:
        """(H, G) bool: sensor nodes in service whose elevation, range and sector hold the threat."""
        out = np.zeros((len(threat_pos), len(node_pos)), bool)
        if not len(self.node_index) or not len(threat_pos):
            return out
        p, up = node_pos[self.node_index], node_up[self.node_index]
        east = np.cross([0.0, 0.0, 1.0], up)
        east /= np.maximum(np.linalg.norm(east, axis=1), 1e-12)[:, None]
        north = np.cross(up, east)
        d = threat_pos[:, None, :] - p[None, :, :]
        rng = np.linalg.norm(d, axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            elev = np.degrees(np.arcsin(np.clip(np.einsum("hgk,gk->hg", d, up) / rng, -1.0, 1.0)))
            az = np.degrees(np.arctan2(np.einsum("hgk,gk->hg", d, east), np.einsum("hgk,gk->hg", d, north)))
            in_sector = (az - self.node_az_from) % 360.0 <= self.node_az_span
            ok = (elev >= self.node_min_el) & (rng <= self.node_max_km) & in_sector
        out[:, self.node_index] = ok & ~node_down[self.node_index]
        return out


# ----------------------------------------------------------------- events
@dataclass(frozen=True)
class JamDisc:
    """An active jammer: every ground link whose ground end is inside the circle is cut."""

    name: str
    lat_deg: float
    lon_deg: float
    radius_km: float


@dataclass
class Conditions:
    """What the events make of one instant."""

    destroyed_at_s: np.ndarray  # (N,) time of destruction, NaN while intact
    sat_outage: np.ndarray  # (N,) bool
    node_outage: np.ndarray  # (G,) bool
    node_jammed: np.ndarray  # (G,) bool
    cut_keys: np.ndarray  # link keys a * N + b (a < b) cut now
    jamming: list[JamDisc] = field(default_factory=list)
    active_events: list[str] = field(default_factory=list)  # names of events in effect now

    @property
    def sat_down(self) -> np.ndarray:
        return np.isfinite(self.destroyed_at_s) | self.sat_outage

    @property
    def node_down(self) -> np.ndarray:
        return self.node_outage | self.node_jammed


def select_satellites(
    selection: SatelliteSelection, scenario: Scenario, sats: SatelliteSet, where: str, warnings: list[str]
) -> np.ndarray:
    """(N,) bool: the union of a selection's satellites; unknown satellite names become warnings."""
    mask = np.zeros(len(sats), bool)
    index = {name: i for i, name in enumerate(sats.names)}
    for name in selection.satellites:
        if name in index:
            mask[index[name]] = True
        else:
            warnings.append(f"{where}: no satellite named '{name}'")
    const_index = {c.name: i for i, c in enumerate(scenario.constellations)}
    for sel in selection.planes:
        mask |= (sats.constellation == const_index[sel.constellation]) & np.isin(sats.plane, sel.planes)
    chosen = set(selection.constellations)
    chosen |= {c.name for c in scenario.constellations if c.operator in selection.operators}
    for name in chosen:
        members = sats.ranges[const_index[name]]
        mask[members.start : members.stop] = True
    if selection.random is not None:
        draw = selection.random
        if draw.constellation is None:
            pool = np.arange(len(sats))
        else:
            members = sats.ranges[const_index[draw.constellation]]
            pool = np.arange(members.start, members.stop)
        count = int(round(draw.fraction * len(pool)))
        mask[np.random.default_rng(draw.seed).choice(pool, size=count, replace=False)] = True
    return mask


class EventSchedule:
    """The scenario's events compiled to masks; ``at(t)`` combines those in effect at ``t``."""

    def __init__(self, scenario: Scenario, sats: SatelliteSet, warnings: list[str]):
        n, nodes = len(sats), [nd.name for nd in scenario.nodes]
        self.n_sats, self.n_nodes = n, len(nodes)
        self.destroyed_at = np.full(n, np.inf)
        self.destroy_masks: dict[str, np.ndarray] = {}
        destroys, outages, jams, cuts = [], [], [], []
        index = {name: i for i, name in enumerate(sats.names)}
        for i, event in enumerate(scenario.events):
            where = f"events[{i}] '{event.name}'"
            if isinstance(event, DestroyEvent):
                mask = select_satellites(event, scenario, sats, where, warnings)
                destroys.append(event)
                self.destroy_masks[event.name] = mask
                self.destroyed_at[mask] = np.minimum(self.destroyed_at[mask], event.at_s)
            elif isinstance(event, OutageEvent):
                node_mask = np.isin(nodes, event.nodes)
                outages.append((event, select_satellites(event, scenario, sats, where, warnings), node_mask))
            elif isinstance(event, JamEvent):
                jams.append(event)
            elif isinstance(event, CutLinksEvent):
                keys = []
                for a, b in event.links:
                    if a in index and b in index:
                        lo, hi = sorted((index[a], index[b]))
                        keys.append(lo * n + hi)
                    else:
                        warnings.append(f"{where}: no satellite named '{a if a not in index else b}'")
                cuts.append((event, np.array(keys, np.int64)))
        self.has_events = bool(scenario.events)
        self.destroys = destroys
        self.outages = outages
        self.outage_from = np.array([e.from_s for e, _, _ in outages])
        self.outage_until = np.array([np.inf if e.until_s is None else e.until_s for e, _, _ in outages])
        self.outage_sats = np.array([m for _, m, _ in outages], bool).reshape(len(outages), n)
        self.outage_nodes = np.array([m for _, _, m in outages], bool).reshape(len(outages), len(nodes))
        self.jams = jams
        self.jam_from = np.array([e.from_s for e in jams])
        self.jam_until = np.array([np.inf if e.until_s is None else e.until_s for e in jams])
        centers = geodetic_to_ecef(
            [e.center.lat_deg for e in jams], [e.center.lon_deg for e in jams], np.zeros(len(jams))
        ).reshape(-1, 3)
        self.jam_units = centers / np.maximum(np.linalg.norm(centers, axis=1), 1e-9)[:, None]
        self.jam_cos = np.cos(np.array([e.radius_km for e in jams]) / EARTH_MEAN_RADIUS_KM)
        self.cuts = cuts
        self.cut_from = np.array([e.from_s for e, _ in cuts])
        self.cut_until = np.array([np.inf if e.until_s is None else e.until_s for e, _ in cuts])
        self._calm = Conditions(
            np.full(n, np.nan), np.zeros(n, bool), np.zeros(len(nodes), bool), np.zeros(len(nodes), bool),
            np.zeros(0, np.int64),
        )  # fmt: skip

    def selecting_nothing(self) -> list[str]:
        """Names of destroy, outage and cut_links events that select no satellite, node or link."""
        out = [name for name, mask in self.destroy_masks.items() if not mask.any()]
        out += [e.name for e, sats, nodes in self.outages if not sats.any() and not nodes.any()]
        return out + [e.name for e, keys in self.cuts if not len(keys)]

    def jammed(self, event: JamEvent, node_pos: np.ndarray) -> np.ndarray:
        """(G,) bool: nodes at ``node_pos`` inside the jammer's circle (whether or not it is on)."""
        j = self.jams.index(event)
        return self._inside(node_pos, self.jam_units[j : j + 1], self.jam_cos[j : j + 1])[:, 0]

    @staticmethod
    def _inside(node_pos: np.ndarray, units: np.ndarray, cos_radius: np.ndarray) -> np.ndarray:
        """(G, J) bool: node j-th circle membership, by the central angle to each circle's centre."""
        node_units = node_pos / np.linalg.norm(node_pos, axis=1)[:, None]
        return node_units @ units.T >= cos_radius

    def at(self, t_s: float, node_pos: np.ndarray) -> Conditions:
        if not self.has_events:
            return self._calm
        destroyed = np.where(self.destroyed_at <= t_s, self.destroyed_at, np.nan)
        live_outages = (self.outage_from <= t_s) & (t_s < self.outage_until)
        live_jams = (self.jam_from <= t_s) & (t_s < self.jam_until)
        live_cuts = (self.cut_from <= t_s) & (t_s < self.cut_until)
        node_jammed = np.zeros(self.n_nodes, bool)
        if live_jams.any() and self.n_nodes:
            inside = self._inside(node_pos, self.jam_units[live_jams], self.jam_cos[live_jams])
            node_jammed = inside.any(axis=1)
        cut = [keys for (_, keys), live in zip(self.cuts, live_cuts, strict=True) if live]
        active = [e.name for e in self.destroys if e.at_s <= t_s]
        active += [e.name for (e, _, _), live in zip(self.outages, live_outages, strict=True) if live]
        active += [e.name for e, live in zip(self.jams, live_jams, strict=True) if live]
        active += [e.name for (e, _), live in zip(self.cuts, live_cuts, strict=True) if live]
        return Conditions(
            destroyed_at_s=destroyed,
            sat_outage=self.outage_sats[live_outages].any(axis=0),
            node_outage=self.outage_nodes[live_outages].any(axis=0),
            node_jammed=node_jammed,
            cut_keys=np.concatenate(cut) if cut else np.zeros(0, np.int64),
            jamming=[
                JamDisc(e.name, e.center.lat_deg, e.center.lon_deg, e.radius_km)
                for e, live in zip(self.jams, live_jams, strict=True)
                if live
            ],
            active_events=active,
        )
