"""GlobeView: real pixels of the demo scenario, frames, picking and ray casting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sdn_desktop.engine import Network
from sdn_desktop.engine.frames import geodetic_to_ecef
from sdn_desktop.engine.layout import network_layout
from sdn_desktop.render import GlobeView
from sdn_desktop.render.geometry import turntable_angles
from sdn_desktop.render.layers import GlobeSnapshot
from sdn_desktop.scenario import load_scenario

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "sdn_backbone_demo.json"
SIZE = (320, 240)
T_S = 600.0


@pytest.fixture(scope="module")
def demo():
    scenario = load_scenario(DEMO)
    network = Network(scenario, DEMO.parent)
    return scenario, network, network.snapshot(T_S)


@pytest.fixture(scope="module")
def view(demo):
    scenario, network, snapshot = demo
    globe = GlobeView(size=SIZE)
    globe.set_scenario(scenario, network_layout(network))
    globe.update(snapshot)
    yield globe
    globe.canvas.close()


@pytest.fixture
def fresh(view, demo):
    """The shared view reset to the demo at T_S, every layer on, earth-fixed, default camera."""
    view.update(demo[2])
    view.set_frame("earth_fixed")
    view.set_camera_mode("fixed")
    view.set_selection(None)
    view.set_overlay()
    for layer in GlobeView.LAYERS:
        view.set_layer_visible(layer, True)
    view.reset_camera()
    return view


def only_layers(view: GlobeView, *keep: str) -> None:
    for layer in GlobeView.LAYERS:
        view.set_layer_visible(layer, layer in keep)


def look_at(view: GlobeView, lat: float, lon: float) -> None:
    view.camera.azimuth, view.camera.elevation = turntable_angles(lat, lon)


def node_km(view: GlobeView) -> np.ndarray:
    """Where the view draws the nodes of its snapshot."""
    return GlobeSnapshot(view.snapshot, view.scenario).node_km


def pixel(image: np.ndarray, xy) -> np.ndarray:
    """Median RGB of the 3x3 pixels around canvas point xy."""
    x, y = int(round(xy[0])), int(round(xy[1]))
    return np.median(image[y - 1 : y + 2, x - 1 : x + 2, :3].reshape(-1, 3), axis=0)


def near_color(image: np.ndarray, hex_color: str, tolerance: int = 40) -> np.ndarray:
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(image[..., :3].astype(int) - rgb) <= tolerance).all(axis=-1)


def test_earth_texture_is_oriented_like_the_real_earth(fresh):
    only_layers(fresh, "earth")
    look_at(fresh, 10.0, -10.0)
    image = fresh.render()
    assert image.shape == (SIZE[1], SIZE[0], 4) and image.dtype == np.uint8

    def at(lat, lon):
        return pixel(image, fresh.project(geodetic_to_ecef(lat, lon, 0.0))[0])

    for lat, lon in [(0.0, 0.0), (0.0, -30.0), (20.0, -40.0)]:  # Gulf of Guinea, mid-Atlantic
        r, g, b = at(lat, lon)
        assert b > max(r, g) + 8, f"ocean expected at {lat}, {lon}: {r, g, b}"
    for lat, lon in [(23.0, 10.0), (20.0, 25.0)]:  # Sahara: sand
        r, g, b = at(lat, lon)
        assert r > b + 30 and g > b, f"desert expected at {lat}, {lon}: {r, g, b}"
    r, g, b = at(5.0, 22.0)  # Congo basin: green forest
    assert g > b and g >= r, f"forest expected: {r, g, b}"
    look_at(fresh, 64.0, -150.0)
    image = fresh.render()
    r, g, b = at(64.0, -150.0)  # interior Alaska is land, the Gulf of Alaska south of it is sea
    assert r > b or g > b
    r, g, b = at(55.0, -145.0)
    assert b > r and b > g


def test_demo_frame_shows_satellites_and_every_chain_route(fresh, demo):
    scenario, network, snapshot = demo
    image = fresh.render()
    for constellation in scenario.constellations:
        assert near_color(image, constellation.color, 30).sum() >= 8, constellation.name
    only_layers(fresh, "earth", "routes")
    image = fresh.render()
    def hops(route) -> set[frozenset]:
        return {frozenset(h) for h in zip(route.path[:-1], route.path[1:], strict=False)}

    for chain in scenario.chains:
        colored = near_color(image, chain.color, 45)
        # a hop shared with another chain's route may be drawn over in that chain's colour
        shared = set().union(*(hops(r) for r in snapshot.routes if r.leg.chain != chain.name))
        found = []
        for route in snapshot.routes:
            if route.leg.chain != chain.name or not route.reachable:
                continue
            steps = zip(route.path[:-1], route.path[1:], strict=False)
            own = [h for h in steps if frozenset(h) not in shared]
            if not own:
                continue
            samples = np.concatenate(
                [np.linspace(*snapshot.vertex_positions(list(h)), 6)[1:-1] for h in own]
            )
            xy = fresh.project(samples)
            xy = xy[np.isfinite(xy).all(axis=1)]
            xy = xy[(xy[:, 0] > 2) & (xy[:, 0] < SIZE[0] - 3) & (xy[:, 1] > 2) & (xy[:, 1] < SIZE[1] - 3)]
            hits = [colored[int(y) - 2 : int(y) + 3, int(x) - 2 : int(x) + 3].any() for x, y in xy]
            found.append(np.mean(hits) if hits else 0.0)
        assert found, f"{chain.name}: every hop is shared with another chain"
        assert max(found) > 0.6, f"{chain.name}: route colour found at {found}"


def test_inertial_frame_turns_the_earth_by_gmst(fresh, demo):
    snapshot = demo[2]
    earth_fixed = fresh.render()
    xy_fixed = fresh.project(geodetic_to_ecef(40.0, -100.0, 0.0))[0]
    fresh.set_frame("inertial")
    inertial = fresh.render()
    xy_inertial = fresh.project(geodetic_to_ecef(40.0, -100.0, 0.0))[0]
    assert np.abs(earth_fixed.astype(int) - inertial.astype(int)).mean() > 5
    assert np.hypot(*(xy_fixed - xy_inertial)) > 20
    # in the inertial frame, the place under the camera is lon_camera - gmst
    lat, lon = fresh.latlon_at(SIZE[0] / 2, SIZE[1] / 2)
    fresh.set_frame("earth_fixed")
    lat_fixed, lon_fixed = fresh.latlon_at(SIZE[0] / 2, SIZE[1] / 2)
    turned = (lon_fixed - lon - np.degrees(snapshot.gmst_rad) + 180.0) % 360.0 - 180.0
    assert abs(turned) < 0.5 and abs(lat - lat_fixed) < 0.5


@pytest.mark.parametrize("lat, lon", [(39.0, -105.0), (55.0, -120.0), (30.0, -90.0), (62.0, -150.0)])
def test_latlon_at_inverts_projection(fresh, lat, lon):
    look_at(fresh, 45.0, -110.0)
    x, y = fresh.project(geodetic_to_ecef(lat, lon, 0.0))[0]
    got = fresh.latlon_at(x, y)
    assert got is not None
    assert abs(got[0] - lat) < 0.5 and abs((got[1] - lon + 180) % 360 - 180) < 0.5
    assert fresh.latlon_at(2, 2) is None  # a corner shows space


def test_pick_finds_node_and_satellite(fresh, demo):
    scenario, _, snapshot = demo
    index = [n.name for n in scenario.nodes].index("C2 Colorado")
    x, y = fresh.project(node_km(fresh)[index])[0]
    assert fresh.pick(x + 2, y - 1) == ("node", index)
    assert fresh.pick(3, 3) is None
    xy = fresh.project(snapshot.sat_pos[snapshot.sat_active])
    nodes_xy = fresh.project(node_km(fresh))
    active = np.flatnonzero(snapshot.sat_active)
    lone = [
        i for i, p in enumerate(xy)
        if np.isfinite(p).all() and np.nanmin(np.hypot(*(nodes_xy - p).T)) > 20
        and np.sort(np.hypot(*(xy - p).T))[1] > 10
    ]  # fmt: skip
    assert lone, "no isolated visible satellite to pick"
    kind, sat = fresh.pick(*xy[lone[0]])
    assert kind == "satellite" and sat == active[lone[0]]


def test_follow_keeps_the_target_centred(fresh, demo):
    scenario = demo[0]
    index = [n.name for n in scenario.nodes].index("Radar Fylingdales")
    fresh.set_camera_mode("follow", ("node", index))
    for frame in ("earth_fixed", "inertial"):
        fresh.set_frame(frame)
        x, y = fresh.project(node_km(fresh)[index])[0]
        assert abs(x - SIZE[0] / 2) < 2 and abs(y - SIZE[1] / 2) < 2
    with pytest.raises(ValueError):
        fresh.set_camera_mode("follow", ("node", 99))


def test_orbit_turns_the_camera(fresh):
    fresh.set_camera_mode("orbit")
    before = fresh.camera.azimuth
    fresh.advance_camera(2.0)
    assert (fresh.camera.azimuth - before) % 360 == pytest.approx(2.0 * GlobeView.ORBIT_DEG_PER_S)


def test_render_at_another_size_matches_a_canvas_of_that_size(fresh, demo):
    scenario, network, snapshot = demo
    other = GlobeView(size=(400, 300))
    other.set_scenario(scenario, network_layout(network))
    other.update(snapshot)
    other.reset_camera()
    small = other.render(SIZE)
    other.canvas.close()
    reference = fresh.render()
    assert small.shape == reference.shape
    assert np.abs(small.astype(int) - reference.astype(int)).mean() < 1.0


def test_unreachable_chain_is_flagged_and_not_drawn(demo):
    scenario, _, _ = demo
    blind = [
        n.model_copy(update={"min_elevation_deg": 89.9}) if n.name == "Fort Greely" else n
        for n in scenario.nodes
    ]
    scenario = scenario.model_copy(update={"nodes": blind})
    network = Network(scenario, DEMO.parent)
    snapshot = network.snapshot(T_S)
    assert not all(r.reachable for r in snapshot.routes if r.leg.chain == "Alaska defense")
    globe = GlobeView(size=(480, 270))
    globe.set_scenario(scenario, network_layout(network))
    globe.update(snapshot)
    image = globe.render()
    globe.canvas.close()
    top_right = image[:90, 240:]
    assert near_color(top_right, "#ff3d3d", 40).sum() > 20  # "UNREACHABLE" in red
    chain = [c.name for c in scenario.chains].index("Alaska defense")
    assert not globe.layers["routes"].lines[chain].visible


def test_layers_and_selection(fresh):
    only_layers(fresh)
    blank = fresh.render()
    assert (blank[..., :3] != blank[0, 0, :3]).any(axis=-1).sum() == 0
    with pytest.raises(ValueError):
        fresh.set_layer_visible("stars", True)
    fresh.set_selection("node", 0)
    ring = fresh.render()
    assert (ring[..., :3] > 200).all(axis=-1).sum() > 10
    fresh.set_selection(None)


def test_legend_lists_only_link_kinds_the_scenario_has(fresh, demo):
    iridium = DEMO.parent / "iridium_next_real_tle.json"
    scenario = load_scenario(iridium)
    fresh.set_scenario(scenario, network_layout(Network(scenario, iridium.parent)))
    try:
        labels = [entry.label for entry in fresh.overlay._legend]
    finally:
        fresh.set_scenario(demo[0], network_layout(demo[1]))  # the view is shared by this module's tests
    assert "inter-satellite link" in labels and "ground link" in labels
    assert "cross-vendor link" not in labels  # one vendor, interop disabled


def test_a_node_label_that_would_overlap_another_is_left_out(demo):
    scenario, _, _ = demo
    radar = next(n for n in scenario.nodes if n.position is not None)
    twin = radar.model_copy(
        update={
            "name": "Radar Twin",
            "position": radar.position.model_copy(update={"lat_deg": radar.position.lat_deg + 0.2}),
        }
    )

    def labels_shown(nodes) -> set[str]:
        crowded = scenario.model_copy(update={"nodes": nodes})
        network = Network(crowded, DEMO.parent)
        globe = GlobeView(size=SIZE)
        try:
            globe.set_scenario(crowded, network_layout(network))
            globe.update(network.snapshot(T_S))
            look_at(globe, radar.position.lat_deg, radar.position.lon_deg)
            globe.render()
            return {t.strip() for t in globe.layers["labels"].node_labels.text}
        finally:
            globe.canvas.close()

    alone = labels_shown(scenario.nodes)
    crowded = labels_shown([*scenario.nodes, twin])
    assert radar.name in alone
    assert crowded == alone  # the twin, drawn on top of the radar, gets no label; nothing else changes


def test_scene_labels_keep_clear_of_the_overlay_and_of_each_other(fresh):
    from sdn_desktop.render.layers import SCALE
    from sdn_desktop.render.overlay import text_box

    fresh.render()
    taken = fresh.overlay.occupied()
    assert any(box[2] > SIZE[0] - 30 for box in taken)  # the latency panel, top right
    shown = 0
    labels = fresh.layers["labels"]
    for visual in (labels.route_labels, labels.node_labels):
        if not visual.visible:
            continue
        texts = [visual.text] if isinstance(visual.text, str) else visual.text
        for text, xy in zip(texts, fresh.project(visual.pos / SCALE), strict=True):
            box = text_box(visual, text, xy, y_down=False)
            assert not any(
                box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]
                for other in taken
            ), text
            taken.append(box)
            shown += 1
    assert shown > 0


def test_a_globe_state_round_trips_through_a_view_and_a_pickle(fresh):
    import pickle
    from dataclasses import replace

    from sdn_desktop.render.state import CameraPose, GlobeState

    state = GlobeState(
        hidden_layers=frozenset({"isl", "labels"}), frame="inertial", overlay=frozenset({"legend"}),
        camera_mode="follow", camera_target=("node", 2), selection=("satellite", 5), size=SIZE,
        camera=CameraPose(35.0, 20.0, 12.0),
    )  # fmt: skip
    assert pickle.loads(pickle.dumps(state)) == state
    fresh.apply(state)
    shown = fresh.state
    assert replace(shown, camera=None) == replace(state, camera=None)  # following moved the camera
    assert shown.camera.distance == 12.0
    assert not fresh.layers["isl"].visible and fresh.layers["routes"].visible
    first = fresh.render()
    fresh.apply(shown)  # the same state again changes nothing
    assert fresh.state == shown and np.array_equal(fresh.render(), first)
    fixed = replace(shown, camera_mode="fixed", camera_target=None, camera=CameraPose(-60.0, 10.0, 25.0))
    fresh.apply(fixed)
    assert fresh.state == fixed
    with pytest.raises(ValueError, match="no node with index 99"):
        fresh.apply(replace(fixed, selection=("node", 99)))
    with pytest.raises(ValueError, match="layer must be one of"):
        fresh.apply(replace(fixed, hidden_layers=frozenset({"stars"})))
    assert fresh.state == fixed  # a refused state changes nothing
    with pytest.raises(ValueError, match="frame must be one of"):
        replace(fixed, frame="galactic")


def test_a_new_layer_is_one_class_and_one_table_row(demo, monkeypatch):
    from sdn_desktop.render.layers import LAYER_TYPES, Layer
    from sdn_desktop.render.layers.base import markers
    from sdn_desktop.render.overlay import LegendEntry

    class Halos(Layer):
        """A magenta disc on every node (a stand-in for jamming discs)."""

        def __init__(self, parts):
            super().__init__(parts)
            self.discs = markers(parts.earth_fixed, order=8, depth_test=False)

        def visuals(self):
            return [self.discs]

        def update(self, snapshot):
            self._set_markers(self.discs, snapshot.node_km, size=40, face_color="#ff00ff", edge_width=0)

        def legend(self):
            return [LegendEntry("halo", "#ff00ff", symbol="disc")]

    monkeypatch.setitem(LAYER_TYPES, "halos", Halos)
    scenario, network, snapshot = demo
    globe = GlobeView(size=SIZE)
    try:
        assert "halos" in GlobeView.LAYERS
        globe.set_scenario(scenario, network_layout(network))
        globe.update(snapshot)
        assert "halo" in [entry.label for entry in globe.overlay._legend]
        only_layers(globe, "halos")
        assert near_color(globe.render(), "#ff00ff", 40).sum() > 200
        globe.set_layer_visible("halos", False)
        assert near_color(globe.render(), "#ff00ff", 40).sum() == 0
    finally:
        globe.canvas.close()


def test_critical_elements_are_ringed_with_their_rank_where_they_are_drawn(fresh, demo):
    from dataclasses import replace

    from sdn_desktop.render.layers.critical import CRITICAL_COLOR

    _, _, snapshot = demo
    seen = np.flatnonzero(snapshot.sat_active & np.isfinite(fresh.project(snapshot.sat_pos)[:, 0]))
    sats = [int(i) for i in seen[:3]]
    critical = (*(("satellite", i) for i in sats), ("node", 1))
    link = (("satellite", sats[0]), ("node", 1))
    fresh.apply(replace(fresh.state, critical=critical, critical_links=(link,)))
    try:
        only_layers(fresh, "critical")
        image = fresh.render()
        layer = fresh.layers["critical"]
        where = np.vstack([snapshot.sat_pos[sats], node_km(fresh)[[1]]])
        np.testing.assert_allclose(layer.positions_km, where, atol=1e-6)  # km
        assert [text.strip() for text in layer.rank_texts] == ["1", "2", "3", "1"]  # rank within each kind
        np.testing.assert_allclose(layer.link_points_km, where[[0, 3]], atol=1e-6)
        amber = near_color(image, CRITICAL_COLOR, 40)
        assert amber.sum() > 100
        for xy in fresh.project(snapshot.sat_pos[sats]):  # a ring around each satellite
            x, y = (int(round(v)) for v in xy)
            assert amber[y - 12 : y + 13, x - 12 : x + 13].any()
        fresh.set_layer_visible("critical", False)
        assert near_color(fresh.render(), CRITICAL_COLOR, 40).sum() == 0
    finally:
        fresh.apply(replace(fresh.state, critical=(), critical_links=()))
    with pytest.raises(ValueError, match="critical: no satellite with index"):
        fresh.apply(replace(fresh.state, critical=(("satellite", len(snapshot.sat_pos)),)))
