"""Scenario model and file format (pure data: no Qt, no VisPy)."""

from .files import atomic_output, atomic_write_bytes, atomic_write_text
from .io import (
    ScenarioError,
    json_schema,
    load_scenario,
    save_scenario,
    scenario_from_dict,
    scenario_to_json,
)
from .model import (
    FORMAT_VERSION,
    Constellation,
    Geodetic,
    Interop,
    IslPolicy,
    KillChain,
    Node,
    OmmSource,
    Physics,
    Scenario,
    TimeWindow,
    TleSource,
    WalkerSource,
    Waypoint,
)
from .omm import OmmFile, OmmRecord, read_omm_file
from .tle import TleFile, TleRecord, read_tle_file

__all__ = [
    "FORMAT_VERSION",
    "Constellation",
    "Geodetic",
    "Interop",
    "IslPolicy",
    "KillChain",
    "Node",
    "OmmFile",
    "OmmRecord",
    "OmmSource",
    "Physics",
    "Scenario",
    "ScenarioError",
    "TimeWindow",
    "TleFile",
    "TleRecord",
    "TleSource",
    "WalkerSource",
    "Waypoint",
    "atomic_output",
    "atomic_write_bytes",
    "atomic_write_text",
    "json_schema",
    "load_scenario",
    "read_omm_file",
    "read_tle_file",
    "save_scenario",
    "scenario_from_dict",
    "scenario_to_json",
]
