"""The properties panel with the object tree, wired as in the main window (no globe, no engine).

Several objects of one kind selected: the panel edits the fields they share, together.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from sdn_desktop.scenario import Geodetic, KillChain, Node, WalkerSource
from sdn_desktop.ui.properties import MIXED, PropertyPanel
from sdn_desktop.ui.tree import ObjectTree

SENSORS = [("nodes", 0), ("nodes", 3)]
ALL_NODES = [("nodes", i) for i in range(4)]


@pytest.fixture
def scenario(small_scenario):
    """The small scenario plus a second sensor, a constellation given by mean motion and a chain."""
    polar = small_scenario.constellations[0].model_copy(
        update={
            "name": "Polar",
            "source": WalkerSource(
                planes=3, sats_per_plane=4, inclination_deg=90.0, mean_motion_rev_per_day=14.0
            ),
        }
    )
    radar2 = Node(
        name="Radar 2",
        role="sensor",
        position=Geodetic(lat_deg=-20.0, lon_deg=30.0),
        min_elevation_deg=5.0,
        relay=True,
    )
    backup = KillChain(name="Backup", color="#00e676", nodes=["Radar 2", "C2", "Battery"])
    return small_scenario.model_copy(
        update={
            "constellations": [*small_scenario.constellations, polar],
            "nodes": [*small_scenario.nodes, radar2],
            "chains": [*small_scenario.chains, backup],
        }
    )


@pytest.fixture
def window(qtbot, scenario, make_document):
    """The document, the tree and the panel, connected as MainWindow connects them."""
    document = make_document(scenario)
    tree, properties = ObjectTree(), PropertyPanel(lambda path, value: document.try_set_fields([path], value))
    for widget in (tree, properties):
        qtbot.addWidget(widget)
        widget.show()
    tree.selection_changed.connect(
        lambda refs: properties.show_selection(document.scenario, refs, document.try_set_fields)
    )

    def changed(after) -> None:
        tree.set_scenario(after)
        properties.refresh(after)

    document.changed.connect(changed)
    tree.set_scenario(scenario)
    return SimpleNamespace(document=document, tree=tree, properties=properties)


def test_same_kind_shows_shared_fields_with_equal_and_mixed_values(window):
    window.tree.select(ALL_NODES)
    panel = window.properties
    assert panel.widget().findChild(QLabel).text() == "4 nodes"
    for own in [("name",), ("waypoints",)]:  # names are unique; lists belong to one object
        with pytest.raises(KeyError):
            panel.row(own)
    assert panel.row(("min_elevation_deg",)).editor.inner.text() == "5.0000°"  # equal in all
    assert panel.row(("position", "lat_deg")).editor.text() == MIXED
    assert panel.row(("platform",)).editor.currentText() == "ground"
    role = panel.row(("role",)).editor
    assert role.currentIndex() == -1 and role.placeholderText() == MIXED
    relay = panel.row(("relay",)).editor
    assert not relay.isChecked() and relay.text() == MIXED

    window.tree.select(SENSORS)
    assert panel.widget().findChild(QLabel).text() == "2 sensors"


def test_edit_sets_all_and_one_undo_restores_each_value(window):
    window.tree.select(SENSORS)
    latitude = window.properties.row(("position", "lat_deg")).editor
    latitude.setValue(12.5)
    nodes = window.document.scenario.nodes
    assert [nodes[0].position.lat_deg, nodes[3].position.lat_deg] == [12.5, 12.5]
    assert nodes[1].position.lat_deg == 40.0  # not selected
    assert latitude.text() == "12.5000°"
    assert window.document.undo_stack.count() == 1
    assert window.document.undo_stack.undoText() == "Change Latitude of 2 objects"

    window.document.undo_stack.undo()
    nodes = window.document.scenario.nodes
    assert [nodes[0].position.lat_deg, nodes[3].position.lat_deg] == [50.0, -20.0]
    assert latitude.text() == MIXED


def test_typing_into_a_mixed_spin_box_sets_all(window):
    window.tree.select(SENSORS)
    longitude = window.properties.row(("position", "lon_deg")).editor
    QTest.keyClicks(longitude, "7")
    QTest.keyClick(longitude, Qt.Key.Key_Return)
    assert {window.document.scenario.nodes[i].position.lon_deg for i in (0, 3)} == {7.0}


def test_mixed_checkbox_click_sets_all(window):
    window.tree.select(SENSORS)
    relay = window.properties.row(("relay",)).editor
    relay.click()
    assert [window.document.scenario.nodes[i].relay for i in (0, 3)] == [True, True]
    assert relay.isChecked() and relay.text() == ""


def test_optional_set_in_only_some_reads_mixed_and_ticking_sets_all(window):
    window.document.set_field(("nodes", 3, "max_links"), 3)
    window.tree.select(SENSORS)
    max_links = window.properties.row(("max_links",)).editor
    assert not max_links.check.isChecked() and max_links.check.text() == MIXED
    max_links.check.setChecked(True)
    assert [window.document.scenario.nodes[i].max_links for i in (0, 3)] == [1, 1]
    window.document.undo_stack.undo()
    assert [window.document.scenario.nodes[i].max_links for i in (0, 3)] == [None, 3]
    assert window.properties.row(("max_links",)).editor.check.text() == MIXED


def test_altitude_for_all_clears_mean_motion_like_a_single_edit(window):
    window.tree.select([("constellations", 0), ("constellations", 1)])
    altitude = window.properties.row(("source", "altitude_km")).editor
    assert altitude.check.text() == MIXED  # one shell has an altitude, the other a mean motion
    assert window.properties.row(("source", "inclination_deg")).editor.text() == MIXED
    window.properties.row(("source", "altitude_km")).editor.check.setChecked(True)
    sources = [c.source for c in window.document.scenario.constellations]
    assert [(s.altitude_km, s.mean_motion_rev_per_day) for s in sources] == [(101.0, None), (101.0, None)]
    window.document.undo_stack.undo()
    sources = [c.source for c in window.document.scenario.constellations]
    assert [(s.altitude_km, s.mean_motion_rev_per_day) for s in sources] == [(1200.0, None), (None, 14.0)]


def test_chains_leave_out_their_node_lists(window):
    window.tree.select([("chains", 0), ("chains", 1)])
    panel = window.properties
    assert panel.widget().findChild(QLabel).text() == "2 kill chains"
    assert panel._chain_label is None
    assert panel.row(("color",)).editor.text() == MIXED
    panel.row(("switching_delay_ms",)).editor.setValue(0.5)
    assert [c.switching_delay_ms for c in window.document.scenario.chains] == [0.5, 0.5]


def test_mixed_kinds_name_the_selection(window):
    window.tree.select([*SENSORS, ("constellations", 1)])
    assert window.properties.widget().text() == (
        "1 constellation, 2 nodes selected: select objects of one kind to edit them together."
    )


def test_invalid_value_shows_inline_error_and_changes_nothing(window):
    window.tree.select(SENSORS)
    before = window.document.scenario
    row = window.properties.row(("min_elevation_deg",))
    row.editor.check.setChecked(False)  # neither min elevation nor max range left
    assert not row.error.isHidden()
    assert "Radar 2" in row.error.text() and "Radar 2: give Min elevation or Max range" in row.error.text()
    assert window.document.scenario == before
    assert window.document.undo_stack.count() == 0


def test_pair_lists_name_what_their_columns_hold(window):
    window.tree.select([("scenario", 0)])

    def headers(path) -> list[str]:
        table = window.properties.row(path).editor.table
        return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]

    assert headers(("disabled_links",)) == ["Satellite A", "Satellite B"]
    assert headers(("interop", "compatible")) == ["Terminal A", "Terminal B"]
