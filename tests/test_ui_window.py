"""The main window as a user drives it: edit, undo, save, reopen, place, play, import."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from sdn_desktop.engine.frames import geodetic_to_ecef
from sdn_desktop.scenario import Constellation, TleSource, load_scenario
from sdn_desktop.ui.dialogs import WalkerDialog
from sdn_desktop.ui.main_window import MainWindow

IRIDIUM_TLE = "scenarios/data/iridium-next_2021-01-30.tle"


def wait_for_results(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.analysis.series is not None and window.analysis.is_idle(), timeout=20000)


def wait_for_snapshot_at_clock(qtbot, window) -> None:
    """Until the snapshot at the clock's time is computed, and drawn on the globe."""
    qtbot.waitUntil(
        lambda: window.snapshot is not None and window.snapshot.t_s == window.clock.t_s, timeout=20000
    )
    qtbot.waitUntil(window.globe.is_idle, timeout=20000)


@pytest.fixture
def fresh_window(qtbot, temp_qsettings, small_scenario_file):
    """A window of its own (for tests that close it) on the small scenario, results in."""
    win = MainWindow(temp_qsettings)  # closed here, not by qtbot: qtbot would close it before setClean()
    win.show()
    assert win.open_path(small_scenario_file)
    wait_for_results(qtbot, win)
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()


@pytest.fixture
def window(shared_window, qtbot, small_scenario_file):
    """The shared window as a new one would be: the small scenario opened from this test's own folder
    (so the engine builds its network afresh), every layer on, not placing nodes; results in."""
    win = shared_window
    qtbot.waitUntil(lambda: win.analysis.is_idle() and win.globe.is_idle(), timeout=20000)
    win.globe_tools.stop_placing()
    for name, action in win.layer_actions.items():
        action.setChecked(True)
        win.globe.set_layer_visible(name, True)
    old_series, win.snapshot = win.analysis.series, None
    assert win.open_path(small_scenario_file)
    qtbot.waitUntil(lambda: win.analysis.series is not old_series and win.analysis.is_idle(), timeout=20000)
    yield win
    win.document.undo_stack.setClean()


@pytest.fixture
def message_boxes(monkeypatch):
    """Record modal message boxes instead of showing them; answer with ``answers`` (default OK)."""
    shown: list[str] = []

    def exec_(box):
        shown.append(box.text() + "\n" + box.detailedText())
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return shown


def test_results_reach_plot_and_table(window, qtbot):
    assert set(window.plot.curves) == {"Track"}
    assert len(window.plot.curves["Track"].xData) == 21
    wait_for_snapshot_at_clock(qtbot, window)
    assert window.routes.rowCount() == 2
    assert window.routes.item(0, 1).text() == "1: Radar → C2"
    assert "Last computation" in window.compute_label.text()
    qtbot.waitUntil(lambda: (window.progress.value(), window.progress.maximum()) == (21, 21))  # the last
    for cleared in (False, True):  # rows emptied (a new scenario) and filled again keep their colours
        if cleared:
            window.routes.setRowCount(0)
            window.routes.set_snapshot(window.scenario, window.snapshot)
        assert window.routes.item(0, 0).foreground().color().name() == "#ff4081"  # the chain's colour
        reachable = window.routes.item(0, 2)
        expected = "#69f0ae" if reachable.text() == "yes" else "#ff5252"
        assert reachable.foreground().color().name() == expected


def test_edit_undo_redo_save_reopen(window, small_scenario_file):
    assert "small.json" in window.windowTitle() and not window.isWindowModified()
    window.tree.select([("nodes", 0)])
    editor = window.properties.row(("position", "lat_deg")).editor
    editor.setValue(12.5)
    assert window.document.scenario.nodes[0].position.lat_deg == 12.5
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert window.document.scenario.nodes[0].position.lat_deg == 50.0
    assert editor.value() == 50.0  # the panel follows undo
    assert not window.isWindowModified()
    window.document.undo_stack.redo()
    assert editor.value() == 12.5
    assert window.files.save()
    assert not window.isWindowModified()
    assert load_scenario(small_scenario_file).nodes[0].position.lat_deg == 12.5

    saved = window.document.scenario
    window.files.new_file()  # saved: no question asked
    assert window.document.scenario != saved and window.document.path is None
    assert window.open_path(small_scenario_file)
    assert window.document.scenario == saved
    assert window.files.recent_files()[0] == str(small_scenario_file.resolve())


