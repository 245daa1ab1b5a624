"""Custody: for each threat, the ground footprint of every sensor that sees it now (a sensor
satellite's field of regard, a sensor node's detection range at the threat's altitude, cut to its
azimuth sector) and a thin line of sight from the sensor to the threat."""

from __future__ import annotations

import numpy as np
from vispy.color import Color

from ...engine.layout import NetworkLayout
from ...scenario import Scenario
from ..overlay import LegendEntry
from .base import GlobeSnapshot, Layer, SceneParts, segment_lines
from .ground import EARTH_MEAN_RADIUS_KM, ring_segments, sector_segments

CUSTODY_COLOR = "#ffd54f"
FOOTPRINT_RGBA = Color(CUSTODY_COLOR, alpha=0.9).rgba
SIGHT_RGBA = Color(CUSTODY_COLOR, alpha=0.6).rgba


def satellite_footprint_rad(radius_km: float, half_angle_deg: float, max_range_km: float) -> float:
    """Earth-central angle of the ground circle a nadir cone of ``half_angle_deg`` sees from
    ``radius_km`` (from the Earth's centre), cut at the horizon and at ``max_range_km`` slant range."""
    earth = EARTH_MEAN_RADIUS_KM
    rho = np.arcsin(min(1.0, earth / radius_km))  # angular radius of the Earth seen from the satellite
    eta = np.radians(half_angle_deg)
    cone = np.pi / 2 - rho if eta >= rho else np.pi / 2 - eta - np.arccos(np.sin(eta) / np.sin(rho))
    return min(cone, _range_angle(earth, radius_km, max_range_km))


def node_footprint_rad(
    target_radius_km: float,
    min_elevation_deg: float,
    max_range_km: float,
    site_radius_km: float = EARTH_MEAN_RADIUS_KM,
) -> float:
    """Earth-central angle out to which a sensor node ``site_radius_km`` from the Earth's centre sees
    a target at ``target_radius_km`` above ``min_elevation_deg`` and within ``max_range_km``."""
    earth = site_radius_km
    elevation = np.radians(min_elevation_deg)
    horizon = np.arccos(np.clip(earth * np.cos(elevation) / target_radius_km, -1.0, 1.0)) - elevation
    return min(max(horizon, 0.0), _range_angle(earth, target_radius_km, max_range_km))


def _range_angle(r1: float, r2: float, distance: float) -> float:
    """Earth-central angle between points at radii ``r1`` and ``r2`` that are ``distance`` apart."""
    return float(np.arccos(np.clip((r1**2 + r2**2 - distance**2) / (2.0 * r1 * r2), -1.0, 1.0)))


def _node_outline(node_km: np.ndarray, angle_rad: float, volume) -> np.ndarray:
    """A sensor node's footprint: a circle, or its azimuth sector when the volume has one."""
    if volume.azimuth_from_deg is None:
        return ring_segments(node_km, angle_rad)
    span = (volume.azimuth_to_deg - volume.azimuth_from_deg) % 360.0 or 360.0
    return sector_segments(node_km, angle_rad, volume.azimuth_from_deg, span)


class CustodyLayer(Layer):
    order = 6  # after the threats' tracks, so these thin lines never hide a track behind them
    legend_rank = 1

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.footprints = segment_lines(parts.earth_fixed, self.order, width=2.0, antialias=True)
        self.sight_lines = segment_lines(parts.earth_fixed, self.order, width=1.0, antialias=True)
        self._sat_cone: np.ndarray = np.zeros((0, 2))  # (N, 2) half-angle, range of each satellite

    def visuals(self) -> list:
        return [self.footprints, self.sight_lines]

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        super().set_scenario(scenario, layout)
        cones = np.array(
            [
                (c.field_of_regard.half_angle_deg, c.field_of_regard.max_range_km)
                for c in scenario.constellations
            ]
        ).reshape(-1, 2)
        self._sat_cone = cones[layout.sats.constellation] if len(layout.sats) else np.zeros((0, 2))

    def update(self, snapshot: GlobeSnapshot) -> None:
        snap = snapshot.snapshot
        rings, sights = [], []
        for h in range(len(snap.threat_pos)):
            threat = snap.threat_pos[h]
            if not np.isfinite(threat).all():
                continue
            threat_radius = float(np.linalg.norm(threat))
            for i in np.flatnonzero(snap.custody_sats[h]):
                position = snap.sat_pos[i]
                rings.append(
                    ring_segments(
                        position, satellite_footprint_rad(np.linalg.norm(position), *self._sat_cone[i])
                    )
                )
                sights.append(np.stack((position, threat)))
            for g in np.flatnonzero(snap.custody_nodes[h]):
                volume = self.scenario.nodes[g].detection
                site_radius = float(np.linalg.norm(snapshot.node_km[g]))
                angle = node_footprint_rad(
                    threat_radius, volume.min_elevation_deg, volume.max_range_km, site_radius
                )
                rings.append(_node_outline(snapshot.node_km[g], angle, volume))
                sights.append(np.stack((snapshot.node_km[g], threat)))
        self._set_lines(self.footprints, np.concatenate(rings) if rings else np.zeros((0, 3)), FOOTPRINT_RGBA)
        self._set_lines(self.sight_lines, np.concatenate(sights) if sights else np.zeros((0, 3)), SIGHT_RGBA)

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry("sensor custody", CUSTODY_COLOR)] if self.scenario.threats else []
