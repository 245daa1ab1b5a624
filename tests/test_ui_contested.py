"""The contested tools as a user drives them: threat tracks, waypoint drags, jammers, strikes and
outages, each one undo step; the tree and the properties panel show threats and events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QLabel

from sdn_desktop.engine.frames import geodetic_to_ecef
from sdn_desktop.scenario import Scenario, load_scenario
from sdn_desktop.scenario.edits import THREAT_TYPICAL, ground_distance_km

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "sdn_backbone_demo.json"


@pytest.fixture
def window(shared_window, qtbot, small_scenario_file):
    """The small scenario freshly opened, its snapshot at the clock drawn, no tool on."""
    win = shared_window
    qtbot.waitUntil(lambda: win.analysis.is_idle() and win.globe.is_idle(), timeout=20000)
    win.contested.cancel()
    win.contested.picked = []
    old_series, win.snapshot = win.analysis.series, None
    assert win.open_path(small_scenario_file)
    qtbot.waitUntil(lambda: win.analysis.series is not old_series and win.analysis.is_idle(), timeout=20000)
    qtbot.waitUntil(lambda: win.snapshot is not None and win.snapshot.t_s == win.clock.t_s, timeout=20000)
    qtbot.waitUntil(win.globe.is_idle, timeout=20000)
    yield win
    win.document.undo_stack.setClean()


def pixel(window, lat: float, lon: float) -> QPoint:
    x, y = window.globe.project(geodetic_to_ecef(lat, lon, 0.0)[None])[0]
    assert np.isfinite([x, y]).all()
    return QPoint(round(x), round(y))


def centre(window) -> tuple[float, float]:
    where = window.globe.latlon_at(window.globe.width() / 2, window.globe.height() / 2)
    assert where is not None
    return where


def test_place_a_threat_track_by_clicking(window, qtbot):
    lat, lon = centre(window)
    points = [(lat, lon - 8.0), (lat + 3.0, lon), (lat, lon + 8.0)]
    window.clock.set_time(120.0)
    window.contested.kind_box.setCurrentText("cruise_missile")
    window.contested.threat_action.trigger()
    for point in points[:-1]:
        QTest.mouseClick(window.globe, Qt.MouseButton.LeftButton, pos=pixel(window, *point))
    QTest.mouseClick(window.globe, Qt.MouseButton.LeftButton, pos=pixel(window, *points[-1]))
    QTest.mouseDClick(window.globe, Qt.MouseButton.LeftButton, pos=pixel(window, *points[-1]))
    threats = window.document.scenario.threats
    assert len(threats) == 1 and threats[0].kind == "cruise_missile"
    track = threats[0].waypoints
    assert len(track) == 3  # the double click ends the track without adding a point
    for placed, clicked in zip(track, points, strict=True):
        assert (placed.lat_deg, placed.lon_deg) == pytest.approx(clicked, abs=0.3)
    assert track[0].t_s == 120.0
    speed = THREAT_TYPICAL["cruise_missile"][0]
    leg = ground_distance_km((track[0].lat_deg, track[0].lon_deg), (track[1].lat_deg, track[1].lon_deg))
    assert track[1].t_s - track[0].t_s == pytest.approx(leg / speed, abs=0.1)
    assert not window.contested.threat_action.isChecked()
    assert window.tree.selected_refs() == [("threats", 0)]
    assert window.properties.row(("waypoints",)).editor.table.rowCount() == 3
    assert window.properties.row(("kind",)).editor.value() == "cruise_missile"  # a threat's kind edits
    window.document.undo_stack.undo()
    assert window.document.scenario.threats == []


def test_escape_cancels_a_track(window, qtbot):
    lat, lon = centre(window)
    window.contested.threat_action.trigger()
    QTest.mouseClick(window.globe, Qt.MouseButton.LeftButton, pos=pixel(window, lat, lon))
    assert len(window.contested.draft) == 1
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts act in the active window
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.contested.draft == [] and not window.contested.threat_action.isChecked()
    assert window.document.scenario.threats == []


def test_drag_a_waypoint_is_one_undo_step(window, qtbot):
    lat, lon = centre(window)
    assert window.contested.add_threat("ship", [(lat, lon), (lat + 2.0, lon + 2.0)])
    before = window.document.scenario
    steps = window.document.undo_stack.count()
    start = pixel(window, lat, lon)
    target = (lat - 3.0, lon + 4.0)
    end = pixel(window, *target)
    azimuth = window.globe.frame.azimuth_deg
    QTest.mousePress(window.globe, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 6):
        QTest.mouseMove(window.globe, start + (end - start) * (k / 5))
    QTest.mouseRelease(window.globe, Qt.MouseButton.LeftButton, pos=end)
    moved = window.document.scenario.threats[0].waypoints[0]
    assert (moved.lat_deg, moved.lon_deg) == pytest.approx(target, abs=0.3)
    assert moved.t_s == before.threats[0].waypoints[0].t_s  # the time stays
    assert window.document.undo_stack.count() == steps + 1
    qtbot.waitUntil(window.globe.is_idle)
    assert window.globe.frame.azimuth_deg == azimuth  # the drag moved the waypoint, not the camera
    window.document.undo_stack.undo()
    assert window.document.scenario == before


def test_jam_tool_click_centre_drag_radius(window, qtbot):
    lat, lon = centre(window)
    window.clock.set_time(60.0)
    window.contested.jam_action.trigger()
    start, end = pixel(window, lat, lon), pixel(window, lat, lon + 5.0)
    QTest.mousePress(window.globe, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(window.globe, (start + end) / 2)
    assert window.contested.jam_draft is not None and window.contested.jam_draft[2] > 0  # the disc shows
    QTest.mouseMove(window.globe, end)
    QTest.mouseRelease(window.globe, Qt.MouseButton.LeftButton, pos=end)
    (jam,) = window.document.scenario.events
    assert jam.kind == "jam" and (jam.from_s, jam.until_s) == (60.0, 660.0)
    assert (jam.center.lat_deg, jam.center.lon_deg) == pytest.approx((lat, lon), abs=0.3)
    expected = ground_distance_km((lat, lon), (lat, lon + 5.0))
    assert jam.radius_km == pytest.approx(expected, rel=0.05)
    assert window.tree.selected_refs() == [("events", 0)]
    assert window.properties.row(("radius_km",)).editor.value() == pytest.approx(jam.radius_km)
    window.document.undo_stack.undo()
    assert window.document.scenario.events == []


def test_destroy_selected_satellites_now(window, qtbot):
    snapshot = window.snapshot
    shown = np.flatnonzero(np.isfinite(window.globe.project(snapshot.sat_pos)[:, 0]))
    assert len(shown) >= 2
    xy = window.globe.project(snapshot.sat_pos[shown[:2]])
    QTest.mouseClick(window.globe, Qt.MouseButton.LeftButton, pos=QPoint(*np.round(xy[0]).astype(int)))
    QTest.mouseClick(
        window.globe, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
        QPoint(*np.round(xy[1]).astype(int)),
    )  # fmt: skip
    picked = list(window.contested.picked)
    assert len(picked) == 2
    window.clock.set_time(300.0)
    window.contested.destroy_action.trigger()
    (strike,) = window.document.scenario.events
    names = window.analysis.network.sats.names
    assert strike.kind == "destroy" and strike.at_s == 300.0
    assert strike.satellites == [names[i] for i in picked]
    assert window.contested.picked == []
    window.document.undo_stack.undo()
    assert window.document.scenario.events == []


def test_outage_from_the_context_menu(window, qtbot, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args, **kwargs: ("cyber", True))
    window.clock.set_time(90.0)
    window.tree.outage_requested.emit(("constellations", 0), False)
    (outage,) = window.document.scenario.events
    assert (outage.kind, outage.cause, outage.from_s, outage.until_s) == ("outage", "cyber", 90.0, None)
    assert outage.constellations == ["Shell"]
    assert window.tree.selected_refs() == [("events", 0)]
    window.document.undo_stack.undo()
    window.tree.outage_requested.emit(("nodes", 1), False)
    assert window.document.scenario.events[0].nodes == ["C2"]
    window.document.undo_stack.undo()
    assert window.document.scenario.events == []


def test_tree_and_properties_show_threats_and_events(window, qtbot):
    demo = load_scenario(DEMO).model_dump()
    demo["events"][0]["planes"] = [{"constellation": "Shell", "planes": [1, 2]}]
    demo["events"][2]["operators"] = []
    demo["events"][2]["nodes"] = ["C2"]
    data = {**window.document.scenario.model_dump(), "threats": demo["threats"], "events": demo["events"]}
    window.document.apply(Scenario.model_validate(data), "demo threats and events")
    tree = window.tree
    labels = {ref: tree._items[ref].text(0) for ref in tree._items}
    assert labels[("threats", 0)] == "HGV Pacific  (hypersonic glide)"
    assert labels[("events", 0)] == "ASAT strike  (destroy at 900 s)"
    assert labels[("events", 1)] == "Alaska jammer  (jam 1500-2100 s)"
    assert labels[("events", 2)] == "Vendor B withdraws  (outage 2400-3000 s)"
    tree.select([("events", 0)])
    texts = [label.text() for label in window.properties.widget().findChildren(QLabel)]
    assert any(text.startswith("Shell planes 1, 2") for text in texts)  # planes: read-only, in words
    window.properties.row(("at_s",)).editor.setValue(1000.0)
    assert window.document.scenario.events[0].at_s == 1000.0
    window.document.undo_stack.undo()
    assert window.document.scenario.events[0].at_s == 900.0
    tree.select([("scenario", 0)])
    with pytest.raises(KeyError):  # not shown as raw lists at the scenario level
        window.properties.row(("events",))
    window.document.undo_stack.undo()
