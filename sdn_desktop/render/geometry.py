"""Rays, the WGS84 ellipsoid and camera angles: the arithmetic behind picking and following."""

from __future__ import annotations

import numpy as np

from ..engine.frames import WGS84_A_KM, WGS84_B_KM

# Scaling z by this turns the WGS84 ellipsoid into a sphere of the equatorial radius.
_TO_SPHERE = np.array([1.0, 1.0, WGS84_A_KM / WGS84_B_KM])


def ray_hits_earth(origin_km: np.ndarray, direction: np.ndarray) -> float | None:
    """Parameter ``t`` of the first intersection of ``origin + t * direction`` with the ellipsoid."""
    o, d = np.asarray(origin_km, float) * _TO_SPHERE, np.asarray(direction, float) * _TO_SPHERE
    a, b, c = d @ d, 2.0 * (o @ d), o @ o - WGS84_A_KM**2
    disc = b * b - 4 * a * c
    if a == 0 or disc < 0:
        return None
    root = np.sqrt(disc)
    for t in sorted(((-b - root) / (2 * a), (-b + root) / (2 * a))):
        if t >= 0:
            return float(t)
    return None


def hidden_by_earth(
    eye_km: np.ndarray, points_km: np.ndarray, tolerance_km: float = 5.0, shrink_km: float = 0.0
) -> np.ndarray:
    """True for points the ellipsoid (made ``shrink_km`` smaller) hides from ``eye``; points within
    ``tolerance_km`` behind the surface they lie on stay visible. NaN points are never hidden."""
    points = np.asarray(points_km, float).reshape(-1, 3)
    radius = WGS84_A_KM - shrink_km
    o = np.asarray(eye_km, float) * _TO_SPHERE
    d = (points - eye_km) * _TO_SPHERE
    a = np.einsum("ij,ij->i", d, d)
    b = 2.0 * (d @ o)
    c = o @ o - radius**2
    disc = b * b - 4 * a * c
    hit = disc > 0
    t_first = np.full(len(points), np.inf)
    t_first[hit] = (-b[hit] - np.sqrt(disc[hit])) / (2 * a[hit])
    length = np.sqrt(np.maximum(a, 1e-12))
    return hit & (t_first > 0) & (t_first * length < length - tolerance_km)


def direction_lat_lon(xyz: np.ndarray) -> tuple[float, float]:
    """Geocentric latitude and longitude (degrees) of a direction."""
    x, y, z = (float(v) for v in xyz)
    return float(np.degrees(np.arctan2(z, np.hypot(x, y)))), float(np.degrees(np.arctan2(y, x)))


def turntable_angles(lat_deg: float, lon_deg: float) -> tuple[float, float]:
    """VisPy turntable (azimuth, elevation) that puts the eye above (lat, lon) looking at the centre.

    At azimuth 0 the turntable eye sits on -y (longitude -90), so azimuth = longitude + 90.
    """
    azimuth = (lon_deg + 90.0 + 180.0) % 360.0 - 180.0
    return azimuth, float(np.clip(lat_deg, -89.0, 89.0))
