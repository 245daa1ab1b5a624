"""The Map dock in the main window: frames from the map process that follow the clock, selection
both ways, placing a node with a click, pan and zoom kept on the map."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from sdn_desktop.engine.frames import ecef_to_geodetic
from sdn_desktop.render.map_view import MAP_RECT
from sdn_desktop.scenario import save_scenario

T_S = 540.0  # the Radar -> C2 leg is reachable then
ROUTE_RGB = np.array([0xFF, 0x40, 0x81])  # the small scenario's chain colour


WINDOW_SIZE = (1500, 950)


@pytest.fixture(scope="module")
def window(shared_window):
    return shared_window


@pytest.fixture
def shown(window, qtbot, small_scenario, tmp_path):
    """The window on the small scenario (its chain cut to Radar -> C2) at T_S, the map drawn."""
    chain = small_scenario.chains[0].model_copy(update={"nodes": ["Radar", "C2"]})
    path = tmp_path / "small.json"
    save_scenario(small_scenario.model_copy(update={"chains": [chain]}), path)
    window.globe_tools.stop_placing()
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.analysis.series is not None and window.analysis.is_idle(), timeout=30000)
    window.clock.set_time(T_S)
    map_widget = window.map_panel.map
    qtbot.waitUntil(lambda: window.snapshot is not None and window.snapshot.t_s == T_S, timeout=30000)
    qtbot.waitUntil(lambda: map_widget.frame is not None and map_widget.is_idle(), timeout=30000)
    yield window
    window.document.undo_stack.setClean()


def drawn(qtbot, widget) -> None:
    """Until a new frame is on screen and nothing more is queued."""
    before = widget.frame
    qtbot.waitUntil(lambda: widget.frame is not before and widget.is_idle(), timeout=30000)


def test_the_map_shows_the_route_in_its_chain_colour(shown):
    map_widget = shown.map_panel.map
    assert shown.map_dock.isVisible() and map_widget.frame.image.width() == map_widget.width()
    snapshot = shown.snapshot
    assert all(route.reachable for route in snapshot.routes)
    path = [v for route in snapshot.routes for v in route.path if v < len(snapshot.sat_pos)]
    lat, lon, _ = ecef_to_geodetic(snapshot.sat_pos[path])
    image = map_widget.image()[..., :3].astype(int)
    for x, y in map_widget.frame.projection.project(lat, lon):
        x, y = int(round(x)), int(round(y))
        near = image[y - 2 : y + 3, x - 2 : x + 3]
        assert (np.abs(near - ROUTE_RGB) <= 40).all(axis=-1).any(), (x, y)


def test_clicking_a_satellite_on_the_map_selects_it_and_draws_its_track(shown, qtbot):
    map_widget = shown.map_panel.map
    snapshot = shown.snapshot
    on_route = {v for route in snapshot.routes for v in route.path}
    satellite = next(i for i in range(len(snapshot.sat_pos)) if i not in on_route and snapshot.sat_active[i])
    lat, lon, _ = ecef_to_geodetic(snapshot.sat_pos[satellite])
    before = map_widget.image()
    x, y = map_widget.frame.projection.project(lat, lon)[0]
    assert map_widget.pick(x, y) == ("satellite", satellite)
    QTest.mouseClick(map_widget, Qt.MouseButton.LeftButton, pos=QPoint(int(round(x)), int(round(y))))
    assert shown.tree.selected_refs() == [("constellations", 0)]
    assert map_widget.state.selection == ("satellite", satellite) and map_widget.state.tracked == (satellite,)
    assert shown.globe.state.selection == ("satellite", satellite)  # the globe rings the same satellite
    drawn(qtbot, map_widget)
    changed = np.abs(map_widget.image()[..., :3].astype(int) - before[..., :3]).sum(axis=-1) > 60
    assert changed.sum() > 300  # ring, ground track and coverage circle
    shown.tree.select([("nodes", 1)])  # the other way: the tree selects the C2 node
    assert map_widget.state.selection == ("node", 1) and map_widget.state.tracked == ()


def test_placing_a_node_by_clicking_the_map(shown, qtbot):
    map_widget = shown.map_panel.map
    nodes_before = len(shown.scenario.nodes)
    x, y = map_widget.frame.projection.project(-30.0, 20.0)[0]  # South Atlantic, off any node
    shown.globe_tools.place_actions["gateway"].trigger()
    QTest.mouseClick(map_widget, Qt.MouseButton.LeftButton, pos=QPoint(int(round(x)), int(round(y))))
    shown.globe_tools.stop_placing()
    placed = shown.scenario.nodes[nodes_before:]
    assert len(placed) == 1 and placed[0].role == "gateway"
    assert placed[0].position.lat_deg == pytest.approx(-30.0, abs=0.5)
    assert placed[0].position.lon_deg == pytest.approx(20.0, abs=0.5)


def test_pan_and_zoom_stay_on_the_map(shown, qtbot):
    map_widget = shown.map_panel.map
    centre = QPointF(map_widget.width() / 2, map_widget.height() / 2)

    def wheel(steps: int) -> None:
        event = QWheelEvent(
            centre, map_widget.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120 * steps),
            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
        )  # fmt: skip
        QApplication.sendEvent(map_widget, event)

    wheel(3)  # zoom in
    drawn(qtbot, map_widget)
    left, bottom, width, height = map_widget.state.camera
    assert width < 0.8 * MAP_RECT[2]
    start = QPoint(int(centre.x()), int(centre.y()))
    QTest.mousePress(map_widget, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):  # drag far right: the map's west edge stops at the view's
        QTest.mouseMove(map_widget, start + QPoint(150 * step, 0))
    QTest.mouseRelease(map_widget, Qt.MouseButton.LeftButton, pos=start + QPoint(750, 0))
    drawn(qtbot, map_widget)
    left, bottom, width, height = map_widget.state.camera
    assert left == pytest.approx(MAP_RECT[0], abs=1e-6)
    assert MAP_RECT[1] <= bottom and bottom + height <= MAP_RECT[1] + MAP_RECT[3]
    wheel(-20)  # zoom out past the whole map: the whole map
    drawn(qtbot, map_widget)
    assert map_widget.state.camera == pytest.approx(MAP_RECT)
    shown.map_panel.map.reset_camera()
