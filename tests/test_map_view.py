"""MapView: real pixels of a small scenario on the 2D map, picking and the pixel <-> lat/lon mapping."""

from __future__ import annotations

import numpy as np
import pytest

from sdn_desktop.engine import Network
from sdn_desktop.engine.frames import ecef_to_geodetic
from sdn_desktop.engine.tracks import ground_tracks
from sdn_desktop.render.map_view import STATUS_PX, MapView
from sdn_desktop.scenario import Geodetic

SIZE = (720, 420)
T_S = 540.0  # the Radar -> C2 leg is reachable then; C2 -> Battery never is
ROUTE_COLOR = "#ff4081"  # the small scenario's chain
SHELL_COLOR = "#4fc3f7"


@pytest.fixture(scope="module")
def canvas():
    view = MapView(size=SIZE)
    yield view
    view.canvas.close()


@pytest.fixture
def small(small_scenario):
    """The small scenario with its chain cut to the leg that is reachable at T_S."""
    chain = small_scenario.chains[0].model_copy(update={"nodes": ["Radar", "C2"]})
    scenario = small_scenario.model_copy(update={"chains": [chain]})
    network = Network(scenario)
    return scenario, network, network.snapshot(T_S)


@pytest.fixture
def view(canvas, small):
    """The shared canvas showing the small scenario at T_S, every layer on, no options."""
    scenario, network, snapshot = small
    canvas.resize(SIZE)
    canvas.reset_camera()
    canvas.set_scenario(scenario, network)
    canvas.set_selection(None)
    canvas.set_ground_tracks([])
    canvas.set_footprints()
    for layer in MapView.LAYERS:
        canvas.set_layer_visible(layer, True)
    canvas.update(snapshot)
    return canvas


def only_layers(view: MapView, *keep: str) -> None:
    for layer in MapView.LAYERS:
        view.set_layer_visible(layer, layer in keep)


def near_color(image: np.ndarray, hex_color: str, tolerance: int = 40) -> np.ndarray:
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(image[..., :3].astype(int) - rgb) <= tolerance).all(axis=-1)


def colour_near(image: np.ndarray, xy, hex_color: str, radius: int = 2) -> bool:
    x, y = int(round(xy[0])), int(round(xy[1]))
    return bool(near_color(image[y - radius : y + radius + 1, x - radius : x + radius + 1], hex_color).any())


def sub_points(snapshot, satellites) -> tuple[np.ndarray, np.ndarray]:
    lat, lon, _ = ecef_to_geodetic(snapshot.sat_pos[satellites])
    return lat, lon


def test_route_is_drawn_in_its_chain_colour_through_its_satellites(view, small):
    snapshot = small[2]
    image = view.render()
    assert image.shape == (SIZE[1], SIZE[0], 4) and image.dtype == np.uint8
    path = [v for route in snapshot.routes for v in route.path if v < len(snapshot.sat_pos)]
    assert path and all(route.reachable for route in snapshot.routes)
    xy = view.project(*sub_points(snapshot, path))
    assert all(colour_near(image, p, ROUTE_COLOR) for p in xy)
    assert near_color(image, ROUTE_COLOR).sum() < 0.05 * SIZE[0] * SIZE[1]  # a route, not a flood
    only_layers(view, "earth", "satellites")
    assert not any(colour_near(view.render(), p, ROUTE_COLOR) for p in xy)


