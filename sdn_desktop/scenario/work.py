"""The work a scenario asks for with its TLE and OMM files counted, checked before any engine starts.

A scenario file alone gives the satellites of its Walker shells; a TLE or OMM constellation shows its
size only once its file is read. ``check_scenario_work`` reads (and counts) those files and applies
every limit of scenario/limits.py to the whole scenario. Counts are kept while a file is unchanged
(same size and modification time), so checking every edit costs a ``stat`` per file.
"""

from __future__ import annotations

import os
from pathlib import Path

from .files import OverLimitFile
from .io import named_path
from .limits import LimitError
from .model import OmmSource, Scenario, TleSource, WalkerSource
from .omm import read_omm_file
from .tle import read_tle_file

_entries: dict[tuple, int] = {}  # (path, kind, size, mtime) -> entries read


def file_entries(source: TleSource, base_dir: Path) -> int | None:
    """Satellites in the file of a TLE or OMM source (``source.path`` relative to ``base_dir``);
    None if it cannot be read (the engine says why when it reads it). A file over a file limit
    raises LimitError at ``source.path``."""
    path = Path(base_dir, source.path).absolute()
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    key = (str(path), source.kind, info.st_size, info.st_mtime_ns)
    if key not in _entries:
        try:
            if isinstance(source, OmmSource):
                omm = read_omm_file(path)
                _entries[key] = 0 if omm.problem else len(omm.records)
            else:
                _entries[key] = len(read_tle_file(path).records)
        except OverLimitFile as err:
            raise LimitError(f"{source.path} {err}", ("source", "path")) from None
        except OSError:
            return None
    return _entries[key]


def check_scenario_work(scenario: Scenario, base_dir: Path) -> None:
    """Every work limit for ``scenario`` with the satellites of its TLE and OMM files (relative paths
    from ``base_dir``); raises LimitError whose ``loc`` is the scenario field to change."""
    counts = {}
    for index, constellation in enumerate(scenario.constellations):
        if isinstance(constellation.source, WalkerSource):
            continue
        try:
            count = file_entries(constellation.source, base_dir)
        except LimitError as err:
            raise LimitError(str(err), ("constellations", index, *err.loc)) from None
        if count is not None:
            counts[index] = count
    scenario.check_work(counts)


def work_problem(scenario: Scenario, base_dir: Path) -> str | None:
    """The problem ``check_scenario_work`` finds, as a "field.path: message" line naming the object
    (as ScenarioError and EditError give them), or None."""
    try:
        check_scenario_work(scenario, base_dir)
    except LimitError as err:
        return f"{named_path(err.loc, scenario.model_dump(mode='json'))}: {err}"
    return None
