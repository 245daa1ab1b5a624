"""Trials of a resilience study as Dask tasks: on a ``LocalCluster`` or an existing cluster.

Each task is one chunk of trials (``resilience.chunk_latency``): it rebuilds the network from the
scenario's JSON, propagates the window once and returns its trials' latencies. Trials draw from their
own random streams, so a chunk's numbers do not depend on where or with which other trials it runs;
the chunks are gathered back in trial order, and the result is byte-identical to a local run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..engine import Cancelled
from ..scenario import Scenario
from .resilience import ResilienceOptions, chunk_latency

CONNECT_TIMEOUT_S = 5


class ClusterError(Exception):
    """The scheduler cannot be reached or the cluster cannot start; the message says which."""


def chunks(trials: int, n_chunks: int) -> list[list[int]]:
    """Trial numbers split into at most ``n_chunks`` contiguous, nearly equal chunks."""
    return [c.tolist() for c in np.array_split(np.arange(trials), min(n_chunks, trials)) if len(c)]


class DaskRunner:
    """Runs chunks of trials on a Dask cluster: ``DaskRunner(workers=2)`` starts a local one (worker
    processes), ``DaskRunner(scheduler="tcp://host:8786")`` connects to a running scheduler."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None, chunks_per_worker: int = 4):
        from distributed import Client, LocalCluster

        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
            else:
                self.cluster = LocalCluster(
                    n_workers=workers or 1, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as err:
            if self.cluster is not None:
                self.cluster.close()
            where = scheduler or "a local cluster"
            raise ClusterError(f"cannot reach {where} within {CONNECT_TIMEOUT_S} s ({err})") from None
        self.chunks_per_worker = chunks_per_worker

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def __call__(
        self,
        scenario: Scenario,
        base_dir: Path,
        options: ResilienceOptions,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> np.ndarray:
        """Latencies of every trial, ``(trials, levels, legs, steps)``, in trial order."""
        from distributed import as_completed

        parts = chunks(options.trials, self.workers() * self.chunks_per_worker)
        text, folder = scenario.model_dump_json(), str(base_dir.resolve())
        futures = [
            self.client.submit(chunk_latency, text, folder, options, part, pure=False) for part in parts
        ]
        size = {f.key: len(p) for f, p in zip(futures, parts, strict=True)}
        done = 0
        try:
            for future in as_completed(futures):
                if cancelled is not None and cancelled():
                    raise Cancelled
                future.result()  # raises the task's error here
                done += size[future.key]
                if progress is not None:
                    progress(done, options.trials)
            return np.concatenate(self.client.gather(futures), axis=0)
        finally:
            self.client.cancel(futures)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
