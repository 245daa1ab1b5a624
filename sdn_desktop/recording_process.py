"""The recorder in a child process, for the Record dialog: drawing and encoding away from the editor.

The child serves ``RecorderService`` through the protocol of ``child_process``: ``record`` reports
``(done, total)`` after every frame and answers the ``Recording``. ``RecorderProcess.cancel``
(SIGTERM) stops it cleanly: ``recording.record`` leaves no file, and the call fails with the
reason ``RecordingCancelled``.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

from .child_process import ChildError, ChildProcess, Service
from .child_process import serve as serve_service
from .recording import Recording, RecordingCancelled, record
from .scenario import Scenario


class RecorderProcessError(ChildError):
    """The recording failed (its reason), was cancelled, or the recorder process stopped."""

    @property
    def cancelled(self) -> bool:
        return self.error_type == RecordingCancelled.__name__


class RecorderService(Service):
    """The recorder process's side."""

    def __init__(self):
        super().__init__()
        self._stop = False
        signal.signal(signal.SIGTERM, self._cancel)

    def _cancel(self, *_) -> None:
        self._stop = True

    def record(self, scenario: Scenario, **job) -> Recording:
        """``recording.record(scenario, **job)``, with progress, until cancelled."""
        self._stop = False
        report = lambda done, total: self.progress((done, total))  # noqa: E731
        return record(scenario, progress=report, cancelled=lambda: self._stop, **job)


def serve() -> None:
    """The child's loop (``python -c "from sdn_desktop.recording_process import serve; serve()"``)."""
    serve_service(RecorderService)


class RecorderProcess(ChildProcess):
    """A child process making one recording at a time. Use from one thread; ``cancel`` from any."""

    error = RecorderProcessError

    def __init__(self):
        super().__init__("sdn_desktop.recording_process")

    def record(self, scenario: Scenario, job: dict, progress: Callable[[int, int], None]) -> Recording:
        """Record ``scenario`` with the keyword arguments ``job`` of ``recording.record``."""
        return self.call("record", scenario, progress=lambda done_total: progress(*done_total), **job)

    def cancel(self) -> None:
        self.terminate()
