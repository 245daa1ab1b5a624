"""Link geometry and routing rules with numbers a person can check by hand.

Most cases use equatorial circular shells: at t = 0 the satellites lie in the equatorial plane, so
ranges, elevations and grazing heights follow from plane trigonometry on the WGS84 equator.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sdn_desktop.engine import Network
from sdn_desktop.engine.frames import C_KM_S
from sdn_desktop.scenario import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
A_KM = 6378.137  # WGS84 equatorial radius
ONE_METRE_KM = 1e-3
ONE_MM_KM = 1e-6
MILLI_DEG = 1e-3
ONE_PS_MS = 1e-9  # float noise on latencies of tens of milliseconds
OSCULATING_KM = 20.0  # SGP4 osculating radius vs the nominal 6378.135 + altitude


def shell(name: str, n: int, alt_km: float, **extra) -> dict:
    """One equatorial plane of ``n`` evenly spaced satellites; extra keys go to the constellation."""
    source = {
        "kind": "walker",
        "planes": 1,
        "sats_per_plane": n,
        "inclination_deg": 0.0,
        "altitude_km": alt_km,
    }
    source.update(extra.pop("source", {}))
    return {"name": name, "source": source, "isl": {"max_range_km": 20000.0}, **extra}


def node(name: str, lon_deg: float, lat_deg: float = 0.0, **extra) -> dict:
    fields = {"min_elevation_deg": 0.0, **extra}
    return {"name": name, "role": "gateway", "position": {"lat_deg": lat_deg, "lon_deg": lon_deg}, **fields}


def network(constellations, nodes=(), chains=(), previous=None, **extra) -> Network:
    doc = {
        "format": "sdn-scenario",
        "version": 1,
        "time": {"start": "2026-01-01T00:00:00Z", "duration_s": 600.0, "step_s": 10.0},
        "constellations": list(constellations),
        "nodes": list(nodes),
        "chains": [{"name": "-".join(c), "nodes": list(c)} if isinstance(c, tuple) else c for c in chains],
        **extra,
    }
    return Network(scenario_from_dict(doc, "<test>"), previous=previous)


def lon_deg(p: np.ndarray) -> float:
    return math.degrees(math.atan2(p[1], p[0]))


def pairs(links: np.ndarray) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in links}


def route(snapshot, src: str, dst: str):
    return next(r for r in snapshot.routes if r.leg.src == src and r.leg.dst == dst)


# ------------------------------------------------------------------ Earth occlusion
def test_opposite_satellites_are_occluded():
    snap = network([shell("Pair", 2, 550.0)]).snapshot(0.0)
    apart = np.linalg.norm(snap.sat_pos[0] - snap.sat_pos[1])
    assert apart == pytest.approx(2 * (A_KM + 550.0), abs=2 * OSCULATING_KM)
    assert len(snap.isl) == 0


def test_neighbours_in_a_ring_of_22_see_each_other():
    snap = network([shell("Ring", 22, 550.0)]).snapshot(0.0)
    assert pairs(snap.isl) == {tuple(sorted((k, (k + 1) % 22))) for k in range(22)}


def test_grazing_altitude_threshold_is_exact():
    """A chord between neighbours 360/22 deg apart passes r cos(180/22 deg) from the centre."""
    ring = shell("Ring", 22, 550.0)
    pos = network([ring]).snapshot(0.0).sat_pos
    a, b = pos, np.roll(pos, -1, axis=0)
    d = b - a
    t = -np.einsum("ij,ij->i", a, d) / np.einsum("ij,ij->i", d, d)
    closest = np.linalg.norm(a + t[:, None] * d, axis=1) - A_KM  # height of each chord above the equator
    r = np.linalg.norm(pos, axis=1).mean()
    assert closest.mean() == pytest.approx(r * math.cos(math.pi / 22) - A_KM, abs=ONE_METRE_KM)
    below = network([ring], physics={"grazing_altitude_km": closest.min() - ONE_METRE_KM}).snapshot(0.0)
    above = network([ring], physics={"grazing_altitude_km": closest.max() + ONE_METRE_KM}).snapshot(0.0)
    assert len(below.isl) == 22 and len(above.isl) == 0


def test_isl_max_range():
    ring = shell("Ring", 22, 550.0)
    pos = network([ring]).snapshot(0.0).sat_pos
    length = np.linalg.norm(pos - np.roll(pos, -1, axis=0), axis=1)
    chord = 2 * np.linalg.norm(pos, axis=1).mean() * math.sin(math.pi / 22)  # about 1,970 km
    assert length.mean() == pytest.approx(chord, abs=ONE_METRE_KM)
    ring["isl"]["max_range_km"] = length.max() + ONE_METRE_KM
    assert len(network([ring]).snapshot(0.0).isl) == 22
    ring["isl"]["max_range_km"] = length.min() - ONE_METRE_KM
    assert len(network([ring]).snapshot(0.0).isl) == 0


# ------------------------------------------------------------------ ground links
@pytest.fixture(scope="module")
def single():
    """One equatorial satellite at 550 km; its radius and sub-satellite longitude at t = 0."""
    net = network([shell("Solo", 1, 550.0)])
    p = net.snapshot(0.0).sat_pos[0]
    assert abs(p[2]) < ONE_MM_KM
    return net, float(np.linalg.norm(p)), lon_deg(p)


def elevation_deg(r: float, gamma_deg: float) -> float:
    """Elevation of a satellite at radius r seen from the equator, gamma degrees of longitude away."""
    g = math.radians(gamma_deg)
    return math.degrees(math.atan2(r * math.cos(g) - A_KM, r * math.sin(g)))


def slant_km(r: float, gamma_deg: float) -> float:
    return math.sqrt(r * r + A_KM * A_KM - 2 * r * A_KM * math.cos(math.radians(gamma_deg)))


def test_satellite_straight_overhead_is_at_90_degrees(single):
    net, r, lon0 = single
    below = [node("Below", lon0, min_elevation_deg=90.0 - MILLI_DEG)]
    snap = network([shell("Solo", 1, 550.0)], below, previous=net).snapshot(0.0)
    assert pairs(snap.ground) == {(0, 0)}
    assert np.linalg.norm(snap.sat_pos[0] - snap.node_pos[0]) == pytest.approx(r - A_KM, abs=ONE_METRE_KM)


@pytest.mark.parametrize("gamma_deg", [5.0, 10.0, 20.0])
def test_elevation_mask_just_above_and_below(single, gamma_deg):
    net, r, lon0 = single
    elev = elevation_deg(r, gamma_deg)
    nodes = [
        node("Pass", lon0 + gamma_deg, min_elevation_deg=elev - MILLI_DEG),
        node("Fail", lon0 + gamma_deg, min_elevation_deg=elev + MILLI_DEG),
    ]
    snap = network([shell("Solo", 1, 550.0)], nodes, previous=net).snapshot(0.0)
    assert pairs(snap.ground) == {(0, 0)}


def test_max_range_just_above_and_below(single):
    net, r, lon0 = single
    rng = slant_km(r, 12.0)
    nodes = [
        node("Pass", lon0 - 12.0, max_range_km=rng + ONE_METRE_KM),
        node("Fail", lon0 - 12.0, max_range_km=rng - ONE_METRE_KM),
        node("Horizon", lon0 - 12.0, min_elevation_deg=None, max_range_km=rng + ONE_METRE_KM),
    ]
    snap = network([shell("Solo", 1, 550.0)], nodes, previous=net).snapshot(0.0)
    assert pairs(snap.ground) == {(0, 0), (2, 0)}


@pytest.mark.parametrize(
    ("max_links", "kept"), [(1, {0}), (2, {0, 1}), (3, {0, 1, 35}), (None, {0, 1, 35, 2, 34})]
)
def test_max_links_keeps_the_highest(max_links, kept):
    """36 satellites 10 deg apart; a node 2 deg east of satellite 0 sees them at 2, 8, 12, 18, 22 deg."""
    ring = shell("Ring36", 36, 550.0)
    lon0 = lon_deg(network([ring]).snapshot(0.0).sat_pos[0])
    assert elevation_deg(A_KM + 550.0, 22.0) > 0 > elevation_deg(A_KM + 550.0, 28.0)
    snap = network([ring], [node("N", lon0 + 2.0, max_links=max_links)]).snapshot(0.0)
    assert {s for _, s in pairs(snap.ground)} == kept


# ------------------------------------------------------------------ cross-vendor links
def three_vendors(**interop) -> set[tuple[int, int]]:
    """Satellites 0, 1, 2 one above another at 550, 600 and 650 km, terminals A, B and C; two
    cross-vendor terminals each unless ``links_per_satellite`` says otherwise."""
    consts = [
        shell("Va", 1, 550.0, terminal="A", isl={"pattern": "none"}),
        shell("Vb", 1, 600.0, terminal="B", isl={"pattern": "none"}),
        shell("Vc", 1, 650.0, terminal=interop.pop("third", "C"), isl={"pattern": "none"}),
    ]
    interop.setdefault("links_per_satellite", 2)
    return pairs(network(consts, interop=interop).snapshot(0.0).cross)


def test_cross_links_only_between_compatible_terminals():
    assert three_vendors() == set()
    assert three_vendors(compatible=[["A", "B"]]) == {(0, 1)}
    assert three_vendors(compatible=[["B", "A"], ["C", "B"]]) == {(0, 1), (1, 2)}
    assert three_vendors(third="A") == {(0, 2)}  # equal standards always interoperate
    assert three_vendors(third="A", compatible=[["A", "B"]]) == {(0, 1), (0, 2), (1, 2)}
    assert three_vendors(third="A", compatible=[["A", "B"]], enabled=False) == set()
    assert three_vendors(third="A", compatible=[["A", "B"]], max_range_km=75.0) == {(0, 1), (1, 2)}


def test_cross_links_respect_terminal_count_at_both_ends():
    """36 satellites 10 deg apart at 550 km under one at 600 km: five are within 3,000 km of it, but
    it has ``links_per_satellite`` terminals, so it links to that many - the nearest first."""
    consts = [
        shell("Many", 36, 550.0, terminal="T", isl={"pattern": "none"}),
        shell("One", 1, 600.0, terminal="T", isl={"pattern": "none"}),
    ]
    one = 36

    def cross(k: int) -> set[tuple[int, int]]:
        interop = {"max_range_km": 3000.0, "links_per_satellite": k}
        return pairs(network(consts, interop=interop).snapshot(0.0).cross)

    for k in (1, 2, 3):
        links = cross(k)
        assert len(links) == k
        assert all(one in link for link in links)
        assert (0, one) in links  # straight below it, 50 km away
    assert len(cross(8)) == 5


def test_terminal_count_holds_across_all_partner_constellations():
    """A satellite above two compatible constellations shares its ``links_per_satellite`` terminals
    between them: the nearest partners first, whichever constellation they belong to."""
    one_each = three_vendors(third="A", compatible=[["A", "B"]], links_per_satellite=1)
    assert len(one_each) == 1 and one_each < {(0, 1), (1, 2)}  # a 50 km link; no end free for a second
    consts = [
        shell("Low", 36, 500.0, terminal="L", isl={"pattern": "none"}),
        shell("High", 36, 550.0, terminal="H", isl={"pattern": "none"}),
        shell("One", 1, 600.0, terminal="T", isl={"pattern": "none"}),
    ]
    one = 72
    for k in (1, 2, 3):
        interop = {"max_range_km": 3000.0, "links_per_satellite": k, "compatible": [["L", "T"], ["H", "T"]]}
        links = pairs(network(consts, interop=interop).snapshot(0.0).cross)
        assert all(one in link for link in links)  # Low and High do not interoperate
        assert len(links) == k
        assert (36, one) in links  # High 0, straight below it, 50 km away
        if k >= 2:
            assert (0, one) in links  # Low 0, 100 km below: nearer than High's neighbours 10 deg away


# ------------------------------------------------------------------ moving nodes
def test_waypoints_interpolate_halfway():
    ship = {"name": "Ship", "role": "shooter", "platform": "sea", "min_elevation_deg": 10.0, "waypoints": [
        {"t_s": 0.0, "lat_deg": 0.0, "lon_deg": 179.0, "alt_m": 0.0},
        {"t_s": 100.0, "lat_deg": 0.0, "lon_deg": -179.0, "alt_m": 1000.0},
    ]}  # fmt: skip
    plane = {"name": "Plane", "role": "c2", "platform": "air", "min_elevation_deg": 10.0, "waypoints": [
        {"t_s": 100.0, "lat_deg": -10.0, "lon_deg": 90.0, "alt_m": 10000.0},
        {"t_s": 300.0, "lat_deg": 10.0, "lon_deg": 90.0, "alt_m": 10000.0},
    ]}  # fmt: skip
    net = network([shell("Solo", 1, 550.0)], [ship, plane])
    halfway = net.snapshot(50.0).node_pos
    assert halfway[0] == pytest.approx([-(A_KM + 0.5), 0.0, 0.0], abs=ONE_METRE_KM)  # across the antimeridian
    assert net.snapshot(200.0).node_pos[1] == pytest.approx([0.0, A_KM + 10.0, 0.0], abs=ONE_METRE_KM)
    before, after = net.snapshot(0.0).node_pos[1], net.snapshot(400.0).node_pos[1]
    assert before[2] == pytest.approx(-after[2], abs=ONE_MM_KM) and before[2] < 0  # held at the ends


# ------------------------------------------------------------------ routing rules
def manila_dalian(hypatia: Network, **changes):
    """The Manila -> Dalian route at t = 0 in Hypatia's network, or in a changed copy of it."""
    if changes:
        hypatia = Network(hypatia.scenario.model_copy(update=changes), hypatia.base_dir, previous=hypatia)
    snap = hypatia.snapshot(0.0)
    return snap, route(snap, "Manila", "Dalian")


