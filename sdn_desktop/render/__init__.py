"""VisPy views of the network (no Qt imports): the globe scene used by the GUI, the recorder and the CLI."""

from .backend import ensure_backend, has_display, offscreen_app
from .view import GlobeView

__all__ = ["GlobeView", "ensure_backend", "has_display", "offscreen_app"]
