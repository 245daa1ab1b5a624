"""The background worker: newest request wins, errors are reported, results arrive on the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest

from sdn_desktop.ui.compute import Analysis, LatestWorker


def test_newest_job_wins_and_stale_results_are_dropped(qtbot):
    """The stale job runs to the end and returns a value; the newest job runs after it on the same
    thread, so the stale result reaches the GUI thread first - and is dropped there."""
    worker = LatestWorker("test")
    results = []
    worker.result.connect(results.append)
    started, release, stale_returned = threading.Event(), threading.Event(), threading.Event()

    def slow(ctx):
        started.set()
        release.wait(5)
        return "stale"

    def newest(ctx):
        stale_returned.set()  # the worker runs one job at a time: the stale one has returned
        return "newest"

    worker.submit(slow)
    assert started.wait(5)  # running, so submitting again cannot simply replace it
    worker.submit(newest)
    release.set()
    qtbot.waitUntil(lambda: results == ["newest"], timeout=5000)
    assert stale_returned.is_set() and results == ["newest"]
    worker.stop()


def test_a_running_job_sees_it_was_cancelled(qtbot):
    worker = LatestWorker("test")
    seen = threading.Event()
    started = threading.Event()

    def long(ctx):
        started.set()
        while not ctx.cancelled():
            time.sleep(0.01)
        seen.set()

    worker.submit(long)
    assert started.wait(5)
    worker.submit(lambda ctx: None)
    assert seen.wait(5)
    worker.stop()


def test_errors_are_reported_not_raised(qtbot):
    worker = LatestWorker("test")
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.submit(lambda ctx: 1 / 0)
    assert "ZeroDivisionError" in blocker.args[0]
    worker.stop()


def test_analysis_reuses_satellites_and_skips_colour_only_edits(qtbot, small_scenario, tmp_path):
    analysis = Analysis()
    with qtbot.waitSignal(analysis.series_ready, timeout=20000) as first:
        assert analysis.set_scenario(small_scenario, tmp_path)
    assert first.args[0].latency_ms.shape == (2, 21)
    layout = analysis.network  # the engine process's, not built here
    assert layout.node_names == ("Radar", "C2", "Battery") and len(layout.sats) == 36
    recoloured = small_scenario.model_copy(deep=True)
    recoloured.chains[0].color = "#00ff00"
    assert not analysis.set_scenario(recoloured, tmp_path)
    moved = small_scenario.model_copy(deep=True)
    moved.nodes[0].position.lat_deg = 45.0
    with qtbot.waitSignal(analysis.series_ready, timeout=20000):
        assert analysis.set_scenario(moved, tmp_path)
    assert analysis.network is not layout and analysis.network.sats.names == layout.sats.names
    analysis.stop()


def test_snapshots_still_arrive_when_the_engine_process_dies(small_scenario, tmp_path):
    from sdn_desktop.ui.compute import RemoteEngine

    remote = RemoteEngine()
    try:
        first = remote.snapshot(small_scenario, tmp_path, 30.0)
        dead = remote._process
        dead.kill()
        deadline = time.monotonic() + 10
        while dead.alive() and time.monotonic() < deadline:  # it died while idle: a new one is started
            time.sleep(0.01)
        again = remote.snapshot(small_scenario, tmp_path, 30.0)
        assert remote._process is not dead
        assert again.t_s == first.t_s and (again.sat_pos == first.sat_pos).all()
        assert remote.snapshot(small_scenario, tmp_path, 60.0).t_s == 60.0
    finally:
        remote.close()


def test_a_job_that_ends_its_engine_process_is_not_run_again(small_scenario, tmp_path):
    """The job may be what killed it (an allocation too large, say): it fails, saying how the process
    ended; the next job gets a new process. Nothing is computed in this (the GUI's) process."""
    from sdn_desktop.engine.process import EngineProcessError
    from sdn_desktop.ui.compute import RemoteEngine, _describe

    remote = RemoteEngine()
    killed = []

    class KillingContext:  # the engine process dies during the job, after its first step
        def progress(self, done: int, total: int) -> None:
            if not killed:
                killed.append(remote._process)
                remote._process.kill()

        def cancelled(self) -> bool:
            return False

    try:
        with pytest.raises(EngineProcessError) as err:
            remote.series(small_scenario, tmp_path, KillingContext())
        assert err.value.stopped and "killed by SIGKILL" in _describe(err.value)
        assert len(killed) == 1 and remote._process is None  # not started again for this job
        assert not killed[0].alive()  # and reaped
        series = remote.series(small_scenario, tmp_path, KillingContext())  # the next job: a new process
        assert len(series.t_s) == 21 and len(killed) == 1
    finally:
        remote.close()


def test_an_engine_error_is_not_retried_and_says_why(small_scenario, tmp_path):
    from sdn_desktop.engine.process import EngineProcessError
    from sdn_desktop.scenario import TleSource
    from sdn_desktop.ui.compute import RemoteEngine, _describe

    broken = small_scenario.model_copy(deep=True)
    broken.constellations[0].source = TleSource(path="missing.tle")
    remote = RemoteEngine()
    try:
        with pytest.raises(EngineProcessError) as err:
            remote.load(broken, tmp_path)
        assert not err.value.stopped and err.value.error_type == "SatelliteSourceError"
        message = _describe(err.value)
        assert message.startswith("constellation 'Shell'") and "missing.tle" in message
        assert len(remote.load(small_scenario, tmp_path).sats) == 36  # the same process serves on
    finally:
        remote.close()
