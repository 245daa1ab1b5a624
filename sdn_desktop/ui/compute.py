"""Engine work off the GUI thread: the newest request wins, stale results are dropped.

``LatestWorker`` owns one Python thread. ``submit`` replaces any job that has not started yet and
tells a running one to stop (its ``cancelled()`` turns true); only the result of the newest job is
delivered, on the GUI thread. ``Analysis`` has two engine processes build the engine's ``Network``
for each scenario edit (reusing propagated satellites) and compute the latency time series and the
snapshot for the displayed clock time; its threads here only wait on a pipe. This process builds no
``Network``: it gets the ``NetworkLayout`` (names, constellations, planes) from the engine process.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from ..engine import Cancelled, SatelliteSourceError, Snapshot, TimeSeries
from ..engine.layout import NetworkLayout
from ..engine.process import EngineProcess, EngineProcessError
from ..scenario import Scenario, ScenarioError
from ..scenario.limits import LimitError
from ..scenario.work import work_problem

Job = Callable[["JobContext"], Any]


@dataclass
class JobContext:
    """What a job may call from its thread: ``cancelled()``, ``progress(done, total)``, ``emit(x)``."""

    job_id: int
    worker: LatestWorker

    def cancelled(self) -> bool:
        return self.worker._latest != self.job_id or self.worker._stopping

    def progress(self, done: int, total: int) -> None:
        self.worker._progress.emit(self.job_id, done, total)

    def emit(self, value: Any) -> None:
        """An intermediate result (delivered as ``partial`` if this job is still the newest)."""
        self.worker._partial.emit(self.job_id, value)


class LatestWorker(QObject):
    """A single background thread that runs the newest submitted job."""

    result = Signal(object)
    partial = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int)
    busy_changed = Signal(bool)

    _done = Signal(int, object, float)
    _error = Signal(int, str)
    _progress = Signal(int, int, int)
    _partial = Signal(int, object)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._latest = 0
        self._pending: tuple[int, Job] | None = None
        self._stopping = False
        self._running: int | None = None
        self._wake = threading.Condition()
        self.last_seconds = 0.0  # duration of the last delivered job
        self._done.connect(self._on_done)
        self._error.connect(self._on_error)
        self._progress.connect(self._on_progress)
        self._partial.connect(self._on_partial)
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> int:
        with self._wake:
            self._latest += 1
            self._pending = (self._latest, job)
            self._wake.notify()
        self.busy_changed.emit(True)
        return self._latest

    def is_idle(self) -> bool:
        return self._pending is None and self._running is None

    def stop(self) -> None:
        """Cancel everything and end the thread (waits for a running job to notice)."""
        with self._wake:
            self._stopping = True
            self._pending = None
            self._wake.notify()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                job_id, job = self._pending
                self._pending = None
                self._running = job_id
            started = time.perf_counter()
            try:
                value = job(JobContext(job_id, self))
            except Cancelled:
                pass
            except Exception as err:  # a worker error is reported, never fatal
                if not self._stopping:
                    self._error.emit(job_id, _describe(err))
            else:
                if not self._stopping:
                    self._done.emit(job_id, value, time.perf_counter() - started)
            finally:
                self._running = None

    @Slot(int, object, float)
    def _on_done(self, job_id: int, value: Any, seconds: float) -> None:
        if job_id == self._latest:
            self.last_seconds = seconds
            self.busy_changed.emit(False)
            self.result.emit(value)

    @Slot(int, str)
    def _on_error(self, job_id: int, message: str) -> None:
        if job_id == self._latest:
            self.busy_changed.emit(False)
            self.failed.emit(message)

    @Slot(int, int, int)
    def _on_progress(self, job_id: int, done: int, total: int) -> None:
        if job_id == self._latest:
            self.progress.emit(done, total)

    @Slot(int, object)
    def _on_partial(self, job_id: int, value: Any) -> None:
        if job_id == self._latest:
            self.partial.emit(value)


USER_ERRORS = (ScenarioError, SatelliteSourceError, LimitError)  # their message says all a user needs


def _describe(err: Exception) -> str:
    if isinstance(err, USER_ERRORS):
        return str(err)
    if isinstance(err, EngineProcessError) and err.error_type in {e.__name__ for e in USER_ERRORS}:
        return err.reason
    return "".join(traceback.format_exception_only(err)).strip()


def analysis_key(scenario: Scenario, base_dir: Path) -> str:
    """Everything that can change a route or a latency (colours, names of the file etc. cannot)."""
    data = scenario.model_dump(mode="json", exclude={"name", "description"})
    for group in ("constellations", "nodes", "chains"):
        for item in data[group]:
            item.pop("color", None)
    return json.dumps([str(base_dir.resolve()), data], sort_keys=True)


class RemoteEngine:
    """An engine process working on the app's current scenario, so the engine's Python does not
    share the interpreter lock with the GUI and the drawing. Started once, and again for the next
    job when it dies. Use from one thread."""

    def __init__(self):
        self._process: EngineProcess | None = EngineProcess()  # starts importing while the GUI builds
        self._loaded: tuple[Scenario, Path] | None = None
        self.layout: NetworkLayout | None = None  # of the scenario loaded

    def load(self, scenario: Scenario, base_dir: Path) -> NetworkLayout:
        """Build the scenario's network in the process (if not done yet); its layout."""
        return self._run(scenario, base_dir, lambda process: self.layout)

    def snapshot(self, scenario: Scenario, base_dir: Path, t_s: float) -> Snapshot:
        return self._run(scenario, base_dir, lambda process: process.snapshot(t_s))

    def series(self, scenario: Scenario, base_dir: Path, ctx: JobContext) -> TimeSeries:
        """The latency time series, with progress; a cancelled job stops the process at once."""
        try:
            return self._run(scenario, base_dir, lambda process: process.series(ctx.progress, ctx.cancelled))
        except Cancelled:
            self._process, self._loaded = None, None  # stopped by ``series``
            raise

    def _run(self, scenario: Scenario, base_dir: Path, work: Callable[[EngineProcess], Any]) -> Any:
        """``work(process)`` with ``scenario`` loaded. A process found dead before the work is asked of
        it is replaced; one that stops while working is not asked again (the work may be what ended
        it: an allocation too large, say): its error says how it ended, and the next job gets a new
        process. Nothing is ever computed in this process."""
        if self._process is not None and not self._process.alive():
            self.close()
        if self._process is None:
            self._process = EngineProcess()
        try:
            if self._loaded is None or self._loaded[0] is not scenario or self._loaded[1] != base_dir:
                self._loaded = None
                self.layout = self._process.load(scenario, base_dir)
                self._loaded = (scenario, base_dir)
            return work(self._process)
        except EngineProcessError as err:
            if err.stopped:
                self.close()
            raise

    def close(self) -> None:
        if self._process is not None:
            self._process.close()
        self._process, self._loaded = None, None


