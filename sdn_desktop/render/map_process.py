"""The 2D map drawn in a child Python process of its own, for the app's map dock.

Why its own process and not the globe's: the two views then draw at the same time on two cores, a
map that fails or dies leaves the globe drawing (and the other way round), and each child keeps one
canvas and one GL context. Like the globe process it is a fresh interpreter drawing off-screen with
EGL, and it builds no ``Network``: the scenario comes with the engine's ``NetworkLayout``. The
satellites whose ground tracks (or debris) are drawn are propagated here from the scenario's
elements (``engine.tracks.track_source``, built the first time one is asked for).

It serves ``MapService`` through the protocol of ``child_process``, with the globe's request: ``draw``
takes the whole ``MapState``, optionally a new scenario and snapshot, and the mouse input since the
last frame (pan with a drag, zoom with the wheel, kept within the map), and answers the frame
(``DrawnPixels`` carrying the ``MapProjection`` and the camera rectangle).
"""

from __future__ import annotations

import sys

from ..child_process import serve as serve_service
from .process import GlobeProcess, Input, ViewService


class MapProcess(GlobeProcess):
    """A MapView in a child process: ``draw(state, ...)`` with a ``MapState`` shows that there and
    returns the frame (its failures are ``GlobeProcessError``s, handled as the globe's are)."""

    module = "sdn_desktop.render.map_process"


class MapService(ViewService):
    """The map process's side: one MapView drawing off-screen."""

    def __init__(self, size: tuple[int, int]):
        from .backend import offscreen_app
        from .map_view import MapView

        super().__init__(MapView(size=size, app=offscreen_app()))

    def _input(self, event: Input) -> None:
        super()._input(event)
        self.view.clamp_camera()


def serve() -> None:
    """The child's loop (``python -c "...render.map_process import serve; serve()" WxH``)."""
    size = tuple(int(v) for v in sys.argv[1].split("x"))
    serve_service(lambda: MapService(size))
