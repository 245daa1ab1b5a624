"""Which links exist: +Grid pairs, range and occlusion filters, cross-vendor and ground links."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..scenario import Constellation, Interop
from .frames import segments_clear_of_earth


def plus_grid_pairs(
    plane: np.ndarray, slot: np.ndarray, offset: int, wrap_planes: bool, seam_offset: int = 0
) -> np.ndarray:
    """+Grid pairs (local indices): next slot in the plane, and slot+offset in the next plane.

    Planes are numbered in RAAN order; planes of unequal size link to the neighbour nearest in slot
    position (scaled to the plane's size). The wrap from the last plane to the first shifts by
    ``seam_offset`` more slots (a Walker delta's phasing F: the pattern has slipped F slots by then).
    """
    pairs = []
    planes = np.unique(plane)
    members = {p: np.flatnonzero(plane == p)[np.argsort(slot[plane == p])] for p in planes}
    for p in planes:
        ring = members[p]
        if len(ring) > 2:
            pairs.append(np.stack((ring, np.roll(ring, -1)), axis=1))
        elif len(ring) == 2:
            pairs.append(ring[None, :])
    for k, p in enumerate(planes):
        if k + 1 < len(planes):
            q, shift = planes[k + 1], offset
        elif wrap_planes and len(planes) > 2:
            q, shift = planes[0], offset + seam_offset
        else:
            continue
        a, b = members[p], members[q]
        if len(a) == len(b):
            partner = b[(np.arange(len(a)) + shift) % len(b)]
        else:
            partner = b[np.round((np.arange(len(a)) + shift) * len(b) / len(a)).astype(int) % len(b)]
        pairs.append(np.stack((a, partner), axis=1))
    if not pairs:
        return np.zeros((0, 2), int)
    out = np.sort(np.concatenate(pairs), axis=1)
    return np.unique(out[out[:, 0] != out[:, 1]], axis=0)


def link_lengths(pos: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    return np.linalg.norm(pos[pairs[:, 0]] - pos[pairs[:, 1]], axis=1)


def usable_links(
    pos: np.ndarray, pairs: np.ndarray, max_range_km: np.ndarray | float, grazing_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs whose both ends are propagated, within range and in line of sight; and their lengths."""
    if len(pairs) == 0:
        return pairs, np.zeros(0)
    length = link_lengths(pos, pairs)
    ok = np.isfinite(length) & (length <= max_range_km)
    pairs, length = pairs[ok], length[ok]
    clear = segments_clear_of_earth(pos[pairs[:, 0]], pos[pairs[:, 1]], grazing_km)
    return pairs[clear], length[clear]


def compatible_pairs(constellations: list[Constellation], interop: Interop) -> list[tuple[int, int]]:
    """Index pairs (i < j) of constellations whose terminal standards interoperate."""
    allowed = {frozenset(p) for p in interop.compatible}
    out = []
    for i, a in enumerate(constellations):
        for j in range(i + 1, len(constellations)):
            b = constellations[j]
            if a.terminal == b.terminal or frozenset((a.terminal, b.terminal)) in allowed:
                out.append((i, j))
    return out


CROSS_CANDIDATES = 4  # nearest partners considered per terminal, so a taken partner has stand-ins


def nearest_partners(
    pos: np.ndarray,
    queries: np.ndarray,
    tree: cKDTree,
    members: np.ndarray,
    count: int,
    bound_km: float,
    grazing_km: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each query satellite's ``count`` nearest ``members`` (``tree`` holds their positions) within
    ``bound_km``, nearest first: distances ``(Q, count)`` (inf: none), partner satellites (-1: none)
    and whether the partner is in line of sight."""
    dist, local = tree.query(pos[queries], k=count, distance_upper_bound=bound_km)
    dist, local = dist.reshape(len(queries), count), local.reshape(len(queries), count)
    found = np.isfinite(dist)
    partner = np.where(found, members[np.minimum(local, len(members) - 1)], -1)
    clear = found.copy()
    rows = np.broadcast_to(queries[:, None], partner.shape)
    clear[found] = segments_clear_of_earth(pos[rows[found]], pos[partner[found]], grazing_km)
    return dist, partner, clear


def greedy_matching(a: np.ndarray, b: np.ndarray, k: int, n_vertices: int) -> np.ndarray:
    """Which offers (a[i], b[i]) a greedy b-matching grants: taken in the given order, each granted
    while both ends hold fewer than ``k``. Plain loops over arrays, so that numba can compile this
    very function for callers that run it thousands of times (``analysis.evaluator``)."""
    used = np.zeros(n_vertices, np.int64)
    granted = np.zeros(len(a), np.bool_)
    for i in range(len(a)):
        x, y = a[i], b[i]
        if used[x] < k and used[y] < k:
            used[x] += 1
            used[y] += 1
            granted[i] = True
    return granted


def cross_links(
    pos: np.ndarray,
    ranges: list[range],
    pairs_of_constellations: list[tuple[int, int]],
    interop: Interop,
    grazing_km: float,
) -> np.ndarray:
    """Links between compatible constellations, ``links_per_satellite`` terminals at each end.

    For each pair of constellations, the smaller one's satellites look up their nearest partners in
    the other within range and line of sight; the offers of all pairs are then granted shortest
    first while both ends have a free terminal (a greedy matching), so no satellite carries more
    than ``links_per_satellite`` cross-vendor links in all, whatever the number of partners.
    """
    if not interop.enabled:
        return np.zeros((0, 2), int)
    trees: dict[int, tuple[cKDTree, np.ndarray] | None] = {}

    def tree_of(c: int) -> tuple[cKDTree, np.ndarray] | None:
        """A k-d tree of the constellation's propagated satellites, and their global indices."""
        if c not in trees:
            members = np.arange(ranges[c].start, ranges[c].stop)
            members = members[np.isfinite(pos[members, 0])]
            trees[c] = (cKDTree(pos[members]), members) if len(members) else None
        return trees[c]

    offers: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (length, one end, other end)
    k, bound = interop.links_per_satellite, interop.max_range_km
    for i, j in pairs_of_constellations:
        if tree_of(i) is None or tree_of(j) is None:
            continue
        small, large = sorted((i, j), key=lambda c: len(tree_of(c)[1]))
        queries, (tree, members) = tree_of(small)[1], tree_of(large)
        count = min(k * CROSS_CANDIDATES, len(members))
        dist, partner, clear = nearest_partners(pos, queries, tree, members, count, bound, grazing_km)
        rows = np.broadcast_to(queries[:, None], partner.shape)
        offers.append((dist[clear], rows[clear], partner[clear]))
    if not offers:
        return np.zeros((0, 2), int)
    length, a_side, b_side = (np.concatenate(parts) for parts in zip(*offers, strict=True))
    order = np.argsort(length, kind="stable")
    granted = order[greedy_matching(a_side[order], b_side[order], k, len(pos))]
    found = np.sort(np.stack((a_side[granted], b_side[granted]), axis=1), axis=1)
    return found[np.lexsort((found[:, 1], found[:, 0]))].astype(int)


def ground_links(
    node_pos: np.ndarray,
    node_up: np.ndarray,
    sat_pos: np.ndarray,
    min_elevation_deg: np.ndarray,
    max_range_km: np.ndarray,
    max_links: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(node, satellite) pairs visible from each node, their lengths (km) and elevations (deg).

    ``min_elevation_deg`` NaN means the geometric horizon (0 deg); ``max_range_km`` inf means no limit;
    ``max_links`` 0 means no limit, otherwise the highest satellites are kept.
    """
    if len(node_pos) == 0 or len(sat_pos) == 0:
        return np.zeros((0, 2), int), np.zeros(0), np.zeros(0)
    mask = np.nan_to_num(min_elevation_deg, nan=0.0)
    # A cheap necessary condition first: the height above each node's horizontal plane must be at
    # least sin(mask) * range, and range <= |sat| + |node|. Most satellites fail it (NaN ones too).
    sat_r = np.fmax.reduce(np.linalg.norm(sat_pos, axis=1), initial=0.0)
    low = np.minimum(np.sin(np.radians(mask)), 0.0) * (sat_r + np.linalg.norm(node_pos, axis=1))
    plane = np.einsum("gk,gk->g", node_pos, node_up)
    # outer products, not a matmul: a multi-threaded BLAS call stalls for tens of ms when cores are busy
    height = np.multiply.outer(node_up[:, 0], sat_pos[:, 0])
    height += np.multiply.outer(node_up[:, 1], sat_pos[:, 1])
    height += np.multiply.outer(node_up[:, 2], sat_pos[:, 2])
    with np.errstate(invalid="ignore"):
        g_ix, s_ix = np.nonzero(height >= (plane + low - 1e-6)[:, None])  # 1 mm slack
    d = sat_pos[s_ix] - node_pos[g_ix]
    rng = np.linalg.norm(d, axis=1)
    elev = np.degrees(np.arcsin(np.clip(np.einsum("ik,ik->i", d, node_up[g_ix]) / rng, -1.0, 1.0)))
    ok = (elev >= mask[g_ix]) & (rng <= max_range_km[g_ix])
    g_ix, s_ix, rng, elev = g_ix[ok], s_ix[ok], rng[ok], elev[ok]
    limit = max_links[g_ix]
    if limit.any():  # rank each node's satellites by elevation (g_ix is sorted) and keep the top ones
        order = np.lexsort((-elev, g_ix))
        rank = np.arange(len(order)) - np.searchsorted(g_ix, g_ix[order])
        keep = np.empty(len(order), bool)
        keep[order] = (limit[order] == 0) | (rank < limit[order])
        g_ix, s_ix, rng, elev = g_ix[keep], s_ix[keep], rng[keep], elev[keep]
    return np.stack((g_ix, s_ix), axis=1), rng, elev