def test_invalid_edit_shows_message_next_to_field(window):
    window.tree.select([("scenario", 0)])
    row = window.properties.row(("time", "step_s"))
    row.editor.setValue(5000.0)
    assert not row.error.isHidden()
    assert row.error.text() == "Time: Step (5000.0 s) is longer than Duration (600.0 s)"
    assert window.document.scenario.time.step_s == 30.0
    assert window.document.undo_stack.count() == 0


@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
def test_closing_with_unsaved_changes_asks(request, monkeypatch, small_scenario_file, answer):
    window = request.getfixturevalue("window" if answer == "cancel" else "fresh_window")  # closed for good
    window.document.set_field(("name",), "Renamed")
    buttons = {
        "cancel": QMessageBox.StandardButton.Cancel,
        "discard": QMessageBox.StandardButton.Discard,
        "save": QMessageBox.StandardButton.Save,
    }
    asked = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args, **kw: asked.append(args) or buttons[answer])
    closed = window.close()
    assert asked
    assert closed == (answer != "cancel")
    saved_name = load_scenario(small_scenario_file).name
    assert saved_name == ("Renamed" if answer == "save" else "Small test")
    if answer == "cancel":
        assert window.isVisible() and window.isWindowModified()


def test_place_node_by_clicking_the_globe(window, qtbot):
    wait_for_snapshot_at_clock(qtbot, window)
    canvas = window.globe
    centre = window.globe.latlon_at(canvas.width() / 2, canvas.height() / 2)
    assert centre is not None
    target = (centre[0] + 4.0, centre[1] + 6.0)
    x, y = window.globe.project(geodetic_to_ecef(*target, 0.0)[None])[0]
    assert np.isfinite([x, y]).all()
    window.globe_tools.place_actions["gateway"].trigger()
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    node = window.document.scenario.nodes[-1]
    assert node.role == "gateway" and node.name == "Gateway 1"
    assert node.position.lat_deg == pytest.approx(target[0], abs=0.3)
    assert node.position.lon_deg == pytest.approx(target[1], abs=0.3)
    assert window.tree.selected_refs() == [("nodes", 3)]
    window.document.undo_stack.undo()
    assert len(window.document.scenario.nodes) == 3


def test_playing_the_clock_changes_the_picture(window, qtbot):
    for layer in ("overlay", "labels"):  # the clock text alone must not pass this test
        window.layer_actions[layer].trigger()
    wait_for_snapshot_at_clock(qtbot, window)
    before = window.globe.image()
    window.clock.play()
    qtbot.waitUntil(lambda: window.clock.t_s > 60, timeout=5000)
    window.clock.pause()
    wait_for_snapshot_at_clock(qtbot, window)
    after = window.globe.image()
    assert before.shape == after.shape
    assert np.count_nonzero(np.any(before != after, axis=-1)) > 100
    assert window.plot.cursor.value() == pytest.approx(window.plot._epoch + window.clock.t_s)