def test_disabled_satellite_changes_the_route(hypatia_network):
    _, free = manila_dalian(hypatia_network)
    middle = free.names[2]
    assert middle.startswith("KUIPER630-0183")
    snap, detour = manila_dalian(hypatia_network, disabled_satellites=[middle])
    assert detour.reachable and middle not in detour.names
    assert detour.latency_ms > free.latency_ms
    index = hypatia_network.sats.names.index(middle)
    assert not snap.sat_active[index] and np.isnan(snap.sat_pos[index]).all()


def test_disabled_link_changes_the_route(hypatia_network):
    _, free = manila_dalian(hypatia_network)
    a, b = free.names[2], free.names[3]
    _, detour = manila_dalian(hypatia_network, disabled_links=[(b, a)])
    assert detour.reachable and detour.latency_ms > free.latency_ms
    hops = set(zip(detour.names, detour.names[1:], strict=False))
    assert (a, b) not in hops and (b, a) not in hops


@pytest.fixture(scope="module")
def relay_geometry():
    """36 satellites 10 deg apart, no ISLs; A under satellite 0, M under 1, B under 2."""
    ring = shell("Ring36", 36, 550.0, isl={"pattern": "none"})
    net = network([ring])
    lon0 = lon_deg(net.snapshot(0.0).sat_pos[0])
    return ring, net, lon0


