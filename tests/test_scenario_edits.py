"""Edit builders on the plain scenario model (no Qt): each returns a validated new scenario."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sdn_desktop.scenario import KillChain
from sdn_desktop.scenario.edits import (
    EditError,
    duplicated,
    new_node,
    new_scenario,
    taken_names,
    tle_constellation,
    unique_name,
    with_fields,
    with_item,
    with_replaced,
    without,
)


def test_with_fields_sets_every_path_and_leaves_the_input_alone(small_scenario):
    paths = [("nodes", 0, "min_elevation_deg"), ("nodes", 2, "min_elevation_deg")]
    after = with_fields(small_scenario, paths, 12.0)
    assert [n.min_elevation_deg for n in after.nodes] == [12.0, 5.0, 12.0]
    assert [n.min_elevation_deg for n in small_scenario.nodes] == [5.0, 5.0, 5.0]


def test_renaming_a_node_renames_its_chain_uses(small_scenario):
    after = with_fields(small_scenario, [("nodes", 1, "name")], "Command")
    assert after.chains[0].nodes == ["Radar", "Command", "Battery"]


def test_altitude_or_mean_motion_clears_the_other(small_scenario):
    after = with_fields(small_scenario, [("constellations", 0, "source", "mean_motion_rev_per_day")], 15.0)
    source = after.constellations[0].source
    assert (source.altitude_km, source.mean_motion_rev_per_day) == (None, 15.0)


def test_an_invalid_edit_raises_with_the_field_path(small_scenario):
    with pytest.raises(EditError) as err:
        with_fields(small_scenario, [("time", "step_s")], 5000.0)
    assert err.value.problems == ["time: step_s (5000.0 s) is longer than duration_s (600.0 s)"]


def test_with_item_appends_and_says_where(small_scenario):
    chain = KillChain(name="Direct", color="#00e676", nodes=["Radar", "Battery"])
    after, ref = with_item(small_scenario, "chains", chain)
    assert ref == ("chains", 1) and after.chains[1] == chain
    with pytest.raises(EditError) as err:  # the name is taken
        with_item(after, "chains", chain)
    assert err.value.problems == ["chains[2] 'Direct'.name: 'Direct' is already the name of a chain"]


def test_with_replaced_swaps_one_object(small_scenario):
    shorter = small_scenario.chains[0].model_copy(update={"nodes": ["Radar", "Battery"]})
    after = with_replaced(small_scenario, ("chains", 0), shorter)
    assert after.chains == [shorter] and after.nodes == small_scenario.nodes


def test_duplicated_copies_get_free_names_and_their_refs(small_scenario):
    after, refs = duplicated(small_scenario, [("nodes", 0), ("chains", 0), ("nodes", 0)])
    assert refs == [("nodes", 3), ("chains", 1), ("nodes", 4)]
    assert [n.name for n in after.nodes[3:]] == ["Radar copy", "Radar copy 2"]
    assert after.nodes[3].position == small_scenario.nodes[0].position
    assert after.chains[1].name == "Track copy" and after.chains[1].nodes == small_scenario.chains[0].nodes


def test_without_drops_the_chains_that_used_a_deleted_node(small_scenario):
    after, dropped = without(small_scenario, [("nodes", 0)])
    assert [n.name for n in after.nodes] == ["C2", "Battery"]
    assert dropped == ["Track"] and after.chains == []
    after, dropped = without(small_scenario, [("chains", 0), ("nodes", 0)])
    assert dropped == [] and after.chains == []  # deleted itself, not "with them"


def test_new_node_is_named_after_its_role_and_rounded(small_scenario):
    node = new_node(small_scenario, "sensor", 12.345678, -98.76543)
    assert node.name == "Sensor 2" and node.role == "sensor"
    assert (node.position.lat_deg, node.position.lon_deg) == (12.3457, -98.7654)
    taken, _ = with_item(small_scenario, "nodes", node)
    clash, _ = without(taken, [("nodes", 0)])  # one sensor left, named "Sensor 2"
    assert new_node(clash, "sensor", 0.0, 0.0).name == "Sensor 2 2"


def test_tle_constellation_path_is_relative_inside_the_scenario_folder(small_scenario, tmp_path):
    inside = tmp_path / "data" / "Shell.tle"
    made = tle_constellation(small_scenario, inside, tmp_path)
    assert made.source.path == "data/Shell.tle"
    assert made.name == "Shell 2"  # "Shell" is the scenario's constellation
    assert made.isl.pattern == "none"
    outside = tle_constellation(small_scenario, tmp_path / "x.tle", tmp_path / "elsewhere")
    assert outside.source.path == str((tmp_path / "x.tle").resolve()) and outside.name == "x"


def test_new_scenario_starts_today_at_midnight_utc():
    scenario = new_scenario()
    assert scenario.name == "Untitled" and scenario.constellations == []
    start = scenario.time.start
    assert start.date() == datetime.now(UTC).date() or (datetime.now(UTC) - start).days == 1
    assert (start.hour, start.minute, start.second) == (0, 0, 0)


def test_unique_name_and_the_shared_namespace(small_scenario):
    assert unique_name("Sensor 1", {"Sensor 1", "Sensor 1 2"}) == "Sensor 1 3"
    assert unique_name("Gateway", set()) == "Gateway"
    assert taken_names(small_scenario) == {"Shell", "Radar", "C2", "Battery"}
