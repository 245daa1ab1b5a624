"""Satellites of a scenario: SGP4 models, names, plane/slot layout; vectorised propagation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from sgp4.api import WGS72, Satrec, SatrecArray
from sgp4.omm import initialize as omm_initialize

from ..scenario import (
    Constellation,
    OmmRecord,
    OmmSource,
    Scenario,
    TleRecord,
    TleSource,
    WalkerSource,
    read_omm_file,
    read_tle_file,
)
from .frames import JD_2433281_5, Epochs, teme_to_ecef

MU_KM3_S2 = 398600.8  # WGS72, as SGP4 uses
EARTH_RADIUS_WGS72_KM = 6378.135
SGP4_ERRORS = {
    1: "mean eccentricity out of range",
    2: "mean motion below zero",
    3: "perturbed eccentricity out of range",
    4: "semi-latus rectum below zero",
    6: "orbit decayed",
}


class SatelliteSourceError(Exception):
    """A constellation source that cannot be read; the message names the constellation and file."""


@dataclass
class SatelliteSet:
    """All satellites of a scenario in one array, constellation by constellation."""

    names: list[str] = field(default_factory=list)
    satrecs: list[Satrec] = field(default_factory=list)
    constellation: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # index per satellite
    plane: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    slot: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    ranges: list[range] = field(default_factory=list)  # satellites of each constellation
    warnings: list[str] = field(default_factory=list)
    _array: SatrecArray | None = None

    def __len__(self) -> int:
        return len(self.names)

    def propagate_teme(self, epochs: Epochs) -> tuple[np.ndarray, np.ndarray]:
        """TEME positions (km) ``(sats, times, 3)`` and SGP4 error codes ``(sats, times)``."""
        if not self.satrecs:
            return np.zeros((0, len(epochs), 3)), np.zeros((0, len(epochs)), np.uint8)
        if self._array is None:
            self._array = SatrecArray(self.satrecs)
        err, r, _ = self._array.sgp4(epochs.jd_utc, epochs.fr_utc)
        return r, err

    def propagate_ecef(self, epochs: Epochs) -> tuple[np.ndarray, np.ndarray]:
        """Earth-fixed positions (km) ``(sats, times, 3)``, NaN where SGP4 failed, and the error codes."""
        r, err = self.propagate_teme(epochs)
        ecef = teme_to_ecef(r, epochs.gmst_rad())
        ecef[err != 0] = np.nan
        return ecef, err


def _days_since_1949(t: datetime) -> float:
    return (t - JD_2433281_5).total_seconds() / 86400.0


def walker_satrecs(source: WalkerSource, epoch: datetime) -> tuple[list[Satrec], np.ndarray, np.ndarray]:
    """Circular SGP4 satellites of a Walker delta or star pattern i:T/P/F at ``epoch``."""
    if source.mean_motion_rev_per_day is not None:
        n_rad_min = source.mean_motion_rev_per_day * 2 * math.pi / 1440.0
    else:
        a = EARTH_RADIUS_WGS72_KM + source.altitude_km
        n_rad_min = math.sqrt(MU_KM3_S2 / a**3) * 60.0
    spread = source.raan_spread_deg or (360.0 if source.pattern == "delta" else 180.0)
    planes, per_plane = source.planes, source.sats_per_plane
    total = planes * per_plane
    sats, plane_ix, slot_ix = [], [], []
    for p in range(planes):
        raan = (source.raan_offset_deg + p * spread / planes) % 360.0
        for s in range(per_plane):
            u = (s * 360.0 / per_plane + p * source.phasing * 360.0 / total) % 360.0
            sat = Satrec()
            sat.sgp4init(
                WGS72, "i", len(sats) + 1, _days_since_1949(epoch), 0.0, 0.0, 0.0, 0.0, 0.0,
                math.radians(source.inclination_deg), math.radians(u), n_rad_min, math.radians(raan),
            )  # fmt: skip
            sats.append(sat)
            plane_ix.append(p)
            slot_ix.append(s)
    return sats, np.array(plane_ix), np.array(slot_ix)


def _orbit_angles(r: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RAAN and argument of latitude (degrees) of TEME state vectors."""
    h = np.cross(r, v)
    raan = np.arctan2(h[:, 0], -h[:, 1])
    node = np.stack((np.cos(raan), np.sin(raan), np.zeros_like(raan)), axis=-1)
    hn = np.cross(h / np.linalg.norm(h, axis=1)[:, None], node)
    u = np.arctan2(np.einsum("ij,ij->i", r, hn), np.einsum("ij,ij->i", r, node))
    return np.degrees(raan) % 360.0, np.degrees(u) % 360.0


