"""The editor does what the user means: the Record dialog remembers its settings and names the output
after the scenario file; a kill chain's nodes are picked on the globe and the map; threat chains are
made and edited in the chain dialog; a node's colour, once its own, starts as its role's colour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from sdn_desktop.engine.frames import ecef_to_geodetic
from sdn_desktop.scenario import KillChain, save_scenario
from sdn_desktop.scenario.model import Threat, ThreatWaypoint
from sdn_desktop.styles import ROLE_STYLES
from sdn_desktop.ui.dialogs import ChainDialog
from sdn_desktop.ui.record import RecordDialog

WINDOW_SIZE = (1400, 900)


def ok(dialog) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


# ---------------------------------------------------------------------------- the Record dialog
def record_dialog(
    qtbot, scenario, settings, scenario_path: Path | None, base_dir: Path, clock_s: float = 120.0
) -> RecordDialog:
    dialog = RecordDialog(
        scenario, base_dir, clock_s, "Radar", scenario_path=scenario_path, settings=settings
    )
    qtbot.addWidget(dialog)
    return dialog


def test_record_dialog_remembers_its_settings_across_openings_and_sessions(
    qtbot, tmp_path, small_scenario, temp_qsettings
):
    settings = temp_qsettings
    scenario_path = tmp_path / "mission.json"
    first = record_dialog(qtbot, small_scenario, settings, scenario_path, tmp_path)
    first.format.setCurrentIndex(1)  # GIF
    first.preset.setCurrentIndex(4)  # custom
    first.width_px.setValue(640)
    first.height_px.setValue(360)
    first.fps.setValue(12)
    first.speed.setValue(25)
    first.duration.setValue(300)
    first.view.setCurrentIndex(1)  # the map
    first.overlays["legend"].setChecked(False)
    first.accept()
    expected = {key: value for key, value in first.job().items() if key != "out_path"}

    again = record_dialog(qtbot, small_scenario, settings, scenario_path, tmp_path)
    assert {key: value for key, value in again.job().items() if key != "out_path"} == expected
    assert again.preset.currentIndex() == 4 and again.width_px.isEnabled()
    assert again.path.text() == str(tmp_path / "mission.gif")

    settings.sync()
    reopened = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    next_session = record_dialog(qtbot, small_scenario, reopened, scenario_path, tmp_path)
    assert {key: value for key, value in next_session.job().items() if key != "out_path"} == expected
    assert expected["view_kind"] == "map" and expected["fps"] == 12 and expected["size"] == [640, 360]
    later = record_dialog(qtbot, small_scenario, reopened, scenario_path, tmp_path, clock_s=450.0)
    assert later.start.value() == 450.0, "the start is the clock's, not remembered"
    assert later.duration.value() == 150.0, "the remembered 300 s, cut to the 150 s the window has left"


def test_a_cancelled_record_dialog_remembers_nothing(qtbot, tmp_path, small_scenario, temp_qsettings):
    settings = temp_qsettings
    dialog = record_dialog(qtbot, small_scenario, settings, None, tmp_path)
    dialog.fps.setValue(5)
    dialog.reject()
    assert record_dialog(qtbot, small_scenario, settings, None, tmp_path).fps.value() == 30


def test_record_output_is_named_after_the_scenario_file_and_follows_the_format(
    qtbot, tmp_path, small_scenario, temp_qsettings
):
    settings = temp_qsettings
    saved_in = tmp_path / "missions"
    dialog = record_dialog(qtbot, small_scenario, settings, saved_in / "pacific.json", tmp_path)
    assert dialog.path.text() == str(saved_in / "pacific.mp4")
    dialog.format.setCurrentIndex(1)
    assert dialog.path.text() == str(saved_in / "pacific.gif")
    dialog.format.setCurrentIndex(2)  # a folder of PNG frames
    assert dialog.path.text() == str(saved_in / "pacific")
    dialog.format.setCurrentIndex(0)
    assert dialog.path.text() == str(saved_in / "pacific.mp4")
    elsewhere = tmp_path / "videos"
    dialog.path.setText(str(elsewhere / "take one.mp4"))
    dialog.accept()

    unsaved = record_dialog(qtbot, small_scenario, settings, None, tmp_path)  # named "Small test"
    assert unsaved.path.text() == str(elsewhere / "Small_test.mp4")  # in the last used folder


# ---------------------------------------------------------------------------- threat chains in the dialog
@pytest.fixture
def threat_scenario(small_scenario):
    """The small scenario with a threat and a sensor constellation."""
    threat = Threat(
        name="HGV",
        kind="hypersonic_glide",
        waypoints=[
            ThreatWaypoint(t_s=0, lat_deg=56, lon_deg=12),
            ThreatWaypoint(t_s=600, lat_deg=48, lon_deg=-5),
        ],
    )
    shell = small_scenario.constellations[0]
    tracking = shell.model_copy(
        update={
            "name": "Tracking",
            "sensor": True,
            "source": shell.source.model_copy(update={"altitude_km": 900.0}),
        }
    )
    return small_scenario.model_copy(
        update={"threats": [threat], "constellations": [*small_scenario.constellations, tracking]}
    )


def test_a_threat_chain_is_made_in_the_chain_dialog(qtbot, threat_scenario):
    draft = KillChain.model_construct(
        name="Intercept", color="#ff4081", nodes=[], switching_delay_ms=0.1, sensors=[]
    )
    dialog = ChainDialog(threat_scenario, draft, "Add kill chain")
    qtbot.addWidget(dialog)
    offered = [dialog.available.item(i).text() for i in range(dialog.available.count())]
    assert "HGV" in offered
    assert not dialog.sensors.isEnabled()  # no threat first: a chain without a sensor list
    dialog.offer_picked(["HGV", "C2", "Battery"])
    dialog.add_picked.click()
    assert dialog.warning.isHidden() and dialog.sensors.isEnabled()
    sensor_names = [dialog.sensors.item(i).text() for i in range(dialog.sensors.count())]
    assert sensor_names == ["Tracking", "Radar"]
    dialog.sensors.item(0).setCheckState(Qt.CheckState.Checked)
    ok(dialog)
    assert dialog.result_chain.nodes == ["HGV", "C2", "Battery"]
    assert dialog.result_chain.sensors == ["Tracking"]
    threat_scenario.model_validate(
        {**threat_scenario.model_dump(), "chains": [dialog.result_chain.model_dump()]}
    )


def test_editing_a_threat_chain_shows_its_sensors_and_warns_about_the_order(qtbot, threat_scenario):
    chain = KillChain(name="Intercept", nodes=["HGV", "C2", "Battery"], sensors=["Radar"])
    dialog = ChainDialog(threat_scenario, chain, "Edit")
    qtbot.addWidget(dialog)
    checked = [dialog.sensors.item(i).text() for i in range(dialog.sensors.count())
               if dialog.sensors.item(i).checkState() == Qt.CheckState.Checked]  # fmt: skip
    assert checked == ["Radar"]
    assert (
        dialog.chosen.item(0).icon().cacheKey()
        == dialog.available.findItems("HGV", Qt.MatchFlag.MatchExactly)[0].icon().cacheKey()
    )
    dialog.chosen.setCurrentRow(0)
    dialog._move(1)  # C2 -> HGV -> Battery
    assert "threat 'HGV' is not first" in dialog.warning.text()
    assert not dialog.sensors.isEnabled()
    dialog.chosen.setCurrentRow(1)
    dialog._move(-1)
    assert dialog.warning.isHidden() and dialog.sensors.isEnabled()
    ok(dialog)
    assert dialog.result_chain.sensors == ["Radar"]


def test_a_chain_no_longer_starting_at_a_threat_drops_its_sensors(qtbot, threat_scenario):
    chain = KillChain(name="Intercept", nodes=["HGV", "C2", "Battery"], sensors=["Radar"])
    dialog = ChainDialog(threat_scenario, chain, "Edit")
    qtbot.addWidget(dialog)
    dialog.chosen.takeItem(0)
    dialog.chosen.insertItem(0, "Radar")
    ok(dialog)
    assert dialog.result_chain.nodes == ["Radar", "C2", "Battery"] and dialog.result_chain.sensors == []


# ---------------------------------------------------------------------------- picking on the globe and map
@pytest.fixture(scope="module")
def window(shared_window):
    return shared_window


@pytest.fixture
def shown(window, qtbot, threat_scenario, tmp_path):
    """The window on the threat scenario, its globe and map drawn."""
    path = tmp_path / "threat.json"
    save_scenario(threat_scenario, path)
    window.document.undo_stack.setClean()
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.analysis.series is not None and window.analysis.is_idle(), timeout=30000)
    qtbot.waitUntil(lambda: window.snapshot is not None and window.globe.frame is not None, timeout=30000)
    for view in (window.globe, window.map_panel.map):
        qtbot.waitUntil(lambda v=view: v.frame is not None and v.is_idle(), timeout=30000)
    yield window
    if getattr(window, "chain_dialog", None) is not None:
        window.chain_dialog.reject()
    window.document.undo_stack.setClean()


def click(view, xy) -> None:
    QTest.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(round(xy[0])), int(round(xy[1]))))


def visible_node_pixel(view, snapshot, index: int):
    """Where node ``index`` is drawn in ``view``, if on screen."""
    xy = view.project(snapshot.node_pos[[index]])[0]
    assert np.isfinite(xy).all() and 0 <= xy[0] < view.width() and 0 <= xy[1] < view.height(), xy
    return xy


def on_screen(view, points_km) -> np.ndarray:
    """Which of ``points_km`` ``view`` draws inside its frame."""
    xy = view.project(points_km)
    return (
        np.isfinite(xy).all(axis=1)
        & (xy[:, 0] >= 0)
        & (xy[:, 0] < view.width())
        & (xy[:, 1] >= 0)
        & (xy[:, 1] < view.height())
    )


def test_chain_nodes_are_picked_on_the_globe_and_the_map(shown, qtbot):
    shown.edit_chain_nodes(0)
    dialog = shown.chain_dialog
    dialog.chosen.clear()
    dialog.pick_on_globe.click()
    assert "click" in shown.statusBar().currentMessage().lower()
    globe, map_widget, snapshot = shown.globe, shown.map_panel.map, shown.snapshot
    names = [node.name for node in shown.scenario.nodes]
    on_globe = int(np.flatnonzero(on_screen(globe, snapshot.node_pos))[0])
    click(globe, globe.project(snapshot.node_pos[[on_globe]])[0])
    assert dialog.chain_nodes() == [names[on_globe]]
    assert shown.scenario.chains[0].nodes == ["Radar", "C2", "Battery"]  # nothing applied yet
    others = [i for i in range(len(names)) if i != on_globe]
    for index in others:
        click(map_widget, map_widget.project(snapshot.node_pos[[index]])[0])
    assert dialog.chain_nodes() == [names[i] for i in (on_globe, *others)]
    QTest.keyClick(shown, Qt.Key.Key_Escape)  # ends picking; the dialog stays
    assert not dialog.pick_on_globe.isChecked() and dialog.isVisible()
    assert not shown.globe_tools.picking_chain
    click(map_widget, map_widget.project(snapshot.node_pos[[0]])[0])  # a click selects again
    assert len(dialog.chain_nodes()) == 3
    assert shown.tree.selected_refs() == [("nodes", 0)]
    dialog.chosen.clear()
    dialog.offer_picked(["Radar", "C2", "Battery"])
    dialog.add_picked.click()
    ok(dialog)
    assert shown.scenario.chains[0].nodes == ["Radar", "C2", "Battery"]


def satellite_pixel(map_widget, snapshot, satellites: range):
    """Where the map draws a satellite of ``satellites`` that a click there picks."""
    lat, lon, _ = ecef_to_geodetic(snapshot.sat_pos[satellites.start : satellites.stop])
    for index, xy in zip(satellites, np.round(map_widget.frame.projection.project(lat, lon)), strict=True):
        if map_widget.pick(*xy) == ("satellite", index):  # at the pixel a click reaches
            return xy
    raise AssertionError(f"no satellite of {satellites} can be clicked")


def test_a_sensor_satellite_and_a_threat_are_picked_on_the_map(shown, qtbot):
    shown.add_chain()
    dialog = shown.chain_dialog
    dialog.pick_on_globe.click()
    map_widget, snapshot = shown.map_panel.map, shown.snapshot
    threat_xy = map_widget.project(snapshot.threat_pos[[0]])[0]
    click(map_widget, threat_xy)
    shell, tracking = shown.analysis.network.sats.ranges
    click(map_widget, satellite_pixel(map_widget, snapshot, tracking))
    assert dialog.chain_nodes() == ["HGV", "Tracking"], shown.statusBar().currentMessage()
    click(map_widget, satellite_pixel(map_widget, snapshot, shell))
    assert dialog.chain_nodes() == ["HGV", "Tracking"]  # Shell carries no sensors
    assert "Shell" in shown.statusBar().currentMessage()
    dialog.reject()
    assert not shown.globe_tools.picking_chain


def test_a_threat_at_its_waypoint_is_picked_on_the_globe_not_dragged(shown, qtbot):
    shown.add_chain()
    dialog = shown.chain_dialog
    dialog.pick_on_globe.click()
    globe, snapshot = shown.globe, shown.snapshot
    assert on_screen(globe, snapshot.threat_pos).all()  # at its first waypoint (T+0), near the Radar
    x, y = globe.project(snapshot.threat_pos)[0]
    QTest.mousePress(globe, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    QTest.mouseMove(globe, QPoint(round(x) + 30, round(y) + 20))  # a drag from the threat moves nothing
    QTest.mouseRelease(globe, Qt.MouseButton.LeftButton, pos=QPoint(round(x) + 30, round(y) + 20))
    assert dialog.chain_nodes() == [] and shown.document.undo_stack.count() == 0
    click(globe, (x, y))
    assert dialog.chain_nodes() == ["HGV"] and shown.document.undo_stack.count() == 0


def test_escape_in_the_dialog_ends_picking_and_keeps_the_dialog(shown, qtbot):
    shown.edit_chain_nodes(0)
    dialog = shown.chain_dialog
    dialog.pick_on_globe.click()
    assert shown.globe_tools.picking_chain
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not shown.globe_tools.picking_chain and dialog.isVisible()
    QTest.keyClick(dialog, Qt.Key.Key_Escape)  # not picking: Escape closes the dialog as usual
    assert not dialog.isVisible()


# ---------------------------------------------------------------------------- a node's own colour
def test_ticking_a_nodes_own_colour_starts_from_its_role_colour(shown):
    battery = [n.name for n in shown.scenario.nodes].index("Battery")
    shown.tree.select([("nodes", battery)])
    editor = shown.properties.row(("color",)).editor
    assert editor.inner.value() == ROLE_STYLES["shooter"].color  # shown, greyed, before ticking
    editor.check.click()
    assert shown.scenario.nodes[battery].color == ROLE_STYLES["shooter"].color
    shown.document.undo_stack.undo()
    shown.document.set_field(("nodes", battery, "role"), "sensor")  # the role's colour follows
    editor = shown.properties.row(("color",)).editor
    assert editor.inner.value() == ROLE_STYLES["sensor"].color
    editor.check.click()
    assert shown.scenario.nodes[battery].color == ROLE_STYLES["sensor"].color
