"""``GlobeState``: everything the user chose about the globe's view, as one frozen value (no VisPy).

A ``GlobeView`` applies a state whole (``GlobeView.apply``); the app's globe widget keeps the current
one, sends it with every batch to the globe process, and gives it to a new globe process when the
last one died. Changing the view means making a new state: ``state.with_layer("isl", False)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..scenario import Scenario
from .geometry import direction_lat_lon, turntable_angles

FRAMES = ("earth_fixed", "inertial")
CAMERA_MODES = ("fixed", "orbit", "follow")
TARGET_KINDS = ("satellite", "node")
OVERLAY_PARTS = ("time", "latencies", "legend")
DEFAULT_DISTANCE = 18.0  # turntable scale factor: the globe and LEO shells fill about 85 % of the height

Target = tuple[str, int]  # ("satellite", index) or ("node", index)
TargetLink = tuple[Target, Target]  # a link between two satellites or nodes


@dataclass(frozen=True)
class CameraPose:
    """Where the turntable camera is: angles in degrees, distance (VisPy's scale factor) and centre in
    scene units."""

    azimuth_deg: float
    elevation_deg: float
    distance: float = DEFAULT_DISTANCE
    center: tuple[float, float, float] = (0.0, 0.0, 0.0)


def default_camera(scenario: Scenario | None) -> CameraPose:
    """Looking from the default distance at the Earth-fixed direction of the scenario's nodes (their
    start positions; 20 N, 0 E without nodes)."""
    lat, lon = 20.0, 0.0
    if scenario is not None and scenario.nodes:
        units = []
        for node in scenario.nodes:
            where = node.position or node.waypoints[0]
            phi, lam = np.radians(where.lat_deg), np.radians(where.lon_deg)
            units.append((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))
        lat, lon = direction_lat_lon(np.mean(units, axis=0))
    azimuth, elevation = turntable_angles(float(np.clip(lat, -60, 60)), lon)
    return CameraPose(azimuth, elevation)


@dataclass(frozen=True)
class GlobeState:
    """The view of the globe: layers, frame, overlay, camera and selection, and the canvas size.

    ``camera``: the camera's pose (None: the default view of the scenario, at the first frame).
    ``hidden_layers``: names of the layers switched off (every other layer is shown).
    ``critical``: the critical satellites and nodes of a resilience study, most critical first within
    each kind (drawn with their rank); ``critical_links``: its critical links.
    """

    hidden_layers: frozenset[str] = frozenset()
    frame: str = "earth_fixed"
    overlay: frozenset[str] = field(default_factory=lambda: frozenset(OVERLAY_PARTS))  # parts shown
    camera_mode: str = "fixed"
    camera_target: Target | None = None  # what "follow" follows
    selection: Target | None = None  # the object ringed on the globe
    size: tuple[int, int] = (1280, 720)
    camera: CameraPose | None = None
    critical: tuple[Target, ...] = ()
    critical_links: tuple[TargetLink, ...] = ()

    def __post_init__(self):
        if self.frame not in FRAMES:
            raise ValueError(f"frame must be one of {FRAMES}, got {self.frame!r}")
        if self.camera_mode not in CAMERA_MODES:
            raise ValueError(f"camera mode must be one of {CAMERA_MODES}, got {self.camera_mode!r}")
        if (self.camera_mode == "follow") != (self.camera_target is not None):
            raise ValueError(
                f"follow needs a target ('satellite'|'node', index), and only follow has one: "
                f"got {self.camera_target!r}"
            )
        for target in (self.camera_target, self.selection, *self.critical, *_ends(self.critical_links)):
            if target is not None and (len(target) != 2 or target[0] not in TARGET_KINDS):
                raise ValueError(f"a target is ('satellite'|'node', index), got {target!r}")
        if not self.overlay <= set(OVERLAY_PARTS):
            raise ValueError(f"overlay parts are {OVERLAY_PARTS}, got {sorted(self.overlay)}")
        width, height = self.size
        if width < 1 or height < 1:
            raise ValueError(f"size must be at least 1 x 1 pixels, got {self.size}")
        object.__setattr__(self, "size", (int(width), int(height)))
        for name in ("camera_target", "selection"):
            target = getattr(self, name)
            if target is not None:
                object.__setattr__(self, name, (str(target[0]), int(target[1])))
        object.__setattr__(self, "critical", tuple(_target(t) for t in self.critical))
        links = tuple((_target(a), _target(b)) for a, b in self.critical_links)
        object.__setattr__(self, "critical_links", links)

    # ------------------------------------------------------------------ new states
    def with_layer(self, name: str, visible: bool) -> GlobeState:
        hidden = self.hidden_layers - {name} if visible else self.hidden_layers | {name}
        return replace(self, hidden_layers=frozenset(hidden))

    def with_overlay(self, time: bool = True, latencies: bool = True, legend: bool = True) -> GlobeState:
        parts = {"time": time, "latencies": latencies, "legend": legend}
        return replace(self, overlay=frozenset(name for name, shown in parts.items() if shown))

    def with_camera_mode(self, mode: str, target: Target | None = None) -> GlobeState:
        return replace(self, camera_mode=mode, camera_target=target if mode == "follow" else None)

    def layer_visible(self, name: str) -> bool:
        return name not in self.hidden_layers

    # ------------------------------------------------------------------ targets in a scenario
    def check_targets(self, counts: dict[str, int]) -> None:
        """Raise ValueError when the selection or the followed object is not among ``counts``
        (satellites and nodes of the scenario shown)."""
        named = [("follow", self.camera_target), ("selection", self.selection)]
        named += [("critical", target) for target in (*self.critical, *_ends(self.critical_links))]
        for what, target in named:
            if not _present(target, counts):
                raise ValueError(f"{what}: no {target[0]} with index {target[1]} in the scenario")

    def fitted(self, counts: dict[str, int]) -> GlobeState:
        """This state for another scenario: a selection, followed or critical object it lacks is dropped."""
        state = self if _present(self.selection, counts) else replace(self, selection=None)
        state = replace(
            state,
            critical=tuple(t for t in state.critical if _present(t, counts)),
            critical_links=tuple(
                link for link in state.critical_links if all(_present(t, counts) for t in link)
            ),
        )
        return state if _present(state.camera_target, counts) else state.with_camera_mode("fixed")


def _target(target) -> Target:
    return (str(target[0]), int(target[1]))


def _ends(links: tuple[TargetLink, ...]) -> list[Target]:
    return [end for link in links for end in link]


def _present(target: Target | None, counts: dict[str, int]) -> bool:
    """No target, or one that exists among ``counts`` objects of its kind."""
    return target is None or 0 <= target[1] < counts.get(target[0], 0)
