"""``Network.snapshot`` in a child Python process, for the app and the recorder.

A process, not a thread: the engine's Python glue would hold the interpreter lock against drawing
and the GUI. The child imports only the engine and serves ``EngineService`` through the protocol
of ``child_process``: ``load`` builds the network (reusing the previous one's propagated
satellites where it can) and answers its ``NetworkLayout``; ``snapshot`` and ``series`` answer
with the result and the network's warnings (``series`` reports ``(done, total)`` after each step).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ..child_process import ChildError, ChildProcess, Service
from ..child_process import serve as serve_service
from ..scenario import Scenario
from .layout import NetworkLayout, network_layout
from .network import Cancelled, Network, Snapshot, TimeSeries


class EngineProcessError(ChildError):
    """The engine process failed to answer (its error, or how it ended)."""


class EngineService(Service):
    """The engine process's side: one ``Network`` at a time."""

    def __init__(self):
        super().__init__()
        self._network: Network | None = None
        self._failure = "no scenario loaded"

    def load(self, scenario: Scenario, base_dir: str) -> NetworkLayout:
        try:
            self._network = Network(scenario, Path(base_dir), previous=self._network)
        except Exception as err:  # also the reason of every later call until a load succeeds
            self._network, self._failure = None, f"{type(err).__name__}: {err}"
            raise
        return network_layout(self._network)

    def snapshot(self, t_s: float) -> tuple[Snapshot, list[str]]:
        network = self._loaded()
        return network.snapshot(float(t_s)), list(network.warnings)

    def series(self) -> tuple[TimeSeries, list[str]]:
        network = self._loaded()
        return network.run(progress=lambda done, total: self.progress((done, total))), list(network.warnings)

    def _loaded(self) -> Network:
        if self._network is None:
            raise RuntimeError(self._failure)
        return self._network


def serve() -> None:
    """The child's loop (``python -c "from sdn_desktop.engine.process import serve; serve()"``)."""
    serve_service(EngineService)


class EngineProcess(ChildProcess):
    """A child process computing snapshots: ``load`` a scenario, then ``request`` times and
    ``receive`` their snapshots in order (requesting the next before drawing this one overlaps them).
    Use from one thread at a time."""

    error = EngineProcessError

    def __init__(self):
        super().__init__("sdn_desktop.engine.process")
        self.warnings: list[str] = []

    def load(self, scenario: Scenario, base_dir: str | os.PathLike) -> NetworkLayout:
        """Build the scenario's network there; its layout (raises EngineProcessError with the reason)."""
        return self.call("load", scenario, str(base_dir))

    def request(self, t_s: float) -> None:
        self.send("snapshot", float(t_s))

    def receive(self) -> Snapshot:
        """The snapshot of the oldest unanswered request (blocks without holding the GIL)."""
        snapshot, self.warnings = self._reply(None)
        return snapshot

    def snapshot(self, t_s: float) -> Snapshot:
        self.request(t_s)
        return self.receive()

    def series(self, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> TimeSeries:
        """``Network.run()`` of the loaded scenario, reporting progress after every step. When
        ``cancelled()`` turns true the child is stopped (this object is then closed) and
        ``Cancelled`` raised."""

        def stop_if_cancelled() -> None:
            if cancelled():
                self.kill()
                self.close()
                raise Cancelled

        def step(done_total: tuple[int, int]) -> None:
            stop_if_cancelled()
            progress(*done_total)

        stop_if_cancelled()
        self.send("series")
        series, self.warnings = self._reply(step)
        return series
