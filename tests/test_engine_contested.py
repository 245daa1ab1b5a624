"""The contested engine: timed events as masks, jamming, sensor custody and threat chains."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdn_desktop.engine import Network
from sdn_desktop.engine.frames import ecef_to_geodetic, geodetic_to_ecef, local_up
from sdn_desktop.scenario import load_scenario, scenario_from_dict
from sdn_desktop.scenario.model import DestroyEvent, JamEvent, LatLon

ROOT = Path(__file__).resolve().parent.parent
HYPATIA = ROOT / "scenarios" / "hypatia_kuiper630.json"
MICROSECOND_MS = 0.001
STRIKE_S = 50.0
TIMES = np.arange(0.0, 200.0 + 1e-9, 5.0)


# ------------------------------------------------------------------ events on Hypatia's Kuiper-630
@pytest.fixture(scope="module")
def hypatia():
    return load_scenario(HYPATIA)


@pytest.fixture(scope="module")
def baseline(hypatia):
    network = Network(hypatia, HYPATIA.parent)
    return network, network.run(TIMES)


def leg_row(series, chain: str) -> int:
    return next(i for i, leg in enumerate(series.legs) if leg.chain == chain)


def same(a, b, rows: np.ndarray, tolerance_ms: float = 0.0) -> None:
    """Equal latencies (NaN alike) and paths at the steps ``rows``."""
    assert np.array_equal(np.isnan(a.latency_ms[:, rows]), np.isnan(b.latency_ms[:, rows]))
    np.testing.assert_allclose(a.latency_ms[:, rows], b.latency_ms[:, rows], atol=tolerance_ms, rtol=0)
    for li in range(len(a.legs)):
        assert [a.paths[li][t] for t in rows] == [b.paths[li][t] for t in rows]


def test_destroying_a_route_at_50_s_equals_disabling_it_from_then_on(hypatia, baseline):
    network, before = baseline
    ti = int(np.flatnonzero(TIMES == STRIKE_S)[0])
    row = leg_row(before, "Manila-Dalian")
    struck = [name for name in before.paths[row][ti] if name in network.sats.names]
    assert len(struck) >= 2
    strike = DestroyEvent(name="Strike", at_s=STRIKE_S, satellites=struck)
    attacked = Network(hypatia.model_copy(update={"events": [strike]}), HYPATIA.parent, previous=network)
    disabled = Network(hypatia.model_copy(update={"disabled_satellites": struck}), HYPATIA.parent)
    during, without = attacked.run(TIMES), disabled.run(TIMES)
    early, late = np.flatnonzero(TIMES < STRIKE_S), np.flatnonzero(TIMES >= STRIKE_S)
    same(during, before, early)
    same(during, without, late, MICROSECOND_MS)
    assert not set(struck) & {n for t in late for n in during.paths[row][t]}
    assert during.latency_ms[row, ti] != before.latency_ms[row, ti]
    snap = attacked.snapshot(STRIKE_S + 10)
    hit = np.isin(network.sats.names, struck)
    assert np.all(snap.sat_destroyed_at_s[hit] == STRIKE_S) and np.isnan(snap.sat_destroyed_at_s[~hit]).all()
    assert not snap.sat_active[hit].any() and snap.active_events == ["Strike"]


def test_a_destroy_event_at_0_equals_disabled_satellites_exactly(hypatia, baseline):
    network, _ = baseline
    names = network.sats.names[100:160]
    attacked = Network(
        hypatia.model_copy(update={"events": [DestroyEvent(name="At once", at_s=0.0, satellites=names)]}),
        HYPATIA.parent,
        previous=network,
    )
    disabled = Network(hypatia.model_copy(update={"disabled_satellites": names}), HYPATIA.parent)
    a, b = attacked.run(TIMES[::4]), disabled.run(TIMES[::4])
    assert np.array_equal(a.latency_ms, b.latency_ms, equal_nan=True) and a.paths == b.paths


def test_a_jammer_on_a_node_cuts_exactly_its_legs_inside_the_window(hypatia, baseline):
    network, before = baseline
    manila = hypatia.nodes[0].position
    jam = JamEvent(
        name="Jammer", from_s=40.0, until_s=120.0,
        center=LatLon(lat_deg=manila.lat_deg, lon_deg=manila.lon_deg), radius_km=300.0,
    )  # fmt: skip
    jammed = Network(hypatia.model_copy(update={"events": [jam]}), HYPATIA.parent, previous=network)
    series = jammed.run(TIMES)
    inside = (TIMES >= 40.0) & (TIMES < 120.0)
    same(series, before, np.flatnonzero(~inside))
    for li, leg in enumerate(series.legs):
        if "Manila" in (leg.src, leg.dst):
            assert np.isnan(series.latency_ms[li, inside]).all()
            assert set(series.reason[li, inside]) == {"no_access"}
            assert set(series.reason_node[li, inside]) == {"Manila"}
        else:
            np.testing.assert_array_equal(series.latency_ms[li, inside], before.latency_ms[li, inside])
    snap = jammed.snapshot(60.0)
    assert snap.node_jammed.tolist() == [True, False, False] and [j.name for j in snap.jamming] == ["Jammer"]
    assert not (snap.ground[:, 0] == 0).any()


def test_unreachable_reasons_in_peacetime(baseline):
    """Hypatia's data has unreachable Manila-Saint-Petersburg steps: the ends see satellites, so the
    reason is no_path or no_access, never no_custody; reachable steps have no reason."""
    _, series = baseline
    reachable = np.isfinite(series.latency_ms)
    assert (series.reason[reachable] == None).all()  # noqa: E711 (element-wise)
    assert set(series.reason[~reachable]) <= {"no_path", "no_access"}


# ------------------------------------------------------------------ custody and threat chains
HALF_ANGLE_DEG = 50.0
ALTITUDE_KM = 1000.0


def sensor_scenario(threat_waypoints: list[dict], **chain) -> dict:
    return {
        "format": "sdn-scenario",
        "version": 2,
        "time": {"start": "2026-01-01T00:00:00Z", "duration_s": 600.0, "step_s": 60.0},
        "constellations": [
            {"name": "Tracking", "sensor": True, "terminal": "OCT",
             "field_of_regard": {"half_angle_deg": HALF_ANGLE_DEG, "max_range_km": 5000.0},
             "source": {"kind": "walker", "planes": 12, "sats_per_plane": 12, "phasing": 1,
                        "inclination_deg": 70.0, "altitude_km": ALTITUDE_KM},
             "isl": {"max_range_km": 6000.0}},
        ],
        "nodes": [
            {"name": "Radar", "role": "sensor", "position": {"lat_deg": 35.0, "lon_deg": 139.0},
             "min_elevation_deg": 0.0,
             "detection": {"min_elevation_deg": 5.0, "max_range_km": 2500.0,
                           "azimuth_from_deg": 180.0, "azimuth_to_deg": 45.0},
             "processing_delay_ms": 3.0},
            {"name": "C2", "role": "c2", "position": {"lat_deg": 38.8, "lon_deg": -104.7},
             "min_elevation_deg": 0.0},
        ],
        "threats": [{"name": "Target", "kind": "ballistic_missile", "waypoints": threat_waypoints}],
        "chains": [{"name": "Track", "nodes": ["Target", "C2"], **chain}],
    }  # fmt: skip


def still(lat: float, lon: float, alt_m: float = 0.0) -> list[dict]:
    return [{"t_s": t, "lat_deg": lat, "lon_deg": lon, "alt_m": alt_m} for t in (0.0, 600.0)]


@pytest.fixture(scope="module")
def sensor_network() -> Network:
    return Network(scenario_from_dict(sensor_scenario(still(0.0, 0.0))))


def with_threat(network: Network, waypoints: list[dict], **chain) -> Network:
    return Network(scenario_from_dict(sensor_scenario(waypoints, **chain)), previous=network)


def nadir_angle_deg(sat: np.ndarray, target: np.ndarray) -> float:
    d = target - sat
    return math.degrees(math.acos(np.dot(d, -sat) / np.linalg.norm(d) / np.linalg.norm(sat)))


def along_ground(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` along the great circle (mean Earth radius) from lat/lon at a bearing."""
    lat1, lon1, b, d = map(math.radians, (lat, lon, bearing_deg, km / 6371.0088 * 180 / math.pi))
    lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(b))
    east = math.sin(b) * math.sin(d) * math.cos(lat1)
    lon2 = lon1 + math.atan2(east, math.cos(d) - math.sin(lat1) * math.sin(lat2))
    return math.degrees(lat2), (math.degrees(lon2) + 180) % 360 - 180


