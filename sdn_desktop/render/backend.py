"""Which VisPy application draws the globe: EGL off-screen wherever the system has it."""

from __future__ import annotations

import os


def offscreen_app():
    """VisPy's EGL application: canvases drawn off-screen, in any thread, with or without a display
    (Mesa's surfaceless platform). Raises RuntimeError (with EGL's reason) where EGL is missing."""
    from vispy.app import Application

    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    return Application("egl")


def canvas_app():
    """The application a GlobeView draws with by default: EGL where available, else VisPy's default
    (a hidden window canvas, which needs a display)."""
    try:
        return offscreen_app()
    except RuntimeError:
        return None
