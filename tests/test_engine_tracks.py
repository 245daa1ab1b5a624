"""Ground tracks and footprint geometry (engine.tracks), and map polylines cut at the date line and poles."""

from __future__ import annotations

import numpy as np
import pytest

from sdn_desktop.engine import Network
from sdn_desktop.engine.frames import geodetic_to_ecef
from sdn_desktop.engine.tracks import (
    MEAN_EARTH_RADIUS_KM,
    circle_latlon,
    coverage_angle_rad,
    ground_tracks,
    track_times,
)
from sdn_desktop.render.map_geometry import ground_paths, polyline_segments

METRE_KM = 1e-3


@pytest.fixture
def network(small_scenario):
    return Network(small_scenario)


def test_track_times_hold_now_and_both_ends():
    times, now = track_times(600.0, behind_s=100.0, ahead_s=60.0, step_s=30.0)
    assert times[0] == 500.0 and times[now] == 600.0 and times[-1] == 660.0
    assert np.all(np.diff(times) <= 30.0 + 1e-9) and np.all(np.diff(times) > 0)
    with pytest.raises(ValueError):
        track_times(0.0, 10.0, 10.0, 0.0)


def test_ground_track_matches_snapshots_to_a_metre(network):
    satellites = [0, 7, 35]
    tracks = ground_tracks(network, satellites, t_s=120.0, behind_s=90.0, ahead_s=60.0, step_s=30.0)
    assert tracks.lat_deg.shape == (3, 6) and tracks.t_s[tracks.now_index] == 120.0
    for j, t in enumerate(tracks.t_s):
        snapshot = network.snapshot(t)
        drawn = geodetic_to_ecef(tracks.lat_deg[:, j], tracks.lon_deg[:, j], tracks.alt_km[:, j] * 1000.0)
        error_km = np.linalg.norm(drawn - snapshot.sat_pos[satellites], axis=1)
        assert error_km.max() < METRE_KM


def _unit(lat_deg, lon_deg):
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)), axis=-1)


def test_coverage_edge_sees_the_satellite_at_the_minimum_elevation():
    altitude_km, elevation_deg = 550.0, 25.0
    angle = coverage_angle_rad(altitude_km, elevation_deg)
    ground = MEAN_EARTH_RADIUS_KM * np.array([1.0, 0.0, 0.0])
    sat = (MEAN_EARTH_RADIUS_KM + altitude_km) * np.array([np.cos(angle), np.sin(angle), 0.0])
    look = (sat - ground) / np.linalg.norm(sat - ground)
    assert np.degrees(np.arcsin(look @ np.array([1.0, 0.0, 0.0]))) == pytest.approx(elevation_deg, abs=1e-9)
    assert angle * MEAN_EARTH_RADIUS_KM == pytest.approx(940.0, abs=5.0)  # Starlink's published cell reach


def test_coverage_limited_by_slant_range():
    angle = coverage_angle_rad(1000.0, min_elevation_deg=0.0, max_range_km=2000.0)
    ground = MEAN_EARTH_RADIUS_KM * np.array([1.0, 0.0, 0.0])
    sat = (MEAN_EARTH_RADIUS_KM + 1000.0) * np.array([np.cos(angle), np.sin(angle), 0.0])
    assert np.linalg.norm(sat - ground) == pytest.approx(2000.0, abs=1e-6)
    assert coverage_angle_rad(1000.0, 0.0, 1e6) == pytest.approx(coverage_angle_rad(1000.0, 0.0))


@pytest.mark.parametrize("lat, lon", [(0.0, 0.0), (-40.0, 179.0), (85.0, 30.0)])
def test_circle_points_are_at_the_angle_from_the_centre(lat, lon):
    angle = np.radians(12.0)
    circle_lat, circle_lon = circle_latlon(lat, lon, angle)
    assert np.all(np.abs(circle_lon) <= 180.0)
    arc = np.arccos(np.clip(_unit(circle_lat[0], circle_lon[0]) @ _unit(lat, lon), -1.0, 1.0))
    np.testing.assert_allclose(arc, angle, atol=1e-9)


def test_a_track_crossing_the_date_line_has_no_segment_longer_than_half_the_map(network):
    tracks = ground_tracks(network, [0, 20], t_s=0.0, behind_s=0.0, ahead_s=7200.0, step_s=30.0)
    crossings = np.abs(np.diff(tracks.lon_deg, axis=1)) > 180.0
    assert crossings.any(), "the test orbit should cross the date line"
    segments = polyline_segments(tracks.lat_deg, tracks.lon_deg)
    step = segments[1::2] - segments[0::2]
    assert np.abs(step[:, 0]).max() < 180.0
    # the pieces meet the map edges at one latitude where a step crosses
    at_edge = np.isclose(np.abs(segments[:, 0]), 180.0)
    assert at_edge.sum() == 2 * crossings.sum()


def test_a_step_over_a_pole_is_drawn_to_the_map_edge_not_across_it():
    segments = polyline_segments(np.array([88.0, 88.5]), np.array([-90.0, 90.0]))
    assert np.abs(np.diff(segments[:, 0])[0::2]).max() == 0.0  # only north-south pieces
    assert set(segments[:, 1]) == {88.0, 88.5, 90.0}


def test_nan_steps_are_left_out():
    segments = polyline_segments(np.array([0.0, 1.0, np.nan, 3.0, 4.0]), np.array([0.0, 1.0, 2.0, 3.0, 4.0]))
    assert len(segments) == 4 and np.isfinite(segments).all()


def test_ground_paths_end_at_the_sub_points():
    a = geodetic_to_ecef(10.0, 170.0, 550e3)
    b = geodetic_to_ecef(-5.0, -160.0, 550e3)
    lat, lon = ground_paths(a[None], b[None])
    assert lat[0, 0] == pytest.approx(10.0) and lon[0, 0] == pytest.approx(170.0)
    assert lat[0, -1] == pytest.approx(-5.0) and lon[0, -1] == pytest.approx(-160.0)
    segments = polyline_segments(lat, lon)
    assert np.abs(np.diff(segments[:, 0])[0::2]).max() <= 1.5
