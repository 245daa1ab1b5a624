"""The editor keeps the user's work and says what it does: autosave and recovery after a kill, bad files
and failed saves shown, out-of-range values explained at the field, undo from the field, chain editing,
chain colours, deleting used nodes, the Help menu and the toolbar at the window's minimum size."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from sdn_desktop.scenario import KillChain, load_scenario, save_scenario
from sdn_desktop.ui.dialogs import ChainDialog
from sdn_desktop.ui.files import AUTOSAVE_ENV, autosave_folder
from sdn_desktop.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent

# Imported by the app process before its main module (as sitecustomize): once the file is open, a
# user types 12.5 into the first node's latitude and presses Enter; what the field then shows is
# written to $EDITED_MARKER.
EDIT_LIKE_A_USER = """
import json, os
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from sdn_desktop.ui.main_window import MainWindow

_open_path = MainWindow.open_path

def _edit(window):
    window.tree.select([("nodes", 0)])
    field = window.properties.row(("position", "lat_deg")).editor
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "12.5")
    QTest.keyClick(field, Qt.Key.Key_Return)
    with open(os.environ["EDITED_MARKER"], "w") as fh:
        json.dump({"field": field.text(), "title": window.windowTitle()}, fh)

def open_then_edit(self, path):
    opened = _open_path(self, path)
    QTimer.singleShot(500, lambda: _edit(self))
    return opened

