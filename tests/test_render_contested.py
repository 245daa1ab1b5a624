"""The contested layers in real pixels: a threat under a sensor satellite, a jammer, a struck satellite."""

from __future__ import annotations

import numpy as np
import pytest

from sdn_desktop.engine import Network
from sdn_desktop.engine.frames import ecef_to_geodetic
from sdn_desktop.engine.layout import network_layout
from sdn_desktop.render import GlobeView
from sdn_desktop.render.geometry import turntable_angles
from sdn_desktop.scenario import Scenario

T_S = 300.0
SIZE = (480, 360)
THREAT_RGB = (255, 0, 255)
SENSOR = 0


@pytest.fixture(scope="module")
def contested(tmp_path_factory):
    """The small scenario with sensor satellites, a threat right below satellite 0, a jammer 12° south of
    it and satellite 0's nearest neighbour struck a minute ago; and its network and snapshot at ``T_S``."""
    from tests.conftest import small_scenario  # noqa: PLC0415 - the fixture's function, built here

    base = small_scenario.__wrapped__()
    data = base.model_dump()
    data["constellations"][0]["sensor"] = True
    plain = Network(Scenario.model_validate(data), tmp_path_factory.mktemp("contested"))
    where = plain.snapshot(T_S).sat_pos
    lat, lon, _ = (float(v) for v in ecef_to_geodetic(where[SENSOR]))
    data["threats"] = [{
        "name": "Glider", "kind": "hypersonic_glide", "color": "#ff00ff",
        "waypoints": [{"t_s": T_S - 20, "lat_deg": lat, "lon_deg": lon - 0.5, "alt_m": 40000.0},
                      {"t_s": T_S + 20, "lat_deg": lat, "lon_deg": lon + 0.5, "alt_m": 40000.0}],
    }]  # fmt: skip
    struck = int(np.argsort(np.linalg.norm(where - where[SENSOR], axis=1))[1])
    jam_lat = lat - 12.0 if lat > -60 else lat + 12.0
    data["events"] = [
        {"kind": "jam", "name": "Jammer", "from_s": 0.0, "until_s": 600.0,
         "center": {"lat_deg": jam_lat, "lon_deg": lon}, "radius_km": 500.0},
        {"kind": "destroy", "name": "Strike", "at_s": T_S - 60, "satellites": [plain.sats.names[struck]]},
    ]  # fmt: skip
    scenario = Scenario.model_validate(data)
    network = Network(scenario, plain.base_dir)
    snapshot = network.snapshot(T_S)
    view = GlobeView(size=SIZE)
    view.set_scenario(scenario, network_layout(network))
    view.update(snapshot)
    view.set_overlay(False, False, False)
    view.camera.azimuth, view.camera.elevation = turntable_angles(lat - 6.0, lon)
    yield view, snapshot, (jam_lat, lon), struck
    view.canvas.close()


def near(image: np.ndarray, xy, radius: int = 2) -> np.ndarray:
    x, y = (int(round(v)) for v in xy)
    return image[y - radius : y + radius + 1, x - radius : x + radius + 1, :3].reshape(-1, 3).astype(int)


def test_threat_in_custody_is_drawn_in_its_colour(contested):
    view, snapshot, _, struck = contested
    assert snapshot.custody_sats[0, SENSOR]  # right below a sensor satellite: in custody
    image = view.render()
    xy = view.project(snapshot.threat_pos)[0]
    assert np.isfinite(xy).all()
    distance = np.abs(near(image, xy) - THREAT_RGB).sum(axis=1)
    assert distance.min() < 40
    view.set_layer_visible("threats", False)
    hidden = view.render()
    view.set_layer_visible("threats", True)
    assert np.abs(near(hidden, xy) - THREAT_RGB).sum(axis=1).min() > 150


def test_jamming_disc_is_red_at_its_centre_while_active(contested):
    from sdn_desktop.engine.frames import geodetic_to_ecef  # noqa: PLC0415

    view, snapshot, (lat, lon), _ = contested
    assert [jam.name for jam in snapshot.jamming] == ["Jammer"]
    xy = view.project(geodetic_to_ecef(lat, lon, 0.0)[None])[0]
    jammed = near(view.render(), xy).mean(axis=0)
    view.set_layer_visible("jamming", False)
    plain = near(view.render(), xy).mean(axis=0)
    view.set_layer_visible("jamming", True)
    assert jammed[0] - plain[0] > 40  # redder
    assert jammed[0] > jammed[1] + 40 and jammed[0] > jammed[2] + 20  # red over the blue ocean


