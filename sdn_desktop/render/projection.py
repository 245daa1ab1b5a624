"""Where a drawn frame put things: Earth-fixed km <-> canvas pixels, usable away from the scene."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.frames import ecef_to_geodetic
from .geometry import hidden_by_earth, ray_hits_earth

PICK_RADIUS_PX = 8.0


def nearest_within(xy: np.ndarray, x: float, y: float, radius_px: float = PICK_RADIUS_PX) -> int | None:
    """Index of the point of ``xy`` ((N, 2) pixels, NaN where not drawn) nearest to (x, y), if it is
    within ``radius_px``."""
    if len(xy) == 0:
        return None
    distance = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
    distance[np.isnan(distance)] = np.inf
    best = int(np.argmin(distance))
    return best if distance[best] <= radius_px else None


@dataclass(frozen=True)
class Pickable:
    """Objects of one kind as drawn: their indices (satellite or node numbers) and positions (km)."""

    kind: str  # "node" or "satellite"
    indices: np.ndarray
    points_km: np.ndarray


@dataclass(frozen=True)
class ScreenProjection:
    """The camera of one frame, frozen: plain numpy, so any thread can pick on what it shows.

    ``matrix`` maps homogeneous Earth-fixed km ``[x, y, z, 1] @ matrix`` to homogeneous canvas pixels.
    ``pickables`` are tried in order (nodes before satellites: a node wins a tie).
    """

    matrix: np.ndarray
    eye_km: np.ndarray
    pickables: tuple[Pickable, ...] = ()

    def project(self, points_km: np.ndarray) -> np.ndarray:
        """Canvas pixel coordinates ``(N, 2)``; NaN behind the camera or hidden by the Earth."""
        points_km = np.asarray(points_km, float).reshape(-1, 3)
        mapped = np.hstack((points_km, np.ones((len(points_km), 1)))) @ self.matrix
        w = mapped[:, 3]
        visible = (w > 0) & ~hidden_by_earth(self.eye_km, points_km)
        xy = mapped[:, :2] / np.where(visible, w, 1.0)[:, None]
        xy[~visible] = np.nan
        return xy

    def pick(self, x: float, y: float) -> tuple[str, int] | None:
        """The node or satellite drawn nearest to pixel (x, y) within ``PICK_RADIUS_PX``."""
        for group in self.pickables:
            if len(group.points_km) == 0:
                continue
            best = nearest_within(self.project(group.points_km), x, y)
            if best is not None:
                return group.kind, int(group.indices[best])
        return None

    def latlon_at(self, x: float, y: float) -> tuple[float, float] | None:
        """Geodetic (lat, lon) in degrees of the globe under pixel (x, y), or None for space."""
        far = np.array([x, y, 0.5, 1.0]) @ np.linalg.inv(self.matrix)
        direction = far[:3] / far[3] - self.eye_km
        t = ray_hits_earth(self.eye_km, direction)
        if t is None:
            return None
        lat, lon, _ = ecef_to_geodetic(self.eye_km + t * direction)
        return float(lat), float(lon)
