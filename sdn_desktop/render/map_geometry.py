"""Equirectangular map geometry (numpy only): polylines cut at the date line and the poles, links as
ground paths. Map coordinates are (lon, lat) in degrees, x east, y north."""

from __future__ import annotations

import numpy as np

from ..engine.frames import ecef_to_geodetic

POLE_JUMP_DEG = 90.0  # one step east or west by more than this passes over a pole
PATH_STEP_DEG = 1.0  # a link's ground path is sampled at least this finely


def _wrap(lon):
    return (np.asarray(lon, float) + 180.0) % 360.0 - 180.0


def polyline_segments(lat_deg, lon_deg) -> np.ndarray:
    """Line segments ``(2K, 2)`` of (lon, lat) endpoints for ``connect='segments'`` drawing polylines
    given as rows of ``(P, T)`` arrays (or one row ``(T,)``).

    A step across the date line becomes two segments that meet the map's left and right edges at the
    latitude where it crosses; a step of more than POLE_JUMP_DEG in longitude goes over a pole, drawn
    as two segments from its ends to the map's top (or bottom) edge; steps touching NaN are left out.
    """
    lat = np.atleast_2d(np.asarray(lat_deg, float))
    lon = np.atleast_2d(_wrap(lon_deg))
    lat_a, lat_b = lat[:, :-1].ravel(), lat[:, 1:].ravel()
    lon_a, lon_b = lon[:, :-1].ravel(), lon[:, 1:].ravel()
    ok = np.isfinite(lat_a) & np.isfinite(lat_b) & np.isfinite(lon_a) & np.isfinite(lon_b)
    lat_a, lat_b, lon_a, lon_b = lat_a[ok], lat_b[ok], lon_a[ok], lon_b[ok]
    step = _wrap(lon_b - lon_a)
    over_pole = np.abs(step) > POLE_JUMP_DEG
    end = lon_a + step  # unwrapped: outside [-180, 180] when the step crosses the date line
    crossing = ~over_pole & (np.abs(end) > 180.0)
    plain = ~over_pole & ~crossing

    pieces = [np.stack((lon_a[plain], lat_a[plain], lon_b[plain], lat_b[plain]), axis=1)]
    edge = np.copysign(180.0, end[crossing])
    f = (edge - lon_a[crossing]) / step[crossing]
    lat_c = lat_a[crossing] + f * (lat_b[crossing] - lat_a[crossing])
    pieces.append(np.stack((lon_a[crossing], lat_a[crossing], edge, lat_c), axis=1))
    pieces.append(np.stack((-edge, lat_c, lon_b[crossing], lat_b[crossing]), axis=1))
    pole = np.copysign(90.0, lat_a[over_pole] + lat_b[over_pole])
    pieces.append(np.stack((lon_a[over_pole], lat_a[over_pole], lon_a[over_pole], pole), axis=1))
    pieces.append(np.stack((lon_b[over_pole], pole, lon_b[over_pole], lat_b[over_pole]), axis=1))
    return np.concatenate(pieces).reshape(-1, 2)


def ground_paths(a_km: np.ndarray, b_km: np.ndarray, step_deg: float = PATH_STEP_DEG):
    """Ground paths of straight links between Earth-fixed points ``a_km[i]`` and ``b_km[i]`` (the
    sub-points of the link's points: a great circle on the map), as (lat, lon) arrays ``(L, S)``
    sampled at most ``step_deg`` of arc apart, ends exact."""
    a_km, b_km = np.asarray(a_km, float).reshape(-1, 3), np.asarray(b_km, float).reshape(-1, 3)
    if not len(a_km):
        return np.zeros((0, 2)), np.zeros((0, 2))
    cos_arc = np.einsum("ij,ij->i", a_km, b_km) / (
        np.linalg.norm(a_km, axis=1) * np.linalg.norm(b_km, axis=1)
    )
    arc_deg = np.degrees(np.arccos(np.clip(np.nan_to_num(cos_arc, nan=1.0), -1.0, 1.0)))
    samples = max(2, int(np.ceil(arc_deg.max() / step_deg)) + 1)
    f = np.linspace(0.0, 1.0, samples)[None, :, None]
    points = a_km[:, None, :] + f * (b_km - a_km)[:, None, :]
    lat, lon, _ = ecef_to_geodetic(points)
    return lat, lon
