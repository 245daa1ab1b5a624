"""Interchange (no Qt): the scenario as CZML for Cesium, its mean elements as TLE or CCSDS OMM."""

from .czml import FRAMES, LINK_KINDS, scenario_czml
from .elements import OMM_FORMS, ElementSet, ExportError, omm_text, scenario_element_sets, tle_text

__all__ = [
    "FRAMES",
    "LINK_KINDS",
    "OMM_FORMS",
    "ElementSet",
    "ExportError",
    "omm_text",
    "scenario_czml",
    "scenario_element_sets",
    "tle_text",
]
