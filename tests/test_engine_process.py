"""The engine process: the same snapshots as the engine in this process, and failures that say why."""

from __future__ import annotations

import numpy as np
import pytest

from sdn_desktop.engine import Network
from sdn_desktop.engine.process import EngineProcess, EngineProcessError
from sdn_desktop.scenario import Geodetic


@pytest.fixture
def engine():
    process = EngineProcess()
    yield process
    process.close()


def test_snapshots_match_the_engine_in_this_process(engine, small_scenario, tmp_path):
    here = Network(small_scenario, tmp_path)
    engine.load(small_scenario, tmp_path)
    times = np.arange(0.0, 601.0, 60.0)
    for t_s in times:
        engine.request(t_s)  # requested ahead, answered in order
    reachable = 0
    for t_s in times:
        remote, local = engine.receive(), here.snapshot(t_s)
        np.testing.assert_array_equal(remote.sat_pos, local.sat_pos)
        np.testing.assert_array_equal(remote.isl, local.isl)
        assert [r.path for r in remote.routes] == [r.path for r in local.routes]
        latencies = [[r.latency_ms for r in snap.routes] for snap in (remote, local)]
        np.testing.assert_array_equal(*latencies)  # NaN where unreachable, in both
        reachable += sum(r.reachable for r in remote.routes)
    assert reachable > 0  # some routes were compared, not only empty ones


def test_a_new_scenario_replaces_the_network(engine, small_scenario, tmp_path):
    engine.load(small_scenario, tmp_path)
    before = engine.snapshot(0.0)
    moved = small_scenario.model_copy(deep=True)
    moved.nodes[0].position = Geodetic(lat_deg=-30.0, lon_deg=20.0)
    engine.load(moved, tmp_path)
    after = engine.snapshot(0.0)
    np.testing.assert_array_equal(after.sat_pos, before.sat_pos)
    assert not np.allclose(after.node_pos[0], before.node_pos[0])


def test_errors_are_reported_with_their_reason(engine, small_scenario, tmp_path):
    with pytest.raises(EngineProcessError, match="no scenario loaded") as err:
        engine.snapshot(0.0)
    assert err.value.error_type == "RuntimeError" and err.value.reason == "no scenario loaded"
    assert not err.value.stopped
    broken = small_scenario.model_copy(deep=True)
    broken.constellations[0].source = {"kind": "tle", "path": "missing.tle"}
    with pytest.raises(EngineProcessError, match="missing.tle") as err:
        engine.load(broken.model_validate(broken.model_dump()), tmp_path)
    assert err.value.error_type == "SatelliteSourceError"
    with pytest.raises(EngineProcessError, match="missing.tle"):  # and again for every later request
        engine.snapshot(0.0)


def test_a_request_for_no_such_method_is_refused_with_the_reason(engine):
    for method in ("nothing_like_this", "_loaded", "progress"):
        with pytest.raises(EngineProcessError, match="no such request") as err:
            engine.call(method)
        assert err.value.error_type == "AttributeError"
    assert engine.call("load", empty_scenario(), ".").node_names == ()  # it serves on


def empty_scenario():
    from datetime import UTC, datetime

    from sdn_desktop.scenario import Scenario, TimeWindow

    return Scenario(name="empty", time=TimeWindow(start=datetime(2026, 1, 1, tzinfo=UTC), duration_s=60.0))


def test_load_answers_the_layout_views_need(engine, small_scenario, tmp_path):
    from sdn_desktop.engine.layout import network_layout

    layout = engine.load(small_scenario, tmp_path)
    here = Network(small_scenario, tmp_path)
    assert layout.sats.names == tuple(here.sats.names) and len(layout.sats) == 36
    assert layout.sats.ranges == (range(0, 36),) and layout.node_names == ("Radar", "C2", "Battery")
    np.testing.assert_array_equal(layout.sats.plane, here.sats.plane)
    assert layout.has_isl and layout.cross_constellations == ()
    assert layout.sats.names == network_layout(here).sats.names


def test_a_dead_process_is_reported_not_waited_for(engine, small_scenario, tmp_path):
    engine.load(small_scenario, tmp_path)
    engine._process.kill()
    engine._process.wait()
    with pytest.raises(EngineProcessError, match="stopped"):
        engine.snapshot(0.0)


def test_the_time_series_matches_and_reports_progress(engine, small_scenario, tmp_path):
    engine.load(small_scenario, tmp_path)
    seen = []
    remote = engine.series(lambda done, total: seen.append((done, total)), lambda: False)
    local = Network(small_scenario, tmp_path).run()
    np.testing.assert_array_equal(remote.latency_ms, local.latency_ms)
    np.testing.assert_array_equal(remote.t_s, local.t_s)
    assert remote.paths == local.paths
    assert seen == [(k, len(local.t_s)) for k in range(1, len(local.t_s) + 1)]
    assert engine.snapshot(30.0).t_s == 30.0  # the process still serves after a series


def test_a_cancelled_time_series_stops_the_process(engine, small_scenario, tmp_path):
    from sdn_desktop.engine import Cancelled

    engine.load(small_scenario, tmp_path)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        engine.series(lambda done, total: None, cancelled)
    assert engine._process.poll() is not None  # stopped, not left computing


def test_child_pids_skips_a_thread_that_ends_while_listed(monkeypatch):
    """/proc lists the threads first; one that ends before its children file is read is skipped."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from sdn_desktop.child_process import child_pids  # noqa: PLC0415

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        listed = Path.iterdir

        def with_a_gone_thread(self):
            yield from listed(self)
            if self.name == "task":
                yield self / "999999999"  # a thread that has ended

        monkeypatch.setattr(Path, "iterdir", with_a_gone_thread)
        assert child.pid in child_pids()
    finally:
        child.kill()
        child.wait()
