"""Minimum-length routes on one time step's graph (scipy.sparse.csgraph Dijkstra)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


@dataclass(frozen=True)
class Endpoint:
    """Where a leg starts or ends: one graph vertex, or any of several (a sensor constellation)."""

    key: str
    vertices: tuple[int, ...]


def build_graph(n_vertices: int, edges: np.ndarray, weights: np.ndarray) -> csr_matrix:
    """A directed graph; ``edges`` rows are (from, to), weights in km (strictly positive)."""
    return csr_matrix((weights, (edges[:, 0], edges[:, 1])), shape=(n_vertices, n_vertices))


def _path(pred: np.ndarray, end: int) -> list[int]:
    path = [end]
    while pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def shortest_routes(
    graph: csr_matrix, legs: list[tuple[Endpoint, Endpoint]], usable: np.ndarray
) -> list[tuple[float, list[int]]]:
    """(length_km, vertex path) per leg; ``inf`` and ``[]`` when unreachable.

    One Dijkstra per distinct source (several legs often start at the same sensor or C2 node);
    a multi-vertex source runs one multi-source search. ``usable`` masks vertices alive at this step.
    """
    trees: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    out = []
    for src, dst in legs:
        if src.key not in trees:
            starts = [v for v in src.vertices if usable[v]]
            if not starts:
                trees[src.key] = (np.full(graph.shape[0], np.inf), np.full(graph.shape[0], -9999))
            elif len(starts) == 1:
                trees[src.key] = dijkstra(graph, directed=True, indices=starts[0], return_predecessors=True)
            else:
                dist, pred, _ = dijkstra(
                    graph, directed=True, indices=starts, return_predecessors=True, min_only=True
                )
                trees[src.key] = (dist, pred)
        dist, pred = trees[src.key]
        ends = np.array(dst.vertices)
        best = ends[np.argmin(dist[ends])]
        if np.isfinite(dist[best]):
            out.append((float(dist[best]), _path(pred, int(best))))
        else:
            out.append((np.inf, []))
    return out