def test_a_threat_below_a_sensor_is_in_custody_and_one_km_outside_its_cone_is_not(sensor_network):
    t = 120.0
    sat_index = 5
    sat = sensor_network.snapshot(t).sat_pos[sat_index]
    lat, lon, _ = (float(x) for x in ecef_to_geodetic(sat))
    below = with_threat(sensor_network, still(lat, lon))
    snap = below.snapshot(t)
    assert snap.custody_sats[0, sat_index]
    assert snap.routes[0].reachable and snap.routes[0].sensor in sensor_network.sats.names
    # the cone's edge on the ground along one bearing, by bisection on the nadir angle
    lo, hi = 0.0, 3000.0
    for _ in range(60):
        mid = (lo + hi) / 2
        edge = geodetic_to_ecef(*along_ground(lat, lon, 30.0, mid), 0.0)
        lo, hi = (mid, hi) if nadir_angle_deg(sat, edge) < HALF_ANGLE_DEG else (lo, mid)
    inside = with_threat(sensor_network, still(*along_ground(lat, lon, 30.0, lo - 1.0))).snapshot(t)
    outside = with_threat(sensor_network, still(*along_ground(lat, lon, 30.0, lo + 1.0))).snapshot(t)
    assert inside.custody_sats[0, sat_index] and not outside.custody_sats[0, sat_index]