def test_clicking_the_plot_moves_the_clock(window, qtbot):
    vb = window.plot.getPlotItem().vb
    x = window.plot._epoch + 300.0
    (y0, y1) = vb.viewRange()[1]
    scene_pos = vb.mapViewToScene(QPointF(x, (y0 + y1) / 2))
    pos = window.plot.mapFromScene(scene_pos)
    QTest.mouseClick(window.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.clock.t_s == pytest.approx(300.0, abs=5.0)


def test_bad_file_shows_error_and_keeps_the_scenario(window, tmp_path, message_boxes):
    bad = tmp_path / "bad.json"
    data = json.loads((tmp_path / "small.json").read_text())
    data["time"]["step_s"] = -1
    bad.write_text(json.dumps(data))
    assert not window.open_path(bad)
    assert "time.step_s" in message_boxes[0]
    (tmp_path / "broken.json").write_text("{not json")
    assert not window.open_path(tmp_path / "broken.json")
    assert "invalid JSON" in message_boxes[1]
    assert window.document.scenario.name == "Small test"
    window.document.set_field(("name",), "Still editable")
    assert window.tree.topLevelItem(0).text(0) == "Still editable"


def test_worker_error_is_shown_and_app_keeps_running(window, qtbot):
    missing = Constellation(name="Ghost", source=TleSource(path="no_such_file.tle"))
    window.document.apply(
        window.document.scenario.model_copy(
            update={"constellations": [*window.document.scenario.constellations, missing]}
        ),
        "Add ghost",
    )
    qtbot.waitUntil(lambda: "Computation failed" in window.status_label.text(), timeout=20000)
    assert "no_such_file.tle" in window.status_label.toolTip()
    window.document.undo_stack.undo()
    qtbot.waitUntil(lambda: "Computation failed" not in window.status_label.text(), timeout=20000)


def test_walker_dialog_counts_and_validates(qtbot):
    dialog = WalkerDialog("Shell 2")
    qtbot.addWidget(dialog)
    dialog.planes.setValue(3)
    dialog.sats_per_plane.setValue(4)
    assert dialog.count.text() == "12 satellites"
    assert len(dialog.scatter.data) == 12
    dialog.phasing.setValue(3)
    assert dialog.constellation() is None and "phasing" in dialog.problem.text()
    dialog.phasing.setValue(1)
    assert dialog.constellation().source.satellite_count == 12


def test_tle_import_reports_what_was_skipped(window, tmp_path, message_boxes):
    lines = open(IRIDIUM_TLE).read().splitlines()[:6]
    broken = lines[5][:-1] + str((int(lines[5][-1]) + 1) % 10)  # wrong checksum
    path = tmp_path / "mixed.tle"
    path.write_text("\n".join(lines[:5] + [broken]) + "\n")
    window.import_tle_file(path)
    added = window.document.scenario.constellations[-1]
    assert added.name == "mixed" and added.source.path == "mixed.tle"
    assert "Read 1 satellite from" in message_boxes[0] and "1 entry was skipped" in message_boxes[0]
    assert "checksum" in message_boxes[0]


def test_several_selected_objects_are_edited_together(window):
    window.tree.select([("nodes", 0), ("nodes", 2)])
    window.properties.row(("min_elevation_deg",)).editor.inner.setValue(12.0)
    assert [n.min_elevation_deg for n in window.document.scenario.nodes] == [12.0, 5.0, 12.0]
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert [n.min_elevation_deg for n in window.document.scenario.nodes] == [5.0, 5.0, 5.0]


def test_duplicate_and_delete_from_the_tree(window, monkeypatch):
    window.duplicate([("nodes", 0), ("chains", 0)])
    scenario = window.document.scenario
    assert [n.name for n in scenario.nodes][-1] == "Radar copy"
    assert [c.name for c in scenario.chains] == ["Track", "Track copy"]
    asked = []

    def delete_them_too(box):
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == "Delete chains too").click()

    monkeypatch.setattr(QMessageBox, "exec", delete_them_too)
    window.delete([("nodes", 1)])  # C2 is used by both chains: they go too
    assert "C2: Track, Track copy" in asked[0]
    assert window.document.scenario.chains == []
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert window.document.scenario == load_scenario(window.document.path)


def test_record_dialog_records_in_a_child_process(window, qtbot, tmp_path):
    from sdn_desktop.ui.record import RecordDialog, RecordRun

    dialog = RecordDialog(window.document.scenario, tmp_path, 0.0, "Radar", window)
    dialog.format.setCurrentIndex(2)  # PNG sequence
    dialog.path.setText(str(tmp_path / "frames"))
    dialog.preset.setCurrentIndex(4)  # custom
    dialog.width_px.setValue(64)
    dialog.height_px.setValue(48)
    dialog.fps.setValue(2)
    dialog.duration.setValue(60)
    dialog.speed.setValue(60)
    assert dialog.summary.text().startswith("2 frames")
    job = dialog.job()
    assert job["camera"] == "fixed" and job["size"] == [64, 48]
    dialog.camera.setCurrentIndex(2)
    assert dialog.job()["camera"] == "follow:Radar"
    run = RecordRun(window.document.scenario, dialog.job(), window)
    with qtbot.waitSignal(run.finished_with, timeout=60000) as result:
        pass
    assert result.args[0], result.args[1]
    assert len(list((tmp_path / "frames").glob("*.png"))) == 2


