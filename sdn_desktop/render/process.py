"""The globe drawn in a child Python process, for the app.

Software OpenGL takes 50-250 ms a frame at 10,000 satellites, and VisPy's Python (scene graph,
transforms, GL command queue) runs for much of it. In a thread of the app that Python holds the
interpreter lock against the GUI thread; in a child it holds nothing of the app's. The child is a
fresh interpreter drawing off-screen with EGL; it builds its own ``Network`` from each scenario
(reusing propagated satellites, as the engine process does).

Messages are pickles on its stdin/stdout. After starting, the child answers ``("ready",)``, or
``("error", why)`` where it cannot draw. Then each request is a batch, a list of calls
``(name, args)``: a GlobeView method, ``"scenario"`` with ``(scenario, base_dir)``, or ``"mouse"`` /
``"wheel"`` camera input. The child makes the calls in order, draws, and answers
``("frame", DrawnPixels)``. A failing call is reported in the frame's ``errors`` and the rest go on.
"""

from __future__ import annotations

import pickle
import select
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..child_process import ChildStopped, PickleChild, answer, child_streams
from .projection import ScreenProjection

Call = tuple[str, tuple]
VIEW_METHODS = {
    "update", "set_layer_visible", "set_frame", "set_selection", "set_camera_mode", "advance_camera",
    "reset_camera", "resize", "set_overlay",
}  # fmt: skip
MODIFIER_NAMES = ("SHIFT", "CONTROL", "ALT", "META")
GLYPH_SLICE_S = 0.02  # label glyphs are built ahead of need in slices this long while idle


class GlobeProcessError(ChildStopped):
    """The globe process could not start, or stopped."""


@dataclass(frozen=True)
class DrawnPixels:
    """One frame: RGBA rows, the camera it was drawn with, and the calls that failed."""

    rgba: bytes
    width: int
    height: int
    projection: ScreenProjection
    azimuth_deg: float
    errors: list[str] = field(default_factory=list)


class GlobeProcess(PickleChild):
    """A GlobeView in a child process: ``draw(calls)`` applies them there and returns the frame."""

    error = GlobeProcessError

    def __init__(self, size: tuple[int, int] = (1280, 720)):
        super().__init__("sdn_desktop.render.process", f"{int(size[0])}x{int(size[1])}")
        self.started = False

    def start(self) -> None:
        """Wait until the child can draw; raises GlobeProcessError with its reason if it cannot."""
        if not self.started:
            self.read()
            self.started = True

    def draw(self, calls: list[Call]) -> DrawnPixels:
        self.start()
        self.send(calls)
        return self.read()[1]


def serve() -> None:
    """The child's loop (``python -c "...render.process import serve; serve()" WxH``)."""
    requests, answers = child_streams()
    try:
        view = _start_view(tuple(int(v) for v in sys.argv[1].split("x")))
    except Exception as err:  # no EGL, say: the parent shows why
        answer(answers, ("error", f"{type(err).__name__}: {err}"))
        return
    answer(answers, ("ready",))
    network = None
    while True:
        _warm_glyphs_until_asked(view, requests)
        try:
            calls = pickle.load(requests)
        except EOFError:
            return
        errors = []
        for name, args in calls:
            try:
                network = _call(view, network, name, args)
            except Exception as err:
                errors.append(f"{name}: {type(err).__name__}: {err}")
        try:
            rgba = np.ascontiguousarray(view.render())
        except Exception as err:
            errors.append(f"drawing: {type(err).__name__}: {err}")
            rgba = np.zeros((view.canvas.size[1], view.canvas.size[0], 4), np.uint8)
        height, width = rgba.shape[:2]
        frame = DrawnPixels(
            rgba.tobytes(), width, height, view.projection(), float(view.camera.azimuth), errors
        )
        try:
            answer(answers, ("frame", frame))
        except BrokenPipeError:
            return


def _start_view(size: tuple[int, int]):
    from .backend import offscreen_app
    from .view import GlobeView

    return GlobeView(size=size, app=offscreen_app())


def _call(view, network, name: str, args: tuple):
    """Make one call on ``view``; returns the Network the view now shows."""
    if name == "scenario":
        from ..engine import Network

        scenario, base_dir = args
        network = Network(scenario, Path(base_dir), previous=network)
        view.set_scenario(scenario, network)
    elif name == "mouse":
        action, kwargs = args
        kwargs = {**kwargs, "modifiers": _modifiers(kwargs["modifiers"])}
        getattr(view.canvas._backend, f"_vispy_mouse_{action}")(**kwargs)
    elif name == "wheel":
        (kwargs,) = args
        view.canvas.events.mouse_wheel(**{**kwargs, "modifiers": _modifiers(kwargs["modifiers"])})
    elif name in VIEW_METHODS:
        getattr(view, name)(*args)
    else:
        raise ValueError(f"no such globe call {name!r}")
    return network


def _modifiers(names: tuple[str, ...]) -> tuple:
    from vispy.util import keys

    return tuple(getattr(keys, name) for name in names if name in MODIFIER_NAMES)


def _warm_glyphs_until_asked(view, requests) -> None:
    """While no request is waiting, rasterise label glyphs ahead of need (a slice at a time)."""
    fd = requests.fileno()
    while not select.select([fd], [], [], 0)[0] and view.warm_glyphs(GLYPH_SLICE_S):
        pass