def test_no_custody_outside_the_threat_s_time_and_with_no_allowed_sensor(sensor_network):
    track = [{"t_s": 100.0, "lat_deg": 30.0, "lon_deg": 138.0, "alt_m": 100000.0},
             {"t_s": 200.0, "lat_deg": 33.0, "lon_deg": 138.5, "alt_m": 100000.0}]  # fmt: skip
    network = with_threat(sensor_network, track, sensors=["Radar"])
    series = network.run(np.array([50.0, 150.0, 250.0]))
    assert series.reason[0].tolist() == ["no_custody", None, "no_custody"]
    assert series.sensor[0].tolist() == [None, "Radar", None]
    assert np.isnan(series.threat_speed_km_s[0, [0, 2]]).all()
    snap = network.snapshot(50.0)
    assert np.isnan(snap.threat_pos).all() and not snap.custody_nodes.any()


def test_threat_moves_along_the_great_circle_at_constant_speed(sensor_network):
    track = [{"t_s": 0.0, "lat_deg": 0.0, "lon_deg": 170.0, "alt_m": 20000.0},
             {"t_s": 400.0, "lat_deg": 0.0, "lon_deg": -170.0, "alt_m": 40000.0}]  # fmt: skip
    network = with_threat(sensor_network, track)
    snap = network.snapshot(200.0)
    lat, lon, alt = ecef_to_geodetic(snap.threat_pos[0])
    assert lat == pytest.approx(0.0, abs=1e-9) and abs(lon) == pytest.approx(180.0, abs=1e-9)
    assert alt == pytest.approx(30000.0, abs=1e-3)
    arc_km = math.radians(20.0) * (6371.0088 + 30.0)
    assert snap.threat_speed_km_s[0] == pytest.approx(math.hypot(arc_km, 20.0) / 400.0, rel=1e-12)
    series = network.run(np.arange(0.0, 400.0, 20.0))
    latency = series.chain_latency_ms("Track")
    ok = np.isfinite(latency)
    assert ok.any()
    moved = series.threat_moved_km("Track")
    np.testing.assert_allclose(moved[ok], series.threat_speed_km_s[0, ok] * latency[ok] / 1000, rtol=1e-12)
    assert np.isnan(moved[~ok]).all()


def sees(network: Network, snap, sensor: str, target: np.ndarray) -> bool:
    """An independent check that ``sensor`` can see ``target`` (km, Earth-fixed)."""
    if sensor == "Radar":
        node = network.scenario.nodes[0]
        p = node.position
        here = geodetic_to_ecef(p.lat_deg, p.lon_deg, p.alt_m)
        up = local_up(p.lat_deg, p.lon_deg)
        d = target - here
        rng = float(np.linalg.norm(d))
        north = np.array([-math.sin(math.radians(p.lat_deg)) * math.cos(math.radians(p.lon_deg)),
                          -math.sin(math.radians(p.lat_deg)) * math.sin(math.radians(p.lon_deg)),
                          math.cos(math.radians(p.lat_deg))])  # fmt: skip
        east = np.cross(north, up)
        az = math.degrees(math.atan2(d @ east, d @ north)) % 360
        elev = math.degrees(math.asin(d @ up / rng))
        return elev >= 5.0 - 1e-9 and rng <= 2500.0 and (az >= 180.0 or az <= 45.0)
    sat = snap.sat_pos[network.sats.names.index(sensor)]
    d = target - sat
    t = np.clip(-(sat @ d) / (d @ d), 0, 1)
    clear = np.linalg.norm(sat + t * d) >= 6356.0  # never below the polar radius on the way
    return nadir_angle_deg(sat, target) <= HALF_ANGLE_DEG + 1e-9 and np.linalg.norm(d) <= 5000.0 and clear