def test_drag_a_node_to_move_it(window, qtbot):
    wait_for_snapshot_at_clock(qtbot, window)
    canvas = window.globe
    centre = window.globe.latlon_at(canvas.width() / 2, canvas.height() / 2)
    assert centre is not None
    start, target = (centre[0] + 3.0, centre[1] - 4.0), (centre[0] - 2.0, centre[1] + 5.0)
    placed = window.document.scenario.nodes[0].model_copy(
        update={"position": window.document.scenario.nodes[0].position.model_copy(
            update={"lat_deg": start[0], "lon_deg": start[1]})}
    )  # fmt: skip
    window._apply_field(("nodes", 0), placed.model_dump(mode="json"))
    wait_for_snapshot_at_clock(qtbot, window)
    qtbot.waitUntil(lambda: window.globe.snapshot is not None and np.allclose(
        window.globe.snapshot.node_pos[0], geodetic_to_ecef(*start, placed.position.alt_m)))  # fmt: skip
    qtbot.waitUntil(window.globe.is_idle)
    x0, y0 = window.globe.project(geodetic_to_ecef(*start, 0.0)[None])[0]
    x1, y1 = window.globe.project(geodetic_to_ecef(*target, 0.0)[None])[0]
    assert np.isfinite([x0, y0, x1, y1]).all()
    azimuth = window.globe.frame.azimuth_deg
    steps_before = window.document.undo_stack.count()
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x0), round(y0)))
    for k in range(1, 6):
        f = k / 5
        QTest.mouseMove(canvas, QPoint(round(x0 + f * (x1 - x0)), round(y0 + f * (y1 - y0))))
        qtbot.wait(20)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x1), round(y1)))
    moved = window.document.scenario.nodes[0].position
    assert moved.lat_deg == pytest.approx(target[0], abs=0.3)
    assert moved.lon_deg == pytest.approx(target[1], abs=0.3)
    qtbot.waitUntil(window.globe.is_idle)
    assert window.globe.frame.azimuth_deg == azimuth  # the drag moved the node, not the camera
    assert window.document.undo_stack.count() == steps_before + 1  # one drag, one undo step
    window.document.undo_stack.undo()
    assert window.document.scenario.nodes[0].position.lat_deg == pytest.approx(start[0])


def test_orbit_camera_turns_until_reset(window, qtbot):
    qtbot.waitUntil(window.globe.is_idle, timeout=20000)  # the globe process may still be starting
    azimuth = window.globe.frame.azimuth_deg
    window._start_orbit()
    qtbot.waitUntil(lambda: abs(window.globe.frame.azimuth_deg - azimuth) > 1.0, timeout=3000)
    window._reset_camera()
    qtbot.wait(100)
    assert not window._orbit_timer.isActive()


def test_clicking_a_satellite_tells_where_it_is_and_what_it_carries(window, qtbot):
    series = window.analysis.series
    window.clock.set_time(float(series.t_s[np.flatnonzero(series.reachable.any(axis=0))[0]]))
    wait_for_snapshot_at_clock(qtbot, window)
    snap = window.snapshot
    route = next(r for r in snap.routes if r.reachable)
    sat = next(v for v in route.path if v < len(snap.sat_pos))
    x, y = window.globe.project(snap.sat_pos[sat][None])[0]
    if np.isfinite([x, y]).all() and window.globe.pick(x, y) == ("satellite", sat):  # in view: click it
        canvas = window.globe
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
        assert window.statusBar().currentMessage() == window.globe_tools.satellite_details(sat)
    text = window.globe_tools.satellite_details(sat)
    name = window.analysis.network.sats.names[sat]
    assert text.startswith(f"Satellite {name}")
    assert f"carries {route.leg.chain}" in text or f", {route.leg.chain}" in text
    alt_km = float(text.split(" km;")[0].rsplit(" ", 1)[1])
    assert 300 < alt_km < 2000


def test_a_failing_globe_call_is_logged_and_drawing_goes_on(window, qtbot, caplog):
    from sdn_desktop.render.process import Input

    wait_for_snapshot_at_clock(qtbot, window)
    shown = window.globe.frame
    window.globe._renderer.add_input(Input("no such input"))
    window.globe.set_layer_visible("earth", False)
    qtbot.waitUntil(lambda: window.globe.is_idle() and window.globe.frame is not shown, timeout=10000)
    assert "no such input" in caplog.text
    without_earth, shown = window.globe.image(), window.globe.frame
    window.globe.set_layer_visible("earth", True)
    qtbot.waitUntil(lambda: window.globe.is_idle() and window.globe.frame is not shown, timeout=10000)
    assert np.count_nonzero(np.any(window.globe.image() != without_earth, axis=-1)) > 1000