def relay_snapshot(relay_geometry, relay: bool, chains):
    ring, net, lon0 = relay_geometry
    nodes = [
        node("A", lon0, max_links=1),
        node("M", lon0 + 10.0, relay=relay),
        node("B", lon0 + 20.0, max_links=1),
    ]
    return network([ring], nodes, chains, previous=net).snapshot(0.0)


def test_ground_node_that_does_not_relay_is_never_in_the_middle(relay_geometry):
    snap = relay_snapshot(relay_geometry, False, [("A", "B"), ("A", "M", "B")])
    assert not route(snap, "A", "B").reachable
    assert route(snap, "A", "M").names == ["A", "Ring36 P00S00", "M"]
    assert route(snap, "M", "B").names == ["M", "Ring36 P00S02", "B"]


def test_relay_node_can_carry_traffic(relay_geometry):
    through = route(relay_snapshot(relay_geometry, True, [("A", "B")]), "A", "B")
    assert through.names == ["A", "Ring36 P00S00", "M", "Ring36 P00S02", "B"]


@pytest.fixture(scope="module")
def kill_chain():
    """Tracking satellite 0 straight above C2; backbone satellites half a slot away; shooter 30 deg east."""
    tracking = shell("Tracking", 4, 1000.0, sensor=True)
    backbone = shell("Backbone", 22, 550.0, source={"raan_offset_deg": 8.0})
    net = network([tracking, backbone])
    lon0 = lon_deg(net.snapshot(0.0).sat_pos[0])
    nodes = [
        node("C2", lon0, min_elevation_deg=80.0, processing_delay_ms=10.0),
        node("Shooter", lon0 + 30.0, min_elevation_deg=20.0, processing_delay_ms=7.0),
    ]
    chain = {"name": "Kill", "nodes": ["Tracking", "C2", "Shooter"], "switching_delay_ms": 0.25}
    return network([tracking, backbone], nodes, [chain], previous=net)


