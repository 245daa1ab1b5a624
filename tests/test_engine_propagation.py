"""Propagation against trusted references: skyfield (ITRS), Vallado's SGP4 verification set, Walker maths."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import sgp4
from skyfield.api import EarthSatellite, load
from skyfield.framelib import itrs

from sdn_desktop.engine import Network
from sdn_desktop.engine.frames import Epochs
from sdn_desktop.scenario import read_tle_file, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scenarios" / "data"
SGP4_DIR = Path(sgp4.__file__).parent
ONE_CM_KM = 1e-5
MU_WGS72 = 398600.8  # km^3/s^2, as SGP4 uses
R_WGS72_KM = 6378.135
DAY_S = 86400.0


def scenario(start: str, constellations: list[dict], **extra) -> dict:
    return {
        "format": "sdn-scenario",
        "version": 1,
        "time": {"start": start, "duration_s": 86400.0, "step_s": 60.0},
        "constellations": constellations,
        **extra,
    }


def tle_constellation(name: str, path: Path) -> dict:
    return {"name": name, "source": {"kind": "tle", "path": str(path)}, "isl": {"pattern": "none"}}


# ------------------------------------------------------------------ skyfield
@pytest.mark.parametrize("t_s", [0.0, 5400.0, 3 * DAY_S + 1234.5, 20 * DAY_S])
@pytest.mark.parametrize("start", ["2021-01-30T12:00:00Z", "2021-01-30T12:34:56.789123Z"])
def test_earth_fixed_positions_match_skyfield_itrs(start, t_s):
    """Real Iridium (LEO) and GPS (deep-space SGP4) TLEs: engine Earth-fixed vs skyfield ITRS."""
    doc = scenario(
        start,
        [
            tle_constellation("Iridium", DATA / "iridium-next_2021-01-30.tle"),
            tle_constellation("GPS", DATA / "gps-ops_2021-01-30.tle"),
        ],
    )
    net = Network(scenario_from_dict(doc))
    pos, active, _ = net.propagate(np.array([t_s]))
    records = read_tle_file(DATA / "iridium-next_2021-01-30.tle").records
    records += read_tle_file(DATA / "gps-ops_2021-01-30.tle").records
    assert len(records) == len(net.sats) == 105
    ts = load.timescale(builtin=True)
    t = ts.from_datetime(net.scenario.time.start + timedelta(seconds=t_s))
    for i, rec in enumerate(records):
        expected = EarthSatellite(rec.line1, rec.line2, rec.name, ts).at(t).frame_xyz(itrs).km
        assert active[i, 0], rec.name
        assert np.linalg.norm(pos[i, 0] - expected) < ONE_CM_KM, rec.name


# ------------------------------------------------------------------ Vallado's verification set
def vallado_cases() -> tuple[list[tuple[str, str]], dict[int, list[tuple[float, np.ndarray]]]]:
    """TLE pairs of SGP4-VER.TLE and the TEME positions tcppver.out lists for them (by catalogue number)."""
    lines = (SGP4_DIR / "SGP4-VER.TLE").read_text().splitlines()
    pairs = [(a[:69], b[:69]) for a, b in zip(lines, lines[1:], strict=False) if a.startswith("1 ")]
    expected: dict[int, list[tuple[float, np.ndarray]]] = {}
    current: list | None = None
    for line in (SGP4_DIR / "tcppver.out").read_text().splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] == "xx":
            current = expected.setdefault(int(fields[0]), [])
        elif len(fields) >= 4 and current is not None:
            current.append((float(fields[0]), np.array([float(f) for f in fields[1:4]])))
    return pairs, expected


@pytest.mark.skipif(not (SGP4_DIR / "tcppver.out").exists(), reason="sgp4 ships no verification data")
def test_propagate_teme_matches_vallado_verification(tmp_path):
    pairs, expected = vallado_cases()
    tle = tmp_path / "sgp4-ver.tle"
    tle.write_text("".join(f"{a}\n{b}\n" for a, b in pairs))
    doc = scenario("2000-01-01T00:00:00Z", [tle_constellation("Vallado", tle)])
    net = Network(scenario_from_dict(doc), tmp_path)
    loaded = read_tle_file(tle).records
    assert len(loaded) == 30, net.warnings  # three verification TLEs carry bad checksums on purpose
    start = net.scenario.time.start
    start_jd = 2451544.5  # 2000-01-01 00:00 UTC
    satrecs = [sgp4.api.Satrec.twoline2rv(r.line1, r.line2) for r in loaded]
    seconds, where = [], []
    for i, (rec, sat) in enumerate(zip(loaded, satrecs, strict=True)):
        epoch_s = ((sat.jdsatepoch - start_jd) + sat.jdsatepochF) * DAY_S
        for tsince_min, r in expected.get(int(rec.catalog_number), []):
            seconds.append(epoch_s + tsince_min * 60.0)
            where.append((i, r))
    assert len(where) > 500
    r_teme, err = net.sats.propagate_teme(Epochs(start, np.array(seconds)))
    assert not any(err[i, k] for k, (i, _) in enumerate(where))  # tcppver stops before each failure
    worst = max(np.linalg.norm(r_teme[i, k] - r) for k, (i, r) in enumerate(where))
    assert worst < ONE_CM_KM


# ------------------------------------------------------------------ Walker generation
def walker_network(**source) -> Network:
    source = {"kind": "walker", **source}
    return Network(scenario_from_dict(scenario("2026-01-01T00:00:00Z", [{"name": "W", "source": source}])))


def orbit_angles(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Osculating RAAN, argument of latitude, inclination (deg) and radius (km) at t = 0, TEME."""
    r2, _ = net.sats.propagate_teme(Epochs(net.scenario.time.start, np.array([0.0, 0.01])))
    r, v = r2[:, 0], (r2[:, 1] - r2[:, 0]) / 0.01
    h = np.cross(r, v)
    h /= np.linalg.norm(h, axis=1)[:, None]
    raan = np.arctan2(h[:, 0], -h[:, 1])
    node = np.stack((np.cos(raan), np.sin(raan), np.zeros_like(raan)), axis=1)
    u = np.arctan2(np.einsum("ij,ij->i", r, np.cross(h, node)), np.einsum("ij,ij->i", r, node))
    return np.degrees(raan), np.degrees(u), np.degrees(np.arccos(h[:, 2])), np.linalg.norm(r, axis=1)


