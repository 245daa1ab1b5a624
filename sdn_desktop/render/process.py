"""The globe drawn in a child Python process, for the app.

Software OpenGL takes 50-250 ms a frame at 10,000 satellites, and VisPy's Python (scene graph,
transforms, GL command queue) runs for much of it. In a thread of the app that Python holds the
interpreter lock against the GUI thread; in a child it holds nothing of the app's. The child is a
fresh interpreter drawing off-screen with EGL; it builds no ``Network``: the scenario comes with the
``NetworkLayout`` the engine process made of it.

It serves ``GlobeService`` through the protocol of ``child_process``: ``draw`` takes the whole
``GlobeState``, optionally a new scenario and a new snapshot, and the camera input since the last
frame (``Input``), draws, and answers the frame (``DrawnPixels``). A step that fails is reported in
the frame's ``errors`` and the others go on. While no request waits, the child rasterises label
glyphs ahead of need.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from ..child_process import ChildError, ChildProcess, Service
from ..child_process import serve as serve_service
from ..engine import Snapshot
from ..engine.layout import NetworkLayout
from ..scenario import Scenario
from .projection import ScreenProjection
from .state import CameraPose, GlobeState

MODIFIER_NAMES = ("SHIFT", "CONTROL", "ALT", "META")
GLYPH_SLICE_S = 0.02  # label glyphs are built ahead of need in slices this long while idle


class GlobeProcessError(ChildError):
    """The globe process could not start, or stopped."""


@dataclass(frozen=True)
class Input:
    """Camera input: ``kind`` "mouse" (``action`` press/move/release/double_click), "wheel", or
    "advance" (an orbiting camera moves on by ``dt_s``); ``event`` holds VisPy's event keywords."""

    kind: str
    action: str = ""
    event: dict = field(default_factory=dict)
    dt_s: float = 0.0


@dataclass(frozen=True)
class DrawnPixels:
    """One frame: RGBA rows, the camera it was drawn with, and the steps that failed (the map
    process answers its ``MapProjection`` and camera rectangle in the same places)."""

    rgba: bytes
    width: int
    height: int
    projection: ScreenProjection
    camera: CameraPose
    errors: list[str] = field(default_factory=list)


class GlobeProcess(ChildProcess):
    """A GlobeView in a child process: ``draw(state, ...)`` shows that there and returns the frame."""

    error = GlobeProcessError
    module = "sdn_desktop.render.process"  # whose ``serve`` the child runs

    def __init__(self, size: tuple[int, int] = (1280, 720)):
        super().__init__(self.module, f"{int(size[0])}x{int(size[1])}")

    def draw(
        self,
        state: GlobeState,
        inputs: list[Input] = (),
        scene: tuple[Scenario, NetworkLayout] | None = None,
        snapshot: Snapshot | None = None,
    ) -> DrawnPixels:
        return self.call("draw", state, list(inputs), scene=scene, snapshot=snapshot)


class ViewService(Service):
    """A child's side drawing one view off-screen (``view``: a GlobeView, or a MapView for the map
    process): each ``draw`` applies the state, scenario, snapshot and input it brings, then renders."""

    def __init__(self, view):
        super().__init__()
        self.view = view

    def draw(self, state: GlobeState, inputs: list[Input], scene=None, snapshot=None) -> DrawnPixels:
        view, errors = self.view, []
        steps = [
            ("scenario", scene is not None, lambda: view.set_scenario(*scene)),
            ("state", True, lambda: view.apply(state)),
            ("snapshot", snapshot is not None, lambda: view.update(snapshot)),
            *(("input", True, lambda i=i: self._input(i)) for i in inputs),
        ]
        for name, due, step in steps:
            if due:
                try:
                    step()
                except Exception as err:
                    errors.append(f"{name}: {type(err).__name__}: {err}")
        try:
            rgba = np.ascontiguousarray(view.render())
        except Exception as err:
            errors.append(f"drawing: {type(err).__name__}: {err}")
            rgba = np.zeros((view.canvas.size[1], view.canvas.size[0], 4), np.uint8)
        height, width = rgba.shape[:2]
        return DrawnPixels(rgba.tobytes(), width, height, view.projection(), view.camera_pose(), errors)

    def _input(self, event: Input) -> None:
        view = self.view
        if event.kind == "advance":
            view.advance_camera(event.dt_s)
            return
        if event.kind not in ("mouse", "wheel"):
            raise ValueError(f"no such input {event.kind!r}")
        kwargs = {**event.event, "modifiers": _modifiers(event.event["modifiers"])}
        if event.kind == "mouse":
            getattr(view.canvas._backend, f"_vispy_mouse_{event.action}")(**kwargs)
        else:
            view.canvas.events.mouse_wheel(**kwargs)


class GlobeService(ViewService):
    """The globe process's side: one GlobeView drawing off-screen."""

    def __init__(self, size: tuple[int, int]):
        from .backend import offscreen_app
        from .view import GlobeView

        super().__init__(GlobeView(size=size, app=offscreen_app()))

    def idle(self) -> bool:
        return self.view.warm_glyphs(GLYPH_SLICE_S)


def serve() -> None:
    """The child's loop (``python -c "...render.process import serve; serve()" WxH``)."""
    size = tuple(int(v) for v in sys.argv[1].split("x"))
    serve_service(lambda: GlobeService(size))


def _modifiers(names: tuple[str, ...]) -> tuple:
    from vispy.util import keys

    return tuple(getattr(keys, name) for name in names if name in MODIFIER_NAMES)