def test_sensor_constellation_starts_a_chain(kill_chain):
    snap = kill_chain.snapshot(0.0)
    first = route(snap, "Tracking", "C2")
    assert first.names == ["Tracking P00S00", "C2"]
    up = np.linalg.norm(snap.sat_pos[0]) - A_KM
    assert first.length_km == pytest.approx(up, abs=ONE_METRE_KM)
    # no processing at a satellite source; the sensor satellite itself is switched
    assert first.latency_ms == pytest.approx(first.length_km / C_KM_S * 1e3 + 0.25, abs=ONE_PS_MS)


def test_processing_and_switching_delays_add_up(kill_chain):
    snap = kill_chain.snapshot(0.0)
    leg = route(snap, "C2", "Shooter")
    assert leg.reachable and leg.hops >= 3
    points = snap.vertex_positions(leg.path)
    length = float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())
    assert leg.length_km == pytest.approx(length, abs=ONE_MM_KM)
    n_sats = len(leg.names) - 2
    assert leg.latency_ms == pytest.approx(length / C_KM_S * 1e3 + 10.0 + 0.25 * n_sats, abs=ONE_PS_MS)
    total = kill_chain.run(np.array([0.0])).chain_latency_ms("Kill")
    assert total[0] == pytest.approx(sum(r.latency_ms for r in snap.routes), abs=ONE_PS_MS)