MainWindow.open_path = open_then_edit
"""


@pytest.fixture
def window(shared_window, qtbot, small_scenario_file):
    """The shared window on the small scenario, freshly opened (history empty)."""
    shared_window.document.undo_stack.setClean()
    assert shared_window.open_path(small_scenario_file)
    yield shared_window
    shared_window.document.undo_stack.setClean()


# ---------------------------------------------------------------------------- never lose work
def _wait_for(condition, timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        QApplication.processEvents()
        time.sleep(0.1)


def test_killed_app_edits_are_recovered_as_they_were_on_screen(
    qapp, tmp_path, temp_qsettings, small_scenario, answers
):
    scenario_file = tmp_path / "mission.json"
    save_scenario(small_scenario, scenario_file)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(EDIT_LIKE_A_USER)
    marker = tmp_path / "edited.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]),
        AUTOSAVE_ENV: "0.5",
        "EDITED_MARKER": str(marker),
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "sdn_desktop", str(scenario_file)], env=env, start_new_session=True
    )
    autosave = autosave_folder() / f"autosave-{app.pid}.json"
    try:
        _wait_for(lambda: marker.exists() and autosave.exists(), 60)
        on_screen = json.loads(marker.read_text())
        assert on_screen["field"] == "12.5000°" and "*" in on_screen["title"]  # edited, unsaved
        _wait_for(lambda: '"lat_deg": 12.5' in autosave.read_text(), 10)
        os.kill(app.pid, signal.SIGKILL)
        app.wait(10)
    finally:
        os.killpg(app.pid, signal.SIGKILL)  # the engine and globe processes it started
        app.wait(10)
    assert load_scenario(scenario_file).nodes[0].position.lat_deg == 50.0  # the file was not saved

    window = MainWindow(temp_qsettings)
    window.show()
    answers.append("Restore")
    assert window.files.offer_recovery()
    assert "mission.json" in answers.shown[0]
    assert window.document.path == scenario_file.resolve()
    assert window.document.scenario.nodes[0].position.lat_deg == 12.5
    assert window.isWindowModified()  # recovered edits are unsaved edits, undoable
    window.tree.select([("nodes", 0)])
    assert window.properties.row(("position", "lat_deg")).editor.text() == on_screen["field"]
    assert not autosave.exists()  # taken over by this window
    window.document.undo_stack.undo()
    assert window.document.scenario.nodes[0].position.lat_deg == 50.0
    window.document.undo_stack.redo()
    window.files.autosave.write()
    assert window.files.autosave.path.exists()
    answers.append(QMessageBox.StandardButton.Discard)  # the unsaved-changes question when closing
    window.close()
    assert not window.files.autosave.path.exists()  # a clean close leaves no autosave
    assert not list(autosave_folder().glob("autosave-*.json"))
    window.document.undo_stack.setClean()  # as the shared windows do: no clean-state signal while deleted
    window.deleteLater()


def test_discarded_autosave_is_gone_and_a_running_apps_is_not_offered(window, tmp_path, answers):
    window.document.set_field(("nodes", 0, "position", "lat_deg"), 20.0)
    window.files.autosave.write()
    assert window.files.autosave.path.exists()
    assert not window.files.offer_recovery()  # its own: the app is running
    assert answers.shown == []
    window.files.save()
    assert not window.files.autosave.path.exists()  # saved: nothing to recover


def test_a_failing_save_shows_why_and_keeps_the_edit(window, answers):
    name = "Radar \ud800"
    renamed = window.scenario.nodes[0].model_copy(update={"name": name})
    broken = window.scenario.model_copy(update={"nodes": [renamed, *window.scenario.nodes[1:]]})
    window.document.apply(broken, "Rename")
    assert not window.files.save()
    assert "small.json failed" in answers.shown[-1] and "surrogate" in answers.shown[-1]
    assert window.isWindowModified() and window.scenario.nodes[0].name == name


@pytest.mark.parametrize(
    "text, field",
    [
        ("[" * 10_000 + "]" * 10_000, "nested"),
        ('{"format": "sdn-scenario", "version": ' + "9" * 5000 + "}", "version"),
    ],
)
def test_hostile_files_show_a_dialog_naming_file_and_field(window, tmp_path, answers, text, field):
    bad = tmp_path / "hostile.json"
    bad.write_text(text)
    assert not window.open_path(bad)
    assert "hostile.json" in answers.shown[-1] and field in answers.shown[-1]
    assert window.scenario.name == "Small test"


# ---------------------------------------------------------------------------- fields
def test_out_of_range_input_is_explained_kept_and_reverted_on_escape(window, qtbot):
    window.tree.select([("nodes", 0)])
    row = window.properties.row(("position", "lat_deg"))
    field = row.editor
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "95")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert field.text() == "95.0000°"  # what was typed stays
    assert row.error.text() == "Latitude (°): must be at most 90"
    assert window.scenario.nodes[0].position.lat_deg == 50.0
    QTest.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == "50.0000°" and row.error.isHidden()
    field.selectAll()
    QTest.keyClicks(field, "95")
    QTest.keyClick(field, Qt.Key.Key_Return)
    field.selectAll()
    QTest.keyClicks(field, "45")
    QTest.keyClick(field, Qt.Key.Key_Return)  # fixed: applied
    assert window.scenario.nodes[0].position.lat_deg == 45.0 and row.error.isHidden()

    window.tree.select([("scenario", 0)])
    step = window.properties.row(("time", "step_s"))
    step.editor.setFocus()
    step.editor.selectAll()
    QTest.keyClicks(step.editor, "0")
    QTest.keyClick(step.editor, Qt.Key.Key_Return)
    assert step.editor.value() == 0.0 and step.error.text() == "Step (s): must be more than 0"
    assert window.scenario.time.step_s == 30.0


def test_ctrl_z_in_the_field_just_edited_undoes_the_edit(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.tree.select([("nodes", 0)])
    field = window.properties.row(("position", "lat_deg")).editor
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "12.5")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert window.document.undo_stack.undoText() == "Change Latitude of Radar"
    QTest.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.scenario.nodes[0].position.lat_deg == 50.0
    assert field.text() == "50.0000°"


def test_properties_header_follows_a_rename(window):
    window.tree.select([("nodes", 0)])
    window.document.set_field(("nodes", 0, "name"), "Radar North")
    assert window.properties._title_label.text() == "Sensor: Radar North"


# ---------------------------------------------------------------------------- chains
def test_chain_dialog_warns_about_a_senseless_order(qtbot, small_scenario):
    chain = KillChain(name="Backwards", nodes=["Battery", "C2", "Radar"])
    dialog = ChainDialog(small_scenario, chain, "Edit")
    qtbot.addWidget(dialog)
    assert "starts at the shooter 'Battery'" in dialog.warning.text()
    assert "ends at the sensor 'Radar'" in dialog.warning.text()
    dialog.chosen.clear()
    dialog.offer_picked(["Radar", "Shell", "C2", "Battery"])  # Shell carries no sensors: not offered
    dialog.add_picked.click()
    assert dialog.chain_nodes() == ["Radar", "C2", "Battery"]
    assert dialog.warning.isHidden()


def test_a_chain_is_edited_from_the_tree_with_nodes_picked_in_the_tree(window, qtbot):
    window.tree.select([("chains", 0)])
    window.tree.edit_chain_requested.emit(0)
    dialog = window.chain_dialog
    assert dialog.isVisible() and not dialog.isModal()
    dialog.chosen.clear()
    window.tree.select([("nodes", 0), ("nodes", 2)])  # Radar, Battery picked in the tree
    dialog.add_picked.click()
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert window.scenario.chains[0].nodes == ["Radar", "Battery"]
    assert window.document.undo_stack.undoText() == "Edit Track"


def test_new_chains_get_distinct_colours(window, qtbot):
    colours = {window.scenario.chains[0].color}
    for _ in range(3):
        window.add_chain()
        dialog = window.chain_dialog
        dialog.offer_picked(["Radar", "Battery"])
        dialog.add_picked.click()
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        colours.add(window.scenario.chains[-1].color)
    assert len(window.scenario.chains) == 4 and len(colours) == 4


@pytest.mark.parametrize("answer", ["Delete chains too", "Keep chains without C2", "Cancel"])
def test_deleting_a_node_that_chains_use_asks_and_names_them(window, answers, answer):
    answers.append(answer)
    window.delete([("nodes", 1)])
    assert "Track" in answers.shown[0]
    stack = window.document.undo_stack
    if answer == "Cancel":
        assert stack.count() == 0
    elif answer == "Delete chains too":
        assert window.scenario.chains == [] and stack.undoText() == "Delete C2 and kill chain Track"
    else:
        assert window.scenario.chains[0].nodes == ["Radar", "Battery"]
        assert stack.undoText() == "Delete C2 (kept in Track without it)"


# ---------------------------------------------------------------------------- menus, layout
def test_help_menu_and_file_close(window, answers):
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Help" in titles
    shortcuts = window.help_menu.shortcuts_markdown()
    assert "Ctrl+Z" in shortcuts and "Edit: Undo" in shortcuts
    window.help_menu.show_scenario_format()
    assert "sdn-scenario" in window.help_menu.dialog.browser.toPlainText()
    window.help_menu.dialog.close()
    about = window.help_menu.about_text()
    for name in ("Qt", "VisPy", "sgp4", "SDN Desktop"):
        assert name in about
    close = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&Close")
    close.trigger()
    assert window.document.path is None and window.scenario.nodes == []


def test_place_buttons_are_reachable_at_the_minimum_size(window, qtbot):
    size = window.size()
    window.resize(window.minimumSizeHint())
    qtbot.waitUntil(lambda: window.width() <= window.minimumSizeHint().width() + 1)
    QApplication.processEvents()
    try:
        for action in window.globe_tools.place_actions.values():
            button = window.globe_tools._bar.widgetForAction(action)
            assert button is not None and button.isVisible(), action.text()
            right = button.mapTo(window, button.rect().topRight()).x()
            assert right <= window.width(), action.text()
    finally:
        window.resize(size)
