"""Circles on the ground (sensor footprints, jamming discs) as Earth-fixed points just above the
WGS84 ellipsoid, so they lie on the drawn Earth rather than cutting through it."""

from __future__ import annotations

import numpy as np

from ...engine.frames import WGS84_A_KM, WGS84_B_KM, geodetic_to_ecef

EARTH_MEAN_RADIUS_KM = 6371.0088
GROUND_LIFT_KM = 6.0  # above the Earth mesh, whose facets sag at most 3.4 km
RING_POINTS = 72


def surface_km(units: np.ndarray, lift_km: float = GROUND_LIFT_KM) -> np.ndarray:
    """Points of the ellipsoid (raised by ``lift_km``) in the directions ``units`` ``(..., 3)``."""
    inv_sq = (units[..., 0] ** 2 + units[..., 1] ** 2) / WGS84_A_KM**2 + units[..., 2] ** 2 / WGS84_B_KM**2
    return units * (1.0 / np.sqrt(inv_sq) + lift_km)[..., None]


def _frame(center_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vector towards ``center_km`` and two unit vectors perpendicular to it."""
    up = center_km / np.linalg.norm(center_km)
    helper = np.array([0.0, 0.0, 1.0]) if abs(up[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    east = np.cross(helper, up)
    east /= np.linalg.norm(east)
    return up, east, np.cross(up, east)


def circle_units(center_km: np.ndarray, angle_rad: float, points: int = RING_POINTS) -> np.ndarray:
    """Directions ``(points, 3)`` of the circle of Earth-central angle ``angle_rad`` around the
    direction of ``center_km``."""
    up, east, north = _frame(np.asarray(center_km, float))
    theta = np.linspace(0.0, 2.0 * np.pi, points, endpoint=False)[:, None]
    return np.cos(angle_rad) * up + np.sin(angle_rad) * (np.cos(theta) * east + np.sin(theta) * north)


def ring_segments(center_km: np.ndarray, angle_rad: float, lift_km: float = GROUND_LIFT_KM) -> np.ndarray:
    """The ground circle as line-segment pairs (km), for ``connect='segments'`` lines."""
    ring = surface_km(circle_units(center_km, angle_rad), lift_km)
    out = np.empty((2 * len(ring), 3))
    out[0::2], out[1::2] = ring, np.roll(ring, -1, axis=0)
    return out


def sector_segments(
    center_km: np.ndarray,
    angle_rad: float,
    az_from_deg: float,
    span_deg: float,
    lift_km: float = GROUND_LIFT_KM,
) -> np.ndarray:
    """The outline of a ground sector (a radar's field of regard) as line-segment pairs (km): the arc
    of Earth-central angle ``angle_rad`` from azimuth ``az_from_deg`` clockwise over ``span_deg``
    (from north, as the engine measures it), closed by the two edges back to the centre."""
    up = np.asarray(center_km, float) / np.linalg.norm(center_km)
    east = np.cross([0.0, 0.0, 1.0], up)
    east = east / np.linalg.norm(east) if np.linalg.norm(east) > 1e-9 else np.array([0.0, 1.0, 0.0])
    north = np.cross(up, east)

    def ray(azimuth_rad: np.ndarray, reach_rad: np.ndarray) -> np.ndarray:
        heading = np.cos(azimuth_rad)[:, None] * north + np.sin(azimuth_rad)[:, None] * east
        return np.cos(reach_rad)[:, None] * up + np.sin(reach_rad)[:, None] * heading

    steps = max(2, int(RING_POINTS * span_deg / 360.0) + 1)
    azimuth = np.radians(az_from_deg + np.linspace(0.0, span_deg, steps))
    reach = np.linspace(0.0, angle_rad, 9)
    outline = np.concatenate(
        (
            ray(np.full(len(reach), azimuth[0]), reach),  # out along the first edge
            ray(azimuth[1:], np.full(len(azimuth) - 1, angle_rad)),  # the arc
            ray(np.full(len(reach) - 1, azimuth[-1]), reach[-2::-1]),  # back along the last edge
        )
    )
    points = surface_km(outline, lift_km)
    out = np.empty((2 * (len(points) - 1), 3))
    out[0::2], out[1::2] = points[:-1], points[1:]
    return out


def disc_mesh(
    lat_deg: float, lon_deg: float, radius_km: float, rings: int = 8, lift_km: float = GROUND_LIFT_KM
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (km) and triangle faces of a disc of ``radius_km`` (along the ground) on the Earth,
    in ``rings`` concentric bands so it follows the curve of the surface."""
    center = geodetic_to_ecef(lat_deg, lon_deg, 0.0)
    angle = radius_km / EARTH_MEAN_RADIUS_KM
    units = [center[None] / np.linalg.norm(center)]
    units += [circle_units(center, angle * (k + 1) / rings) for k in range(rings)]
    vertices = surface_km(np.concatenate(units), lift_km)
    n = RING_POINTS
    nxt = (np.arange(n) + 1) % n
    faces = [np.stack((np.zeros(n, int), 1 + np.arange(n), 1 + nxt), axis=1)]
    for k in range(rings - 1):
        inner, outer = 1 + k * n, 1 + (k + 1) * n
        faces.append(np.stack((inner + np.arange(n), outer + np.arange(n), outer + nxt), axis=1))
        faces.append(np.stack((inner + np.arange(n), outer + nxt, inner + nxt), axis=1))
    return vertices, np.concatenate(faces).astype(np.uint32)