waypoint = st.builds(
    dict,
    lat_deg=st.floats(-60, 60),
    lon_deg=st.floats(100, 180),
    alt_m=st.sampled_from([0.0, 10000.0, 60000.0, 800000.0]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    points=st.lists(waypoint, min_size=2, max_size=4),
    t_s=st.floats(0.0, 600.0),
    restrict=st.sampled_from([[], ["Radar"], ["Tracking"]]),
)
def test_a_threat_chain_starts_only_at_a_sensor_that_sees_its_threat(sensor_network, points, t_s, restrict):
    times = np.linspace(0.0, 600.0, len(points))
    track = [{**p, "t_s": float(t)} for p, t in zip(points, times, strict=True)]
    network = with_threat(sensor_network, track, sensors=restrict)
    snap = network.snapshot(t_s)
    route = snap.routes[0]
    target = snap.threat_pos[0]
    if not route.reachable:
        assert route.reason in ("no_custody", "no_access", "no_path")
        return
    assert route.sensor is not None and route.names[0] == route.sensor
    assert not restrict or route.sensor == "Radar" or "Tracking" in restrict
    assert not restrict or route.sensor != "Radar" or "Radar" in restrict
    assert sees(network, snap, route.sensor, target)


def test_the_threat_chain_picks_the_sensor_of_lowest_latency(sensor_network):
    """Every sensor in custody routed on its own is no faster than the chosen one."""
    track = still(36.0, 140.0, 30000.0)
    network = with_threat(sensor_network, track)
    for t in np.arange(0.0, 600.0, 30.0):
        snap = network.snapshot(t)
        custodians = [network.sats.names[i] for i in np.flatnonzero(snap.custody_sats[0])]
        custodians += ["Radar"] if snap.custody_nodes[0, 0] else []
        if snap.routes[0].reachable and len(custodians) >= 2:
            break
    else:
        pytest.fail("no step with two sensors in custody")
    route = snap.routes[0]
    names = np.array(network.sats.names)
    for name in custodians:
        alone = with_threat(sensor_network, track)
        alone.threat_chains["Track"].sat_allowed[:] = names == name
        alone.threat_chains["Track"].node_allowed[:] = name == "Radar"
        other = alone.snapshot(t).routes[0]
        assert other.sensor in (None, name)
        assert not other.reachable or other.latency_ms >= route.latency_ms - 1e-9


def test_events_leave_a_peacetime_scenario_untouched_when_absent(sensor_network):
    snap = sensor_network.snapshot(0.0)
    assert not snap.sat_outage.any() and np.isnan(snap.sat_destroyed_at_s).all()
    assert snap.jamming == [] and snap.active_events == []


def test_random_selection_is_deterministic(sensor_network):
    doc = sensor_scenario(still(0.0, 0.0))
    doc["events"] = [
        {"kind": "destroy", "name": f"Draw {k}", "at_s": 0.0, "random": {"fraction": 0.25, "seed": seed}}
        for k, seed in enumerate((7, 7, 8))
    ]
    network = Network(scenario_from_dict(doc), previous=sensor_network)
    a, b, c = network.schedule.destroy_masks.values()
    assert a.sum() == round(0.25 * len(network.sats)) and np.array_equal(a, b) and not np.array_equal(a, c)


def test_outage_and_cut_links_hold_only_inside_their_window(sensor_network):
    doc = sensor_scenario(still(0.0, 0.0))
    doc["events"] = [
        {"kind": "outage", "name": "Cyber", "from_s": 100.0, "until_s": 200.0, "cause": "cyber",
         "planes": [{"constellation": "Tracking", "planes": [2]}], "nodes": ["Radar"]},
        {"kind": "cut_links", "name": "Cut", "from_s": 100.0,
         "links": [["Tracking P00S00", "Tracking P00S01"]]},
    ]  # fmt: skip
    network = Network(scenario_from_dict(doc), previous=sensor_network)
    plane2 = network.sats.plane == 2
    for t, out in ((50.0, False), (150.0, True), (250.0, False)):
        snap = network.snapshot(t)
        assert snap.sat_outage[plane2].all() == out and not snap.sat_outage[~plane2].any()
        assert snap.sat_active[plane2].any() != out and snap.node_outage.tolist() == [out, False]
        cut = {tuple(p) for p in snap.isl.tolist()}
        assert ((0, 1) in cut) == (t < 100.0)
