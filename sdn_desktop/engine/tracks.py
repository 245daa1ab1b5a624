"""Ground tracks and ground footprints: where satellites pass over the Earth and what they (or a node)
can see, as latitude/longitude arrays for maps. Vectorised; no drawing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from ..scenario import Scenario
from .frames import Epochs, ecef_to_geodetic
from .network import Network
from .satellites import SatelliteSet, build_satellites

MEAN_EARTH_RADIUS_KM = 6371.0088  # footprints are drawn on a sphere (IUGG mean radius)


@dataclass(frozen=True)
class GroundTracks:
    """Sub-satellite points of some satellites at common sample times (NaN where SGP4 failed)."""

    sat_indices: np.ndarray  # (S,)
    t_s: np.ndarray  # (T,) seconds after the scenario start
    lat_deg: np.ndarray  # (S, T) geodetic latitude
    lon_deg: np.ndarray  # (S, T) in [-180, 180]
    alt_km: np.ndarray  # (S, T) above the WGS84 ellipsoid
    now_index: int  # the column of the instant the tracks were asked for


@dataclass(frozen=True)
class TrackSource:
    """What ground tracks need of a network, without building one: the satellites' elements (no
    propagation, no links) and the scenario start. Satellite indices are those of the Network."""

    sats: SatelliteSet
    start: datetime

    def epochs(self, t_s: Iterable[float]) -> Epochs:
        return Epochs(self.start, np.fromiter(t_s, float))


def track_source(scenario: Scenario, base_dir: str | Path) -> TrackSource:
    """The scenario's satellites as the engine builds them (about 0.2 s for 10,000 Walker satellites)."""
    return TrackSource(build_satellites(scenario, Path(base_dir)), scenario.time.start)


def track_times(t_s: float, behind_s: float, ahead_s: float, step_s: float) -> tuple[np.ndarray, int]:
    """Sample times from ``t_s - behind_s`` to ``t_s + ahead_s``, at most ``step_s`` apart, with ``t_s``
    itself and both ends among them; and the index of ``t_s``."""
    if step_s <= 0 or behind_s < 0 or ahead_s < 0:
        raise ValueError("ground tracks need step_s > 0 and behind_s, ahead_s >= 0")
    n_behind = int(np.ceil(behind_s / step_s - 1e-9))
    n_ahead = int(np.ceil(ahead_s / step_s - 1e-9))
    behind = t_s - behind_s * np.arange(n_behind, 0, -1) / max(n_behind, 1)
    ahead = t_s + ahead_s * np.arange(1, n_ahead + 1) / max(n_ahead, 1)
    return np.concatenate((behind, [t_s], ahead)), n_behind


def ground_tracks(
    network: Network | TrackSource, sat_indices, t_s: float, behind_s: float, ahead_s: float, step_s: float
) -> GroundTracks:
    """Ground tracks of ``sat_indices`` around ``t_s``, propagated with the engine's SGP4 and frames
    (only the asked-for satellites are propagated)."""
    indices = np.asarray(sat_indices, int).reshape(-1)
    times, now = track_times(float(t_s), behind_s, ahead_s, step_s)
    subset = SatelliteSet(satrecs=[network.sats.satrecs[i] for i in indices])
    pos, _ = subset.propagate_ecef(network.epochs(times))
    lat, lon, alt_m = ecef_to_geodetic(pos)
    return GroundTracks(indices, times, lat, lon, alt_m / 1000.0, now)


def coverage_angle_rad(
    altitude_km, min_elevation_deg: float | None = None, max_range_km: float | None = None
) -> np.ndarray:
    """Earth central angle (radians) between a ground point and the sub-point of a satellite at
    ``altitude_km`` that it sees at ``min_elevation_deg`` or at slant range ``max_range_km`` (the
    smaller of the two when both are given). The same angle is the radius of a satellite's coverage
    circle and of the circle of sub-points a ground node can link to. Spherical Earth."""
    if min_elevation_deg is None and max_range_km is None:
        raise ValueError("coverage needs min_elevation_deg or max_range_km")
    r_ground = MEAN_EARTH_RADIUS_KM
    r_sat = r_ground + np.asarray(altitude_km, float)
    angle = np.arccos(np.clip(r_ground / r_sat, -1.0, 1.0))  # the horizon
    if min_elevation_deg is not None:
        el = np.radians(min_elevation_deg)
        angle = np.minimum(angle, np.arccos(np.clip(r_ground * np.cos(el) / r_sat, -1.0, 1.0)) - el)
    if max_range_km is not None:
        cos_range = (r_ground**2 + r_sat**2 - float(max_range_km) ** 2) / (2.0 * r_ground * r_sat)
        angle = np.minimum(angle, np.arccos(np.clip(cos_range, -1.0, 1.0)))
    return np.maximum(angle, 0.0)


def nadir_cone_angle_rad(altitude_km, half_angle_deg: float, max_range_km: float | None = None) -> np.ndarray:
    """Earth central angle (radians) of the ground a nadir cone of ``half_angle_deg`` covers from
    ``altitude_km`` (the horizon when the cone is wider than the Earth), within ``max_range_km``."""
    r_ground = MEAN_EARTH_RADIUS_KM
    ratio = (r_ground + np.asarray(altitude_km, float)) / r_ground
    eta = np.radians(half_angle_deg)
    hits = ratio * np.sin(eta) < 1.0
    angle = np.where(hits, np.arcsin(np.clip(ratio * np.sin(eta), -1.0, 1.0)) - eta, np.pi / 2)
    return np.minimum(angle, coverage_angle_rad(altitude_km, 0.0, max_range_km))


def circle_latlon(lat_deg, lon_deg, angle_rad, samples: int = 181) -> tuple[np.ndarray, np.ndarray]:
    """Points of small circles of central angle ``angle_rad`` around (lat, lon): arrays ``(C, samples)``
    going round by azimuth, first point repeated last; longitudes in [-180, 180]."""
    lat0 = np.radians(np.atleast_1d(np.asarray(lat_deg, float)))[:, None]
    lon0 = np.radians(np.atleast_1d(np.asarray(lon_deg, float)))[:, None]
    d = np.broadcast_to(np.atleast_1d(np.asarray(angle_rad, float)), lat0.shape[:1])[:, None]
    azimuth = np.linspace(0.0, 2.0 * np.pi, samples)[None, :]
    sin_lat = np.sin(lat0) * np.cos(d) + np.cos(lat0) * np.sin(d) * np.cos(azimuth)
    lat = np.arcsin(np.clip(sin_lat, -1.0, 1.0))
    lon = lon0 + np.arctan2(np.sin(azimuth) * np.sin(d) * np.cos(lat0), np.cos(d) - np.sin(lat0) * sin_lat)
    return np.degrees(lat), (np.degrees(lon) + 180.0) % 360.0 - 180.0
