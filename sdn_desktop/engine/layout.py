"""``NetworkLayout``: what views need of a compiled ``Network`` (names, constellations, planes, slots),
as a small picklable value, so the engine process sends it and nobody else builds the Network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .network import Network


@dataclass(frozen=True)
class SatelliteLayout:
    """Every satellite of the network, constellation by constellation (as ``Network.sats``)."""

    names: tuple[str, ...]
    constellation: np.ndarray  # constellation index of each satellite
    plane: np.ndarray
    slot: np.ndarray
    ranges: tuple[range, ...]  # the satellites of each constellation

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int | None:
        """The index of the satellite called ``name``, if there is one."""
        return self.names.index(name) if name in self.names else None


@dataclass(frozen=True)
class NetworkLayout:
    """The structure of a scenario's network: which satellites and nodes exist and how they link."""

    base_dir: Path
    sats: SatelliteLayout
    node_names: tuple[str, ...]
    has_isl: bool  # some constellation links its own satellites
    cross_constellations: tuple[tuple[int, int], ...]  # constellation pairs with cross-vendor links
    warnings: tuple[str, ...] = ()


def network_layout(network: Network) -> NetworkLayout:
    sats = network.sats
    return NetworkLayout(
        base_dir=network.base_dir,
        sats=SatelliteLayout(
            tuple(sats.names), np.asarray(sats.constellation), np.asarray(sats.plane),
            np.asarray(sats.slot), tuple(sats.ranges),
        ),  # fmt: skip
        node_names=tuple(network.node_names),
        has_isl=len(network.isl_pairs) > 0,
        cross_constellations=tuple((int(a), int(b)) for a, b in network.cross_constellations),
        warnings=tuple(network.warnings),
    )