def test_a_dead_globe_process_is_replaced_and_shows_the_same_scene(window, qtbot, caplog):
    wait_for_snapshot_at_clock(qtbot, window)
    window.globe.set_layer_visible("earth", False)
    qtbot.waitUntil(window.globe.is_idle, timeout=10000)
    before, camera, dead = window.globe.image(), window.globe.frame.camera, window.globe._renderer.process
    dead.kill()
    window.globe.advance_camera(0.0)  # any call: its batch finds the process gone
    qtbot.waitUntil(
        lambda: window.globe._renderer.process is not dead and window.globe.is_idle(), timeout=20000
    )
    assert "starting a new globe process" in caplog.text
    after = window.globe.image()
    assert after.shape == before.shape
    assert window.globe.frame.camera == camera
    # Same scenario, snapshot, layers, size and camera.
    assert abs(int(np.any(after != 0, axis=-1).sum()) - int(np.any(before != 0, axis=-1).sum())) < 0.2 * (
        np.any(before != 0, axis=-1).sum()
    )


def test_without_egl_the_window_works_and_says_why_there_is_no_globe(
    qtbot, temp_qsettings, small_scenario_file, monkeypatch, tmp_path
):
    broken_egl = tmp_path / "libEGL.so"
    broken_egl.write_text("not a library")
    monkeypatch.setenv("EGL_LIBRARY", str(broken_egl))  # the globe process inherits it
    win = MainWindow(temp_qsettings)
    try:
        win.show()
        assert win.open_path(small_scenario_file)
        wait_for_results(qtbot, win)
        qtbot.waitUntil(lambda: "EGL" in win.globe.error, timeout=20000)
        assert str(broken_egl) in win.globe.error
        assert set(win.plot.curves) == {"Track"}
        win.globe.set_layer_visible("earth", False)  # calls still work, they just draw nothing
        assert win.globe.is_idle() and win.globe.pick(10, 10) is None
    finally:
        win.document.undo_stack.setClean()
        win.close()
        win.deleteLater()


def test_dragging_space_turns_the_camera_and_the_wheel_zooms(window, qtbot):
    wait_for_snapshot_at_clock(qtbot, window)
    canvas, shown = window.globe, window.globe.frame
    start = QPoint(20, canvas.height() // 2)  # space at the left edge: no node, no satellite
    assert window.globe.pick(start.x(), start.y()) is None
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 6):
        QTest.mouseMove(canvas, start + QPoint(30 * k, 0))
        qtbot.wait(20)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start + QPoint(150, 0))
    qtbot.waitUntil(lambda: window.globe.is_idle() and window.globe.frame is not shown, timeout=10000)
    assert abs(window.globe.frame.azimuth_deg - shown.azimuth_deg) > 5.0
    assert window.document.undo_stack.count() == 0  # the camera moved, the scenario did not
    def spread() -> float:  # how far apart the visible nodes are drawn
        xy = window.globe.project(window.snapshot.node_pos)
        xy = xy[np.isfinite(xy).all(axis=1)]
        return float(np.ptp(xy, axis=0).max())

    before, shown = spread(), window.globe.frame
    centre = QPointF(canvas.width() / 2, canvas.height() / 2)
    wheel = QWheelEvent(
        centre, canvas.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 240), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(canvas, wheel)
    qtbot.waitUntil(lambda: window.globe.is_idle() and window.globe.frame is not shown, timeout=10000)
    assert spread() > 1.2 * before  # scrolling up zooms in


def test_the_view_menu_follows_the_globe_state(window):
    """Layers and frame changed on the globe itself (not through the menu) show in the View menu."""
    window.globe.set_layer_visible("isl", False)
    window.globe.set_frame("inertial")
    assert not window.layer_actions["isl"].isChecked()
    assert window.frame_actions["inertial"].isChecked()
    assert not window.frame_actions["earth_fixed"].isChecked()
    window.globe.set_layer_visible("isl", True)
    window.globe.set_frame("earth_fixed")
    assert window.layer_actions["isl"].isChecked() and window.frame_actions["earth_fixed"].isChecked()
