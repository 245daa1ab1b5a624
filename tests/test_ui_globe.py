"""The globe widget and its globe process: the whole state goes with each batch, and survives a restart."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from sdn_desktop.engine.process import EngineProcess
from sdn_desktop.render.state import default_camera
from sdn_desktop.ui.globe import GlobeWidget


@pytest.fixture
def globe(qtbot, small_scenario, tmp_path):
    """A globe widget showing the small scenario at t = 60 s (layout and snapshot from an engine process)."""
    engine = EngineProcess()
    try:
        layout = engine.load(small_scenario, tmp_path)
        snapshot = engine.snapshot(60.0)
    finally:
        engine.close()
    widget = GlobeWidget()
    qtbot.addWidget(widget)
    widget.resize(480, 320)
    widget.show()
    widget.set_scenario(small_scenario, layout)
    widget.show_snapshot(snapshot)
    qtbot.waitUntil(lambda: widget.frame is not None and widget.is_idle(), timeout=20000)
    yield widget
    widget.shutdown()


def drawn(qtbot, globe: GlobeWidget) -> None:
    shown = globe.frame
    qtbot.waitUntil(lambda: globe.is_idle() and globe.frame is not shown, timeout=20000)


def test_a_restarted_globe_process_gets_the_last_state_camera_included(globe, qtbot, small_scenario, caplog):
    centre = QPointF(globe.width() / 2, globe.height() / 2)
    wheel = QWheelEvent(
        centre, globe.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 360), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(globe, wheel)  # zoom in: the camera is moved in the globe process
    globe.set_layer_visible("isl", False)
    globe.set_selection("node", 1)
    drawn(qtbot, globe)
    camera, before = globe.frame.camera, globe.image()
    assert camera.distance < 0.9 * default_camera(small_scenario).distance
    assert globe.state.camera == camera  # the pose the globe process reported is in the state

    dead = globe._renderer.process
    dead.kill()
    globe.set_frame("inertial")  # the next batch finds the process gone
    qtbot.waitUntil(lambda: globe._renderer.process is not dead and globe.is_idle(), timeout=30000)
    assert "starting a new globe process" in caplog.text
    restarted = globe.frame.camera
    assert restarted.azimuth_deg == pytest.approx(camera.azimuth_deg, abs=1e-9)
    assert restarted.elevation_deg == pytest.approx(camera.elevation_deg, abs=1e-9)
    assert restarted.distance == pytest.approx(camera.distance, rel=1e-12)
    state = globe.state
    assert state.hidden_layers == {"isl"} and state.selection == ("node", 1) and state.frame == "inertial"
    globe.set_frame("earth_fixed")
    drawn(qtbot, globe)
    assert np.abs(globe.image().astype(int) - before.astype(int)).mean() < 1.0  # the same picture again


def test_widget_methods_make_new_states_and_say_so(globe, qtbot, small_scenario):
    seen = []
    globe.state_changed.connect(seen.append)
    globe.set_layer_visible("labels", False)
    globe.set_camera_mode("follow", ("node", 2))
    assert [s.hidden_layers for s in seen] == [{"labels"}, {"labels"}]
    assert seen[-1].camera_mode == "follow" and globe.camera_mode == "follow"
    with pytest.raises(ValueError):
        globe.set_camera_mode("follow", ("node", 3))  # the scenario has three nodes
    with pytest.raises(ValueError):
        globe.set_layer_visible("stars", False)
    assert replace(globe.state, camera=None) == replace(seen[-1], camera=None)  # the refused changed nothing
    globe.set_camera_mode("fixed")
    globe.reset_camera()
    drawn(qtbot, globe)
    assert globe.frame.camera == default_camera(small_scenario)