# ------------------------------------------------------------------ TLE layouts and +Grid
def test_file_order_layout_and_plus_grid(hypatia_network):
    """Kuiper-630: 34 planes x 34 in file order; +Grid: 4 links a satellite (2N pairs), wrapping both ways."""
    net = hypatia_network
    index = np.arange(1156)
    assert np.array_equal(net.sats.plane, index // 34) and np.array_equal(net.sats.slot, index % 34)
    assert len(net.isl_pairs) == 2 * 1156
    links = pairs(net.isl_pairs)
    assert (0, 1) in links and (0, 33) in links  # next slot, and the ring closing
    assert (0, 34) in links and (0, 33 * 34) in links  # next plane, and plane 33 back to plane 0


def test_inferred_layout_of_real_iridium_tles():
    """75 Iridium NEXT TLEs: six planes by RAAN; a star pattern, so plane 6 does not link to plane 1."""
    path = ROOT / "scenarios" / "iridium_next_real_tle.json"
    net = Network(load_scenario(path), path.parent)
    sizes = np.bincount(net.sats.plane)
    assert len(sizes) == 6 and sizes.sum() == 75 and sizes.min() >= 11
    plane = net.sats.plane
    snap = net.snapshot(0.0)
    across = {tuple(sorted((plane[a], plane[b]))) for a, b in snap.isl if plane[a] != plane[b]}
    assert across == {(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)}


def test_walker_delta_seam_links_follow_the_phasing():
    """72 x 22, F = 39: plane 71 slot s meets plane 0 slot s + 39 (mod 22), as neighbouring planes do.

    Each plane is F * 360 / 1584 deg ahead of the previous one, so after 72 planes the pattern has
    slipped F * 360 / 22 deg: F slots. No seam link is lost to range or occlusion.
    """
    source = {"kind": "walker", "planes": 72, "sats_per_plane": 22, "phasing": 39,
              "inclination_deg": 53.0, "altitude_km": 550.0}  # fmt: skip
    net = network([{"name": "Delta", "source": source, "isl": {"max_range_km": 5000.0}}])
    links = pairs(net.isl_pairs)
    assert tuple(sorted((71 * 22 + 0, (0 + 39) % 22))) in links
    snap = net.snapshot(0.0)
    assert len(snap.isl) == 2 * 1584
    length = np.linalg.norm(snap.sat_pos[snap.isl[:, 0]] - snap.sat_pos[snap.isl[:, 1]], axis=1)
    assert length.max() < 2100.0  # km: the in-plane spacing, longer than any cross-plane link
