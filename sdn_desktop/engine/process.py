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
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from ..scenario import Scenario
from .network import Cancelled, Network, Snapshot, TimeSeries

SERIES = "series"  # the message asking for the whole time series


class EngineProcessError(RuntimeError):
    """The child process failed to answer (its message, or how it ended)."""


def serve() -> None:
    """The child's loop (``python -c "from sdn_desktop.engine.process import serve; serve()"``)."""
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the answer stream
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
                result = network.run(progress=lambda done, total: _answer(answers, ("progress", done, total)))
            else:
                result = network.snapshot(float(message))
            answer = ("ok", result, list(network.warnings))
        except BrokenPipeError:
            return
        except Exception as err:  # reported to the caller as one line
            answer = ("error", f"{type(err).__name__}: {err}")
        try:
            _answer(answers, answer)
        except BrokenPipeError:
            return


def _answer(stream, answer) -> None:
    pickle.dump(answer, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


class EngineProcess:
    """A child process computing snapshots: ``load`` a scenario, then ``request`` times and
    ``receive`` their snapshots in order (requesting the next before drawing this one overlaps them).
    Use from one thread at a time."""

    def __init__(self):
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-c", "from sdn_desktop.engine.process import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )  # fmt: skip
        self.warnings: list[str] = []

    def load(self, scenario: Scenario, base_dir: str | os.PathLike) -> None:
        self._send((scenario, str(base_dir)))

    def request(self, t_s: float) -> None:
        self._send(float(t_s))

    def receive(self) -> Snapshot:
        """The snapshot of the oldest unanswered request (blocks without holding the GIL)."""
        _, snapshot, self.warnings = self._read()
        return snapshot

    def _read(self) -> tuple:
        try:
            answer = pickle.load(self._process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            raise self._stopped() from None
        if answer[0] == "error":
            raise EngineProcessError(answer[1])
        return answer

    def snapshot(self, t_s: float) -> Snapshot:
        self.request(t_s)
        return self.receive()

    def series(
        self, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
    ) -> TimeSeries:
        """``Network.run()`` of the loaded scenario, reporting progress after every step. When
        ``cancelled()`` turns true the child is stopped (this object is then closed) and
        ``Cancelled`` raised."""
        self._send(SERIES)
        while True:
            if cancelled():
                self._process.kill()
                self.close()
                raise Cancelled
            answer = self._read()
            if answer[0] != "progress":
                _, series, self.warnings = answer
                return series
            progress(answer[1], answer[2])

    def close(self) -> None:
        for pipe in (self._process.stdin, self._process.stdout):
            try:
                pipe.close()
            except OSError:  # the child is gone already
                pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _stopped(self) -> EngineProcessError:
        return EngineProcessError(f"the engine process stopped (exit status {self._process.poll()})")

    def _send(self, message) -> None:
        try:
            pickle.dump(message, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise self._stopped() from None
