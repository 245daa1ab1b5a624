"""``Network.snapshot`` in a child Python process, for the app and the recorder.

A process, not a thread: the engine's Python glue would hold the interpreter lock against drawing
and the GUI. The child is a fresh interpreter (not a fork of one holding a GL context or Qt) that
imports only the engine. Messages are pickles on its stdin/stdout: ``(scenario, base_dir)`` builds
the network (reusing the previous one's propagated satellites where it can), a float asks for the
snapshot at that time, ``"series"`` for the whole latency time series (answered by a
``("progress", done, total)`` after each step first). Each request ends with
``("ok", result, warnings)`` or ``("error", message)``.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable

from ..child_process import ChildStopped, PickleChild, answer, child_streams
from ..scenario import Scenario
from .network import Cancelled, Network, Snapshot, TimeSeries

SERIES = "series"  # the message asking for the whole time series


class EngineProcessError(ChildStopped):
    """The engine process failed to answer (its message, or how it ended)."""


def serve() -> None:
    """The child's loop (``python -c "from sdn_desktop.engine.process import serve; serve()"``)."""
    requests, answers = child_streams()
    network: Network | None = None
    failure = "no scenario loaded"
    while True:
        try:
            message = pickle.load(requests)
        except EOFError:
            return
        if isinstance(message, tuple):
            scenario, base_dir = message
            try:
                network = Network(scenario, base_dir, previous=network)
            except Exception as err:  # reported with the next answer
                network, failure = None, f"{type(err).__name__}: {err}"
            continue
        try:
            if network is None:
                raise RuntimeError(failure)
            if message == SERIES:
                result = network.run(progress=lambda done, total: answer(answers, ("progress", done, total)))
            else:
                result = network.snapshot(float(message))
            reply = ("ok", result, list(network.warnings))
        except BrokenPipeError:
            return
        except Exception as err:  # reported to the caller as one line
            reply = ("error", f"{type(err).__name__}: {err}")
        try:
            answer(answers, reply)
        except BrokenPipeError:
            return


class EngineProcess(PickleChild):
    """A child process computing snapshots: ``load`` a scenario, then ``request`` times and
    ``receive`` their snapshots in order (requesting the next before drawing this one overlaps them).
    Use from one thread at a time."""

    error = EngineProcessError

    def __init__(self):
        super().__init__("sdn_desktop.engine.process")
        self.warnings: list[str] = []

    def load(self, scenario: Scenario, base_dir: str | os.PathLike) -> None:
        self.send((scenario, str(base_dir)))

    def request(self, t_s: float) -> None:
        self.send(float(t_s))

    def receive(self) -> Snapshot:
        """The snapshot of the oldest unanswered request (blocks without holding the GIL)."""
        _, snapshot, self.warnings = self.read()
        return snapshot

    def snapshot(self, t_s: float) -> Snapshot:
        self.request(t_s)
        return self.receive()

    def series(self, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> TimeSeries:
        """``Network.run()`` of the loaded scenario, reporting progress after every step. When
        ``cancelled()`` turns true the child is stopped (this object is then closed) and
        ``Cancelled`` raised."""
        self.send(SERIES)
        while True:
            if cancelled():
                self.kill()
                self.close()
                raise Cancelled
            reply = self.read()
            if reply[0] != "progress":
                _, series, self.warnings = reply
                return series
            progress(reply[1], reply[2])