def infer_layout(
    raan_deg: np.ndarray, u_deg: np.ndarray, tolerance_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """Planes = RAAN clusters separated by gaps above ``tolerance_deg``; slots by argument of latitude."""
    n = len(raan_deg)
    plane = np.zeros(n, int)
    slot = np.zeros(n, int)
    if n == 0:
        return plane, slot
    order = np.argsort(raan_deg)
    sorted_raan = raan_deg[order]
    gaps = np.diff(np.r_[sorted_raan, sorted_raan[0] + 360.0])
    cuts = np.flatnonzero(gaps > tolerance_deg)
    if len(cuts) == 0:
        labels = np.zeros(n, int)
    else:
        # start the first plane just after the largest gap, so a plane never straddles 0/360
        first = (cuts[np.argmax(gaps[cuts])] + 1) % n
        rolled = np.roll(np.arange(n), -first)
        boundaries = np.zeros(n, int)
        for c in cuts:
            boundaries[(c + 1 - first) % n] = 1
        boundaries[0] = 0
        labels = np.empty(n, int)
        labels[rolled] = np.cumsum(boundaries)
    plane[order] = labels
    for p in np.unique(plane):
        members = np.flatnonzero(plane == p)
        slot[members[np.argsort(u_deg[members])]] = np.arange(len(members))
    return plane, slot


def _file_error(constellation: Constellation, path: Path, reason: str) -> SatelliteSourceError:
    return SatelliteSourceError(f"constellation '{constellation.name}': source.path '{path}': {reason}")


@dataclass
class _SourceFile:
    """The entries read from a TLE or OMM constellation's file, before any SGP4 model is built."""

    constellation: Constellation
    path: Path
    records: list[TleRecord] | list[OmmRecord]
    warnings: list[str]


def _read_source(constellation: Constellation, base_dir: Path) -> _SourceFile:
    source: TleSource = constellation.source
    path = (base_dir / source.path).absolute()  # resolve() raises on a symlink loop; the read reports it
    omm = isinstance(source, OmmSource)
    try:
        read = read_omm_file(path) if omm else read_tle_file(path)
    except OSError as err:
        raise _file_error(
            constellation, path, "file not found" if isinstance(err, FileNotFoundError) else str(err)
        ) from None
    if omm and read.problem:
        raise _file_error(constellation, path, read.problem)
    if not read.records:
        raise _file_error(constellation, path, f"no valid {'OMM' if omm else 'TLE'} entries")
    warnings = [f"constellation '{constellation.name}': skipped {s}" for s in read.skipped]
    return _SourceFile(constellation, path, read.records, warnings)


def _omm_satrecs(file: _SourceFile) -> tuple[list[Satrec], list[str]]:
    sats, names = [], []
    for rec in file.records:
        sat = Satrec()
        try:
            omm_initialize(sat, rec.fields, WGS72)
        except (ValueError, RuntimeError) as err:
            file.warnings.append(
                f"constellation '{file.constellation.name}': skipped {file.path.name}: {rec.where}: {err}"
            )
            continue
        sats.append(sat)
        names.append(rec.name)
    if not sats:
        raise _file_error(file.constellation, file.path, "no valid OMM entries")
    return sats, names


def file_satrecs(
    file: _SourceFile, start: datetime
) -> tuple[list[Satrec], list[str], np.ndarray, np.ndarray, list[str]]:
    """Satellites of a TLE or OMM source, their names, plane/slot layout and warnings."""
    constellation, source = file.constellation, file.constellation.source
    if isinstance(source, OmmSource):
        sats, names = _omm_satrecs(file)
    else:
        sats = [Satrec.twoline2rv(rec.line1, rec.line2, WGS72) for rec in file.records]
        names = [rec.name for rec in file.records]
    warnings = file.warnings
    for sat, name in zip(sats, names, strict=True):
        days = abs(_days_since_1949(start) - (sat.jdsatepoch + sat.jdsatepochF - 2433281.5))
        if days > 30:
            warnings.append(
                f"constellation '{constellation.name}': '{name}' is propagated {days:.0f} days "
                "from its element-set epoch; positions degrade"
            )
    n = len(sats)
    if source.layout == "file_order":
        per_plane = math.ceil(n / source.planes)
        plane, slot = np.arange(n) // per_plane, np.arange(n) % per_plane
        return sats, names, plane, slot, warnings
    epochs = Epochs(start, np.zeros(1))
    err, r, v = SatrecArray(sats).sgp4(epochs.jd_utc, epochs.fr_utc)
    r, v = r[:, 0], v[:, 0]
    bad = err[:, 0] != 0
    r[bad], v[bad] = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)  # placed anywhere; they are inactive at the start
    raan, u = _orbit_angles(r, v)
    plane, slot = infer_layout(raan, u, source.plane_tolerance_deg)
    return sats, names, plane, slot, warnings


def build_satellites(scenario: Scenario, base_dir: Path) -> SatelliteSet:
    """Every satellite of ``scenario``. TLE and OMM files are read first, the scenario's work limits
    checked after each (LimitError) and so before any SGP4 model is built."""
    files: dict[int, _SourceFile] = {}
    for index, c in enumerate(scenario.constellations):
        if not isinstance(c.source, WalkerSource):
            files[index] = _read_source(c, base_dir)
            scenario.check_work({i: len(file.records) for i, file in files.items()})
    out = SatelliteSet()
    start = scenario.time.start
    consts, planes, slots = [], [], []
    for ci, c in enumerate(scenario.constellations):
        if isinstance(c.source, WalkerSource):
            sats, plane, slot = walker_satrecs(c.source, start)
            names = [f"{c.name} P{p:02d}S{s:02d}" for p, s in zip(plane, slot, strict=True)]
        else:
            sats, names, plane, slot, warnings = file_satrecs(files[ci], start)
            out.warnings += warnings
        first = len(out.names)
        taken = set(out.names)
        out.names += [n if n not in taken else f"{c.name}/{n}" for n in names]
        out.satrecs += sats
        out.ranges.append(range(first, first + len(sats)))
        consts.append(np.full(len(sats), ci))
        planes.append(plane)
        slots.append(slot)
    if consts:
        out.constellation = np.concatenate(consts)
        out.plane = np.concatenate(planes)
        out.slot = np.concatenate(slots)
    return out
