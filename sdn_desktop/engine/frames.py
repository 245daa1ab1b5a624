"""Time scales and reference frames: UTC/UT1 arrays, GMST, TEME -> Earth-fixed, geodetic -> Earth-fixed."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import numpy as np
from skyfield.api import load
from skyfield.sgp4lib import theta_GMST1982

C_KM_S = 299_792.458  # speed of light
WGS84_A_KM = 6378.137
WGS84_F = 1 / 298.257223563
WGS84_B_KM = WGS84_A_KM * (1 - WGS84_F)
WGS84_E2 = WGS84_F * (2 - WGS84_F)
JD_2433281_5 = datetime(1949, 12, 31, tzinfo=UTC)  # the epoch SGP4 counts days from


@cache
def timescale():
    """Skyfield's builtin time scale: offline, never downloads."""
    return load.timescale(builtin=True)


class Epochs:
    """An array of instants given as seconds after ``start``; carries the UTC and UT1 Julian dates."""

    def __init__(self, start: datetime, seconds: np.ndarray):
        self.start = start
        self.seconds = np.atleast_1d(np.asarray(seconds, dtype=float))
        days = self.seconds / 86400.0
        # UTC Julian date split into whole + fraction, as SGP4 wants it (TLE epochs are UTC); the split
        # is done on the timedelta, since one float near JD 2.4e6 resolves only about 20 us
        since = start - JD_2433281_5
        self.jd_utc = np.full_like(days, 2433281.5 + since.days)
        self.fr_utc = (since.seconds + since.microseconds / 1e6) / 86400.0 + days
        # UT1 for Earth rotation, at each instant (UT1 - UTC drifts by milliseconds over days)
        t = timescale().utc(
            start.year, start.month, start.day, start.hour, start.minute,
            start.second + start.microsecond / 1e6 + self.seconds,
        )  # fmt: skip
        self.jd_ut1 = np.broadcast_to(t.whole, days.shape).astype(float)
        self.fr_ut1 = np.broadcast_to(t.ut1_fraction, days.shape).astype(float)

    def __len__(self) -> int:
        return len(self.seconds)

    def gmst_rad(self) -> np.ndarray:
        theta, _ = theta_GMST1982(self.jd_ut1, self.fr_ut1)
        return np.asarray(theta, dtype=float)


def teme_to_ecef(r_teme: np.ndarray, gmst: np.ndarray) -> np.ndarray:
    """Rotate TEME positions ``(..., T, 3)`` into the Earth-fixed frame by GMST (no polar motion)."""
    c, s = np.cos(gmst)[..., None], np.sin(gmst)[..., None]
    x, y, z = r_teme[..., 0:1], r_teme[..., 1:2], r_teme[..., 2:3]
    return np.concatenate((c * x + s * y, -s * x + c * y, z), axis=-1)


def geodetic_to_ecef(lat_deg, lon_deg, alt_m) -> np.ndarray:
    """WGS84 geodetic coordinates to Earth-fixed kilometres; broadcasts, last axis is xyz."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    h = np.asarray(alt_m, dtype=float) / 1000.0
    n = WGS84_A_KM / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
    return np.stack(
        (
            (n + h) * np.cos(lat) * np.cos(lon),
            (n + h) * np.cos(lat) * np.sin(lon),
            (n * (1 - WGS84_E2) + h) * np.sin(lat),
        ),
        axis=-1,
    )


def ecef_to_geodetic(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Earth-fixed km to (lat_deg, lon_deg, alt_m) on WGS84 (Bowring, sub-millimetre in LEO)."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    ep2 = WGS84_E2 / (1 - WGS84_E2)
    theta = np.arctan2(z * WGS84_A_KM, p * WGS84_B_KM)
    lat = np.arctan2(
        z + ep2 * WGS84_B_KM * np.sin(theta) ** 3, p - WGS84_E2 * WGS84_A_KM * np.cos(theta) ** 3
    )
    n = WGS84_A_KM / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
    alt = p / np.cos(lat) - n
    return np.degrees(lat), np.degrees(np.arctan2(y, x)), alt * 1000.0


def local_up(lat_deg, lon_deg) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)), axis=-1)


def segments_clear_of_earth(p: np.ndarray, q: np.ndarray, grazing_km: float) -> np.ndarray:
    """True where the straight segment p-q stays above the WGS84 ellipsoid raised by ``grazing_km``.

    Scaling z by (a+h)/(b+h) turns the raised ellipsoid into a sphere of radius a+h, where the
    closest approach of a segment to the centre is a clamped projection.
    """
    radius = WGS84_A_KM + grazing_km
    k = np.array([1.0, 1.0, radius / (WGS84_B_KM + grazing_km)])
    p, q = p * k, q * k
    d = q - p
    dd = np.einsum("ij,ij->i", d, d)
    t = np.clip(-np.einsum("ij,ij->i", p, d) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
    closest = p + t[:, None] * d
    return np.einsum("ij,ij->i", closest, closest) >= radius * radius
