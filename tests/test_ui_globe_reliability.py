"""The globe and the engine children in the app: failures are shown and survived, no child is left
behind, and a clicked satellite is the one ringed."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from sdn_desktop.child_process import child_pids
from sdn_desktop.scenario import TleSource, save_scenario
from sdn_desktop.ui.main_window import MainWindow

RING_CENTRE_TOLERANCE_PX = 2.0


def wait_for_results(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.analysis.series is not None and window.analysis.is_idle(), timeout=30000)


WINDOW_SIZE = (1200, 800)


@pytest.fixture
def window(shared_window, qtbot, small_scenario_file):
    """The shared window on the small scenario, paused at its start, the globe drawing it."""
    win = shared_window
    if win.globe.error:
        win.globe.restart()
    old_series, win.snapshot = win.analysis.series, None
    assert win.open_path(small_scenario_file)
    qtbot.waitUntil(lambda: win.analysis.series is not old_series and win.analysis.is_idle(), timeout=30000)
    qtbot.waitUntil(lambda: win.snapshot is not None and win.globe.frame is not None, timeout=30000)
    qtbot.waitUntil(win.globe.is_idle, timeout=30000)
    yield win
    win.document.undo_stack.setClean()


def drawn_again(qtbot, globe, timeout: int = 30000) -> None:
    shown = globe.frame
    qtbot.waitUntil(lambda: globe.frame is not shown and globe.is_idle(), timeout=timeout)


def kill_globe_processes(qtbot, globe, count: int) -> list:
    """Kill the globe process and then each new one as soon as it appears (while it starts up)."""
    killed = []

    def kill_the_next() -> bool:
        process = globe._renderer.process
        if process is not None and all(process is not k for k in killed):
            process.kill()
            killed.append(process)
            globe.advance_camera(0.0)  # a batch, so the renderer finds it gone
        return len(killed) == count

    qtbot.waitUntil(kill_the_next, timeout=30000)
    return killed


def assert_reaped(processes) -> None:
    children = child_pids()
    assert not [p.pid for p in processes if p.pid in children]  # neither running nor a zombie


# ---------------------------------------------------------------------------- item: the ring
def test_clicking_a_satellite_rings_that_satellite(window, qtbot):
    globe, snap = window.globe, window.snapshot
    first = window.analysis.network.sats.ranges[0].start
    xy = globe.project(snap.sat_pos)
    others = np.vstack([xy, globe.project(snap.node_pos)])
    inside = np.isfinite(xy).all(axis=1) & (xy[:, 0] > 40) & (xy[:, 1] > 40)
    inside &= (xy[:, 0] < globe.width() - 40) & (xy[:, 1] < globe.height() - 40)

    def clear(i: int) -> bool:  # no other satellite or node within 30 px
        distance = np.hypot(*(others - xy[i]).T)
        return bool(np.nanmin(np.delete(distance, i)) > 30)

    sat = next(i for i in np.flatnonzero(inside) if i != first and clear(i))
    window.tree.select([("scenario", 0)])  # nothing ringed
    qtbot.waitUntil(globe.is_idle, timeout=10000)
    before = globe.image()
    x, y = xy[sat]
    QTest.mouseClick(globe, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    assert window.tree.selected_refs() == [("constellations", 0)]
    assert globe.state.selection == ("satellite", sat)
    drawn_again(qtbot, globe)
    after = globe.image()
    assert after.shape == before.shape
    changed = np.argwhere(np.any(after[..., :3] != before[..., :3], axis=-1))
    assert len(changed) > 20  # the ring
    cy, cx = changed.mean(axis=0)
    assert np.hypot(cx - x, cy - y) < RING_CENTRE_TOLERANCE_PX


# ---------------------------------------------------------------------------- item: globe restarts
def test_a_replacement_killed_while_starting_is_replaced_again(window, qtbot, caplog):
    globe = window.globe
    killed = kill_globe_processes(qtbot, globe, 2)  # the drawing process, then its replacement
    drawn_again(qtbot, globe)
    assert not globe.error and globe._renderer.process not in killed
    assert caplog.text.count("starting a new globe process") == 2
    assert "killed by SIGKILL" in caplog.text
    assert_reaped(killed)


def test_a_globe_that_keeps_dying_says_why_and_comes_back(window, qtbot, small_scenario_file):
    globe = window.globe
    for bring_back in ("the scenario reopened", "the Restart globe button"):
        killed = kill_globe_processes(qtbot, globe, 4)  # the drawing process, then three replacements
        qtbot.waitUntil(lambda: bool(globe.error), timeout=30000)
        assert "killed by SIGKILL" in globe.error and "EGL" not in globe.error
        assert globe.restart_button.isVisible()
        assert_reaped(killed)
        if bring_back == "the scenario reopened":
            assert window.open_path(small_scenario_file)
        else:
            QTest.mouseClick(globe.restart_button, Qt.MouseButton.LeftButton)
        drawn_again(qtbot, globe)
        assert not globe.error and not globe.restart_button.isVisible(), bring_back
    restart = [a for a in window.menuBar().actions() if a.text() == "&View"][0].menu().actions()
    assert "Restart &globe" in [a.text() for a in restart]


def test_closing_the_window_leaves_no_child_process(qtbot, temp_qsettings, small_scenario_file):
    before = set(child_pids())
    win = MainWindow(temp_qsettings)
    win.show()
    assert win.open_path(small_scenario_file)
    wait_for_results(qtbot, win)
    views = (win.globe, win.map_panel.map)
    qtbot.waitUntil(lambda: all(view.frame is not None for view in views), timeout=30000)
    started = set(child_pids()) - before
    assert len(started) == 4  # two engine processes, the globe process and the map process
    win.close()
    win.deleteLater()
    assert not started & set(child_pids())


# ---------------------------------------------------------------------------- item: engine failures
def test_an_engine_failure_is_shown_and_a_good_file_computes_afterwards(
    window, qtbot, tmp_path, small_scenario, small_scenario_file, monkeypatch
):
    from sdn_desktop.engine import network

    def built_here(*args, **kwargs):
        raise AssertionError("a Network was built in the GUI process")

    monkeypatch.setattr(network.Network, "__init__", built_here)
    fifo = tmp_path / "shell.tle"
    os.mkfifo(fifo)  # a TLE source no one writes to: reading it would block for ever
    with_fifo = small_scenario.model_copy(deep=True)
    with_fifo.constellations[0].source = TleSource(path=fifo.name)
    save_scenario(with_fifo, tmp_path / "fifo.json")
    assert window.open_path(tmp_path / "fifo.json")
    qtbot.waitUntil(lambda: "failed" in window.status_label.text(), timeout=30000)
    assert "FIFO" in window.status_label.text() and "shell.tle" in window.status_label.text()

    old_series = window.analysis.series
    assert window.open_path(small_scenario_file)
    qtbot.waitUntil(lambda: window.analysis.series is not old_series, timeout=30000)
    assert len(window.analysis.series.t_s) == 21
