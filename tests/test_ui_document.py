"""The document and its undo history, without a window."""

from __future__ import annotations

import pytest

from sdn_desktop.scenario.edits import EditError


@pytest.fixture
def document(make_document, small_scenario):
    return make_document(small_scenario)


def test_field_edit_undo_redo(document):
    document.set_field(("nodes", 0, "position", "lat_deg"), 12.5)
    assert document.scenario.nodes[0].position.lat_deg == 12.5
    assert not document.undo_stack.isClean()
    document.undo_stack.undo()
    assert document.scenario.nodes[0].position.lat_deg == 50.0
    assert document.undo_stack.isClean()
    document.undo_stack.redo()
    assert document.scenario.nodes[0].position.lat_deg == 12.5


def test_consecutive_edits_of_one_field_merge(document):
    for value in (10.0, 11.0, 12.0):
        document.set_field(("nodes", 0, "position", "lat_deg"), value)
    document.set_field(("nodes", 0, "position", "lon_deg"), 3.0)
    assert document.undo_stack.count() == 2
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.scenario.nodes[0].position.lat_deg == 50.0


def test_invalid_edit_is_refused_with_field_message(document):
    with pytest.raises(EditError) as err:
        document.set_field(("time", "step_s"), 5000.0)
    assert any("step_s" in p and "longer than duration_s" in p for p in err.value.problems)
    assert document.scenario.time.step_s == 30.0
    assert document.undo_stack.count() == 0


def test_rename_node_renames_chain_references(document):
    document.set_field(("nodes", 1, "name"), "Command")
    assert document.scenario.chains[0].nodes == ["Radar", "Command", "Battery"]


def test_altitude_or_mean_motion_switch_in_one_edit(document):
    source = ("constellations", 0, "source")
    assert document.scenario.constellations[0].source.altitude_km is not None
    document.set_field((*source, "mean_motion_rev_per_day"), 15.0)
    walker = document.scenario.constellations[0].source
    assert (walker.altitude_km, walker.mean_motion_rev_per_day) == (None, 15.0)
    document.set_field((*source, "altitude_km"), 700.0)
    walker = document.scenario.constellations[0].source
    assert (walker.altitude_km, walker.mean_motion_rev_per_day) == (700.0, None)
    document.undo_stack.undo()
    assert document.scenario.constellations[0].source.mean_motion_rev_per_day == 15.0