def test_nodes_and_satellites_are_where_projected_and_picked_there(view, small):
    scenario, _, snapshot = small
    image = view.render()
    lat, lon = sub_points(snapshot, np.arange(len(snapshot.sat_pos)))
    xy = view.project(lat, lon)
    crowd = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) + np.eye(len(xy)) * 1e9
    node_xy = view.project(
        [n.position.lat_deg for n in scenario.nodes], [n.position.lon_deg for n in scenario.nodes]
    )
    to_nodes = np.hypot(*(xy[:, None, :] - node_xy[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    lonely = int(np.argmax(np.minimum(crowd.min(axis=1), to_nodes)))
    assert colour_near(image, xy[lonely], SHELL_COLOR)
    assert view.pick(*xy[lonely]) == ("satellite", lonely)
    assert view.pick(xy[lonely][0] + 3, xy[lonely][1] - 2) == ("satellite", lonely)
    for g, p in enumerate(node_xy):
        assert view.pick(*p) == ("node", g)
    view.set_layer_visible("satellites", False)
    assert view.pick(*xy[lonely]) is None


def test_latlon_at_inverts_the_projection(view):
    lats = np.array([0.0, 45.5, -60.25, 89.0, -89.0, 12.3])
    lons = np.array([0.0, -179.5, 179.5, 10.0, -100.0, 45.6])
    for (x, y), lat, lon in zip(view.project(lats, lons), lats, lons, strict=True):
        got = view.latlon_at(x, y)
        assert got is not None and abs(got[0] - lat) < 0.1 and abs(got[1] - lon) < 0.1
    assert view.latlon_at(SIZE[0] / 2, SIZE[1] - STATUS_PX / 2) is None  # the status strip
    full_map = view.project([90.0, -90.0], [-180.0, 180.0])
    assert full_map[1, 0] - full_map[0, 0] == pytest.approx(SIZE[0], abs=1.0)  # the map fills the width


def test_footprint_around_a_pole_is_one_band_across_the_map(view, small):
    scenario, _, snapshot = small
    polar = scenario.model_copy(deep=True)
    polar.nodes[0].position = Geodetic(lat_deg=84.0, lon_deg=20.0)
    network = Network(polar)
    view.set_scenario(polar, network)
    view.update(network.snapshot(T_S))
    view.set_footprints(nodes=[0])
    only_layers(view, "footprints")
    image = view.render()[..., :3].astype(int)
    outline = np.abs(image - image[2, 2]).sum(axis=-1) > 90  # anything drawn on the background
    left, right = view.project([0.0, 0.0], [-179.0, 179.0])[:, 0].astype(int)
    for x in range(left, right + 1, 4):
        rows = np.flatnonzero(outline[:, x])
        assert len(rows), f"the footprint's edge has a gap at column {x}"
        assert rows.max() - rows.min() <= 4, f"column {x} is crossed more than once"
        lat = view.latlon_at(x, rows.mean())[0]
        assert 84.0 - 35.0 < lat < 90.0  # a 1200 km shell at 5 deg reaches about 27 deg from the node


def test_ground_track_drawn_behind_dimmer_than_ahead(view, small):
    network = small[1]
    view.set_ground_tracks([3], behind_s=1200.0, ahead_s=1200.0, step_s=20.0)
    only_layers(view, "tracks")
    image = view.render()
    track = ground_tracks(network, [3], T_S, 1200.0, 1200.0, 20.0)
    xy = view.project(track.lat_deg[0], track.lon_deg[0])
    brightness = image[..., :3].astype(int).sum(axis=-1)

    def brightest_near(p):
        x, y = int(round(p[0])), int(round(p[1]))
        return brightness[y - 1 : y + 2, x - 1 : x + 2].max()

    behind = [brightest_near(p) for p in xy[5 : track.now_index - 5]]
    ahead = [brightest_near(p) for p in xy[track.now_index + 5 : -5]]
    background = brightness[5, 5]
    assert min(behind) > background and np.median(ahead) > np.median(behind) * 1.3


def test_selection_ring_and_bad_targets(view, small):
    snapshot = small[2]
    only_layers(view, "earth")
    lat, lon = sub_points(snapshot, [5])
    before = view.render()
    view.set_selection("satellite", 5)
    after = view.render()
    x, y = view.project(lat, lon)[0]
    ring = np.abs(after[..., :3].astype(int) - before[..., :3]).sum(axis=-1) > 60
    changed = np.argwhere(ring)
    assert len(changed) and np.hypot(changed[:, 1] - x, changed[:, 0] - y).max() < 14
    with pytest.raises(ValueError):
        view.set_selection("satellite", 36)
    with pytest.raises(ValueError):
        view.set_ground_tracks([99])
    with pytest.raises(ValueError):
        view.set_layer_visible("stars", True)


def test_render_at_another_size_keeps_the_canvas(view):
    image = view.render(size=(360, 210))
    assert image.shape == (210, 360, 4)
    assert view.canvas.size == SIZE
    assert view.render().shape == (SIZE[1], SIZE[0], 4)


def test_critical_elements_are_ringed_in_amber_where_they_are(view, small):
    """A resilience study's critical satellites and nodes, ringed on the map (MapState.critical)."""
    from sdn_desktop.render.layers.critical import CRITICAL_COLOR  # noqa: PLC0415
    from sdn_desktop.render.map_state import MapState  # noqa: PLC0415

    snapshot = small[2]
    others = frozenset(MapView.LAYERS) - {"earth", "critical"}
    critical = (("satellite", 5), ("node", 0))
    view.apply(MapState(size=SIZE, hidden_layers=others, critical=critical))
    image = view.render()
    lat, lon = sub_points(snapshot, [5])
    node_lat, node_lon, _ = ecef_to_geodetic(snapshot.node_pos[:1])
    amber = np.argwhere(near_color(image, CRITICAL_COLOR))
    for x, y in (view.project(lat, lon)[0], view.project(node_lat, node_lon)[0]):
        assert (np.hypot(amber[:, 1] - x, amber[:, 0] - y) < 14).sum() > 10, "no ring there"
    view.apply(MapState(size=SIZE, hidden_layers=others | {"critical"}, critical=critical))
    assert not near_color(view.render(), CRITICAL_COLOR).any()
    with pytest.raises(ValueError, match="critical"):
        view.apply(MapState(size=SIZE, critical=(("satellite", 36),)))
    view.apply(MapState(size=SIZE))


@pytest.mark.parametrize("width", [300, 420, 560, 900])
def test_status_texts_never_overlap_on_a_narrow_map(canvas, small_scenario, width):
    """The clock and the chains' latencies share the status strip: on a narrow map the chains are
    shortened to their latencies and the clock to T+, never drawn over each other."""
    from sdn_desktop.render.map_view import _text_width_px  # noqa: PLC0415
    from sdn_desktop.scenario import KillChain  # noqa: PLC0415

    cue = KillChain(name="Cue from the northern radar", color="#ffd740", nodes=["Radar", "C2"])
    scenario = small_scenario.model_copy(update={"chains": [*small_scenario.chains, cue]})
    network = Network(scenario)
    canvas.resize((width, 300))
    canvas.set_scenario(scenario, network)
    canvas.update(network.snapshot(T_S))
    left, chains = canvas._status_left, canvas._status_chains
    texts = [left.text] if isinstance(left.text, str) else list(left.text)
    left_end = max(
        x + _text_width_px(t, 9) for t, x in zip(texts, np.atleast_2d(left.pos)[:, 0], strict=True)
    )
    assert any("T+" in t for t in texts), "the clock is always shown"
    if chains.visible:
        names = [chains.text] if isinstance(chains.text, str) else list(chains.text)
        chain_start = min(
            x - _text_width_px(t, 9) for t, x in zip(names, np.atleast_2d(chains.pos)[:, 0], strict=True)
        )
        assert left_end <= chain_start, (texts, names)
    if width >= 900:
        assert chains.visible and any(t.startswith("Cue from the northern radar") for t in chains.text)
    canvas.resize(SIZE)


def test_struck_satellites_are_crossed_for_five_minutes_as_on_the_globe(canvas, small_scenario):
    from sdn_desktop.render.layers.attacks import STRUCK_SHOWN_S  # noqa: PLC0415
    from sdn_desktop.scenario.model import DestroyEvent  # noqa: PLC0415

    strike = DestroyEvent(name="Strike", at_s=60.0, satellites=["Shell P00S00", "Shell P01S01"])
    scenario = small_scenario.model_copy(update={"events": [strike]})
    network = Network(scenario)
    canvas.resize(SIZE)
    canvas.set_scenario(scenario, network)
    only_layers(canvas, "earth", "struck")
    shown = []  # pixels the struck layer changes at each instant
    for t_s in (30.0, 90.0, 60.0 + STRUCK_SHOWN_S - 10.0, 60.0 + STRUCK_SHOWN_S + 30.0):
        canvas.update(network.snapshot(t_s))
        canvas.set_layer_visible("struck", False)
        without = canvas.render()[..., :3].astype(int)
        canvas.set_layer_visible("struck", True)
        shown.append(int((np.abs(canvas.render()[..., :3].astype(int) - without).sum(axis=-1) > 60).sum()))
    before, just_after, late, after_window = shown
    assert just_after > 10 and late > 10, shown
    assert before == 0 and after_window == 0, shown
    for layer in MapView.LAYERS:
        canvas.set_layer_visible(layer, True)