def angle_diff_deg(a, b) -> np.ndarray:
    return np.abs((np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0)


J2_SHORT_PERIOD_DEG = 0.15  # osculating vs mean angles at 550 km


def test_walker_delta_planes_slots_raan_phasing():
    """72 x 22, F = 39, 53 deg: plane p at RAAN 5p deg, slot s at u = 360 s/22 + 39 * 360 p/1584 deg."""
    net = walker_network(planes=72, sats_per_plane=22, phasing=39, inclination_deg=53.0, altitude_km=550.0)
    assert len(net.sats) == 1584
    p, s = net.sats.plane, net.sats.slot
    assert np.array_equal(p, np.repeat(np.arange(72), 22)) and np.array_equal(s, np.tile(np.arange(22), 72))
    assert net.sats.names[23] == "W P01S01"
    # the mean elements handed to SGP4, exactly
    sat = net.sats.satrecs[23]  # plane 1, slot 1
    assert math.degrees(sat.nodeo) == pytest.approx(5.0, abs=1e-9)
    assert math.degrees(sat.mo + sat.argpo) == pytest.approx(360.0 / 22 + 39 * 360.0 / 1584, abs=1e-9)
    assert math.degrees(sat.inclo) == pytest.approx(53.0, abs=1e-9)
    assert sat.ecco == 0.0
    # and the geometry SGP4 makes of them
    raan, u, inc, _ = orbit_angles(net)
    assert angle_diff_deg(raan, 5.0 * p).max() < J2_SHORT_PERIOD_DEG
    assert angle_diff_deg(u, 360.0 * s / 22 + 39 * 360.0 * p / 1584).max() < J2_SHORT_PERIOD_DEG
    assert np.abs(inc - 53.0).max() < J2_SHORT_PERIOD_DEG


def test_walker_star_spreads_planes_over_180_degrees():
    net = walker_network(
        pattern="star", planes=6, sats_per_plane=11, phasing=2, inclination_deg=86.4, altitude_km=780.0
    )
    raan, u, inc, _ = orbit_angles(net)
    p, s = net.sats.plane, net.sats.slot
    assert angle_diff_deg(raan, 30.0 * p).max() < J2_SHORT_PERIOD_DEG
    assert angle_diff_deg(u, 360.0 * s / 11 + 2 * 360.0 * p / 66).max() < J2_SHORT_PERIOD_DEG


def test_walker_altitude_and_period():
    """a = 6378.135 + 550 km; the mean radius over one Kepler period 2 pi sqrt(a^3/mu) = 5739.0 s is a."""
    net = walker_network(planes=1, sats_per_plane=1, inclination_deg=53.0, altitude_km=550.0)
    a = R_WGS72_KM + 550.0
    period = 2 * math.pi * math.sqrt(a**3 / MU_WGS72)
    assert period == pytest.approx(5739.0, abs=0.1)
    r, _ = net.sats.propagate_teme(
        Epochs(net.scenario.time.start, np.linspace(0.0, period, 360, endpoint=False))
    )
    radius = np.linalg.norm(r[0], axis=1)
    assert radius.mean() == pytest.approx(a, abs=1.0)  # km; J2 makes the osculating radius swing +-6 km
    assert np.ptp(radius) < 15.0


def test_walker_from_mean_motion():
    """14.8 rev/day is 2 pi * 14.8 / 1440 rad/min as SGP4's Kozai mean motion."""
    net = walker_network(planes=2, sats_per_plane=3, inclination_deg=51.9, mean_motion_rev_per_day=14.8)
    assert net.sats.satrecs[0].no_kozai == pytest.approx(2 * math.pi * 14.8 / 1440.0, rel=1e-12)
