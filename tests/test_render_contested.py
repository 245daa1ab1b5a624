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
