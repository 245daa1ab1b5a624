"""Minimum-length routes on one time step's graph (scipy.sparse.csgraph Dijkstra)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


@dataclass(frozen=True)
class Endpoint:
    """Where a leg starts or ends: one graph vertex, or any of several (a sensor constellation).

    ``mirror`` holds the same place's vertices for the other direction (a non-relaying node's *in*
    vertex for its *out* vertex and vice versa), aligned with ``vertices``; empty means the same.
    """

    key: str
    vertices: tuple[int, ...]
    mirror: tuple[int, ...] = ()

    @property
    def other(self) -> tuple[int, ...]:
        return self.mirror or self.vertices


def build_graph(n_vertices: int, edges: np.ndarray, weights: np.ndarray) -> csr_matrix:
    """A directed graph; ``edges`` rows are (from, to), weights in km (strictly positive)."""
    return csr_matrix((weights, (edges[:, 0], edges[:, 1])), shape=(n_vertices, n_vertices))


def _path(pred: np.ndarray, end: int) -> list[int]:
    path = [end]
    while pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def search_roots(legs: list[tuple[Endpoint, Endpoint]]) -> list[str]:
    """Places to search from so that every leg starts or ends at one of them (greedy vertex cover)."""
    left = set(range(len(legs)))
    roots = []
    while left:
        count = Counter(key for i in sorted(left) for key in (legs[i][0].key, legs[i][1].key))
        best = max(count, key=count.__getitem__)
        roots.append(best)
        left = {i for i in left if best not in (legs[i][0].key, legs[i][1].key)}
    return roots


def shortest_routes(
    graph: csr_matrix,
    legs: list[tuple[Endpoint, Endpoint]],
    usable: np.ndarray,
    roots: list[str] | None = None,
) -> list[tuple[float, list[int]]]:
    """(length_km, vertex path) per leg; ``inf`` and ``[]`` when unreachable.

    The graph must be symmetric once each endpoint's ``vertices`` are swapped with its ``mirror``
    (links are two-way with equal lengths), so one Dijkstra from a place answers the legs that start
    there and, walked backwards, the legs that end there. Searches from single vertices run in one
    call; a multi-vertex place runs one multi-source search. ``usable`` masks vertices alive now;
    ``roots`` (``search_roots(legs)``, computed when None) lets a caller routing the same legs
    many times work them out once.
    """
    n = graph.shape[0]
    leaving: dict[str, tuple[int, ...]] = {}
    for src, dst in legs:
        leaving.setdefault(src.key, src.vertices)
        leaving.setdefault(dst.key, dst.other)
    roots = search_roots(legs) if roots is None else roots
    starts = {key: [v for v in leaving[key] if usable[v]] for key in roots}
    trees: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    single = [key for key in roots if len(starts[key]) == 1]
    if single:
        dist, pred = dijkstra(graph, indices=[starts[k][0] for k in single], return_predecessors=True)
        trees.update({key: (dist[i], pred[i]) for i, key in enumerate(single)})
    for key in roots:
        if not starts[key]:
            trees[key] = (np.full(n, np.inf), np.full(n, -9999))
        elif len(starts[key]) > 1:
            dist, pred, _ = dijkstra(graph, indices=starts[key], return_predecessors=True, min_only=True)
            trees[key] = (dist, pred)
    out = []
    for src, dst in legs:
        forward = src.key in trees
        dist, pred = trees[src.key if forward else dst.key]
        ends = dst.vertices if forward else src.other
        k = int(np.argmin(dist[list(ends)])) if len(ends) > 1 else 0
        if not np.isfinite(dist[ends[k]]):
            out.append((np.inf, []))
            continue
        path = _path(pred, ends[k])
        if not forward:  # walk it backwards and put each end back in its own role
            path = path[::-1]
            path[0] = src.vertices[k]
            path[-1] = dst.vertices[dst.other.index(path[-1])]
        out.append((float(dist[ends[k]]), path))
    return out
