"""VisPy views of the network (no Qt imports): the globe scene used by the GUI, the recorder and the CLI."""

from .backend import canvas_app, offscreen_app
from .view import GlobeView

__all__ = ["GlobeView", "canvas_app", "offscreen_app"]