def test_struck_satellite_is_a_red_cross_and_hides_with_its_layer(contested):
    view, snapshot, _, struck = contested
    assert np.isfinite(snapshot.sat_destroyed_at_s[struck]) and not snapshot.sat_active[struck]
    xy = view.project(snapshot.down_pos[list(snapshot.down_sats).index(struck)][None])[0]
    assert np.isfinite(xy).all()
    red = np.array((255, 23, 68))
    assert np.abs(near(view.render(), xy, 1) - red).sum(axis=1).min() < 60
    view.set_layer_visible("struck", False)
    assert np.abs(near(view.render(), xy, 1) - red).sum(axis=1).min() > 120
    view.set_layer_visible("struck", True)


@pytest.mark.parametrize("az_from,az_to", [(300.0, 60.0), (90.0, 200.0)])
def test_a_radar_sector_is_drawn_where_the_engine_sees(az_from, az_to):
    """The custody outline of a radar with an azimuth sector keeps to the sector, and its arc lies
    where the engine's own detection test sees a target at that altitude (and no further)."""
    from sdn_desktop.engine.contested import Sensors  # noqa: PLC0415
    from sdn_desktop.engine.frames import geodetic_to_ecef  # noqa: PLC0415
    from sdn_desktop.render.layers.custody import node_footprint_rad  # noqa: PLC0415
    from sdn_desktop.render.layers.ground import EARTH_MEAN_RADIUS_KM, sector_segments  # noqa: PLC0415

    detection = {"min_elevation_deg": 5.0, "max_range_km": 3000.0}
    detection |= {"azimuth_from_deg": az_from, "azimuth_to_deg": az_to}
    scenario = Scenario.model_validate(
        {"format": "sdn-scenario", "version": 2, "name": "Sector",
         "time": {"start": "2026-11-22T00:00:00Z", "duration_s": 60, "step_s": 60},
         "nodes": [{"name": "Radar", "role": "sensor", "position": {"lat_deg": 64.3, "lon_deg": -149.2},
                    "detection": detection}]}
    )  # fmt: skip
    sensors = Sensors(scenario, Network(scenario, ".").sats)
    site = geodetic_to_ecef(64.3, -149.2, 0.0)
    up = geodetic_to_ecef(64.3, -149.2, 1000.0) - site
    up /= np.linalg.norm(up)  # the engine's local vertical
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east)
    north = np.cross(up, east)
    target_radius = EARTH_MEAN_RADIUS_KM + 100.0
    angle = node_footprint_rad(target_radius, 5.0, 3000.0, float(np.linalg.norm(site)))
    span = (az_to - az_from) % 360.0
    units = sector_segments(site, angle, az_from, span)
    units /= np.linalg.norm(units, axis=1)[:, None]
    centre = site / np.linalg.norm(site)
    away = units - centre * (units @ centre)[:, None]
    moved = np.linalg.norm(away, axis=1) > 1e-6  # every point but the radar's own
    heading = np.degrees(np.arctan2(away[moved] @ east, away[moved] @ north)) % 360.0
    assert (((heading - az_from + 0.5) % 360.0) <= span + 1.0).all(), "a point outside the sector"

    def seen(directions: np.ndarray) -> np.ndarray:
        return sensors.nodes_seeing(directions * target_radius, site[None], up[None], np.zeros(1, bool))[:, 0]

    def toward(azimuth_deg: float, reach: float) -> np.ndarray:
        a = np.radians(azimuth_deg)
        return np.cos(reach) * centre + np.sin(reach) * (np.cos(a) * north + np.sin(a) * east)

    arc = units[np.arccos(np.clip(units @ centre, -1, 1)) > 0.999 * angle]
    assert len(arc) >= 10
    assert np.allclose(np.arccos(np.clip(arc @ centre, -1, 1)), angle, atol=1e-6)
    inside = [az_from + f * span for f in (0.05, 0.5, 0.95)]
    assert seen(np.array([toward(a, 0.99 * angle) for a in inside])).all()
    assert not seen(np.array([toward(a, 1.01 * angle) for a in inside])).any()
    assert not seen(np.array([toward(az_from - 5.0, 0.5 * angle), toward(az_to + 5.0, 0.5 * angle)])).any()