class Analysis(QObject):
    """Keeps the scenario's ``NetworkLayout``, its latency ``TimeSeries`` and the current ``Snapshot``
    up to date (``network`` is the layout of the engine processes' Network)."""

    network_ready = Signal(object)  # NetworkLayout (first signal after an edit)
    series_ready = Signal(object)  # TimeSeries
    snapshot_ready = Signal(object)  # Snapshot
    progress = Signal(int, int)
    busy_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.network: NetworkLayout | None = None
        self.series: TimeSeries | None = None
        self._computed: tuple[Scenario, Path] | None = None  # what ``network`` and snapshots are of
        self._key: str | None = None
        self.pending = False  # a computation started whose Network has not arrived yet
        self._series_worker = LatestWorker("sdn-analysis", self)
        self._snapshot_worker = LatestWorker("sdn-snapshot", self)
        self._series_worker.partial.connect(self._on_network)
        self._series_worker.result.connect(self._on_series)
        self._series_worker.failed.connect(self._on_failed)
        self._series_worker.progress.connect(self.progress)
        self._series_worker.busy_changed.connect(self.busy_changed)
        self._snapshot_worker.result.connect(self.snapshot_ready)
        self._snapshot_worker.failed.connect(self.failed)
        self._snapshot_t: float | None = None
        self._series_engine = RemoteEngine()  # each used only by its worker's thread
        self._snapshot_engine = RemoteEngine()

    @property
    def last_seconds(self) -> float:
        """Wall time of the last completed time-series computation."""
        return self._series_worker.last_seconds

    def is_idle(self) -> bool:
        return self._series_worker.is_idle() and self._snapshot_worker.is_idle()

    def set_scenario(self, scenario: Scenario, base_dir: Path) -> bool:
        """Recompute for ``scenario`` unless nothing that affects routes changed. Returns whether it
        started a computation (if not, the scenario's routes are those computed already)."""
        key = analysis_key(scenario, base_dir)
        if key == self._key and self.network is not None:
            return False
        self._key = key

        def job(ctx: JobContext) -> TimeSeries:
            if problem := work_problem(scenario, base_dir):  # the engine process never gets it
                raise LimitError(problem)
            ctx.emit((self._series_engine.load(scenario, base_dir), (scenario, base_dir)))
            if ctx.cancelled():
                raise Cancelled
            return self._series_engine.series(scenario, base_dir, ctx)

        self.pending = True
        self._series_worker.submit(job)
        return True

    def request_snapshot(self, t_s: float) -> None:
        """Compute the snapshot at ``t_s`` in the background (only the newest request is kept)."""
        self._snapshot_t = t_s
        if self._computed is not None:
            scenario, base_dir = self._computed
            self._snapshot_worker.submit(lambda ctx: self._snapshot_engine.snapshot(scenario, base_dir, t_s))

    def stop(self) -> None:
        self._series_worker.stop()
        self._snapshot_worker.stop()
        self._series_engine.close()
        self._snapshot_engine.close()

    @Slot(object)
    def _on_network(self, loaded: tuple[NetworkLayout, tuple[Scenario, Path]]) -> None:
        self.network, self._computed = loaded
        self.pending = False
        self.network_ready.emit(self.network)
        if self._snapshot_t is not None:
            self.request_snapshot(self._snapshot_t)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.pending = False
        self._key = None  # the next edit recomputes rather than pairing the old Network with it
        self.failed.emit(message)

    @Slot(object)
    def _on_series(self, series: TimeSeries) -> None:
        self.series = series
        self.series_ready.emit(series)
