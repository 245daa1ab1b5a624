"""Edit builders for threats and events (no Qt): names, times from typical speeds, bad input."""

from __future__ import annotations

import pytest

from sdn_desktop.scenario.edits import (
    THREAT_TYPICAL,
    EditError,
    destroy_event,
    duplicated,
    ground_distance_km,
    jam_event,
    new_threat,
    outage_event,
    planes_text,
    random_text,
    with_fields,
    with_item,
    with_threat_waypoint,
    without,
)
from sdn_desktop.scenario.model import KillChain


def test_ground_distance_of_a_degree_of_the_equator():
    assert ground_distance_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111.195, abs=0.01)


def test_new_threat_times_follow_the_kinds_speed(small_scenario):
    points = [(0.0, 0.0), (0.0, 10.0), (5.0, 10.0)]
    threat = new_threat(small_scenario, "aircraft", points, start_s=100.0)
    speed, alt_m = THREAT_TYPICAL["aircraft"]
    times = [w.t_s for w in threat.waypoints]
    assert times[0] == 100.0
    assert times[1] - times[0] == pytest.approx(ground_distance_km(points[0], points[1]) / speed, abs=0.1)
    assert all(w.alt_m == alt_m for w in threat.waypoints)
    assert threat.name == "Aircraft"
    scenario, ref = with_item(small_scenario, "threats", threat)
    assert ref == ("threats", 0)
    assert new_threat(scenario, "aircraft", points, 0.0).name == "Aircraft 2"
    with pytest.raises(EditError, match="at least two"):
        new_threat(small_scenario, "ship", [(0.0, 0.0)], 0.0)


def test_moving_a_waypoint_keeps_its_time_and_renaming_a_threat_renames_its_chains(small_scenario):
    threat = new_threat(small_scenario, "ship", [(0.0, 0.0), (0.0, 1.0)], 0.0)
    scenario, _ = with_item(small_scenario, "threats", threat)
    moved = with_threat_waypoint(scenario, 0, 1, 2.0, 3.0).threats[0].waypoints[1]
    assert (moved.lat_deg, moved.lon_deg, moved.t_s) == (2.0, 3.0, threat.waypoints[1].t_s)
    chain = KillChain(name="Hunt", nodes=[threat.name, "C2", "Battery"])
    scenario, _ = with_item(scenario, "chains", chain)
    renamed = with_fields(scenario, [("threats", 0, "name")], "Boat")
    assert renamed.chains[1].nodes[0] == "Boat"
    after, dropped = without(scenario, [("threats", 0)])
    assert after.threats == [] and dropped == ["Hunt"]


def test_event_builders(small_scenario):
    strike = destroy_event(small_scenario, ["Shell P00S00"], 42.0)
    jam = jam_event(small_scenario, 10.0, 20.0, 300.0, from_s=60.0)
    outage = outage_event(small_scenario, 90.0, "vendor", constellations=["Shell"])
    assert (strike.name, strike.at_s, strike.satellites) == ("Strike", 42.0, ["Shell P00S00"])
    assert (jam.from_s, jam.until_s, jam.radius_km) == (60.0, 660.0, 300.0)
    assert (outage.name, outage.until_s, outage.cause) == ("Shell vendor outage", None, "vendor")
    scenario, _ = with_item(small_scenario, "events", strike)
    assert destroy_event(scenario, ["Shell P00S01"], 0.0).name == "Strike 2"
    copies, refs = duplicated(scenario, [("events", 0)])
    assert refs == [("events", 1)] and copies.events[1].name == "Strike copy"
    with pytest.raises(EditError, match="select the satellites"):
        destroy_event(small_scenario, [], 0.0)
    with pytest.raises(EditError, match="radius_km"):
        jam_event(small_scenario, 10.0, 20.0, 0.0, from_s=0.0)
    with pytest.raises(EditError, match="outage"):
        outage_event(small_scenario, 0.0, "cyber")


def test_selection_fields_in_words():
    assert planes_text([{"constellation": "Backbone", "planes": [3, 4]}]) == "Backbone planes 3, 4"
    assert planes_text([]) == "none"
    draw = {"fraction": 0.1, "seed": 3, "constellation": None}
    assert random_text(draw) == "10 % of all satellites, seed 3"
    assert random_text(None) == "none"


def test_renaming_follows_every_reference_and_changes_no_result():
    """Renaming a constellation, a sensor node and a vendor is accepted (events and threat chains
    named them, so the edit used to be refused) and the engine gives the same latencies."""
    import numpy as np  # noqa: PLC0415

    from sdn_desktop.engine import Network  # noqa: PLC0415
    from sdn_desktop.resources import DEFAULT_SCENARIO  # noqa: PLC0415
    from sdn_desktop.scenario import load_scenario  # noqa: PLC0415
    from sdn_desktop.scenario.model import CutLinksEvent  # noqa: PLC0415

    demo = load_scenario(DEFAULT_SCENARIO)
    extra = [
        destroy_event(demo, ["Backbone P01S02", "Transport P00S01"], 600.0),
        CutLinksEvent(name="Cut", from_s=0.0, links=[("Backbone P05S05", "Backbone P05S06")]),
        outage_event(demo, 1200.0, "fault", nodes=["Radar Clear"]),
    ]
    before = demo.model_copy(
        update={"events": [*demo.events, *extra], "disabled_satellites": ["Backbone P07S07"]}
    )
    after = with_fields(before, [("constellations", 0, "name")], "Main shell")
    after = with_fields(after, [("constellations", 2, "name")], "Eyes")
    after = with_fields(after, [("constellations", 1, "operator")], "Vendor X")
    after = with_fields(after, [("nodes", 0, "name")], "Clear")
    strike, _, withdrawal, own, cut, down = after.events
    assert strike.planes[0].constellation == "Main shell"
    assert withdrawal.operators == ["Vendor X"]
    assert own.satellites == ["Main shell P01S02", "Transport P00S01"]
    assert cut.links == [("Main shell P05S05", "Main shell P05S06")]
    assert down.nodes == ["Clear"] and after.disabled_satellites == ["Main shell P07S07"]
    assert after.chains[0].sensors == ["Eyes"] and after.chains[1].nodes[0] == "Clear"
    times = np.array([0.0, 900.0, 1300.0, 2500.0])
    expected = Network(before, DEFAULT_SCENARIO.parent).run(times).latency_ms
    got = Network(after, DEFAULT_SCENARIO.parent).run(times).latency_ms
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9, equal_nan=True)
