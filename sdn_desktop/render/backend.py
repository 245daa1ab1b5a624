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


def render_at(canvas, size: tuple[int, int] | None, lay_out, before_draw):
    """``canvas.render()`` as ``(H, W, 4)`` RGBA, at the canvas size or at ``size`` (W, H): the scene
    laid out for that size by ``lay_out(size)`` and drawn into a region of the canvas, which keeps
    its own size (and its widget, if any, is not resized)."""
    if size is None or tuple(size) == tuple(canvas.size):
        before_draw()
        return canvas.render()
    width, height = int(size[0]), int(size[1])
    lay_out((width, height))
    try:
        before_draw()
        physical_height = canvas.physical_size[1]
        return canvas.render(region=(0, physical_height - height, width, height), size=(width, height))
    finally:
        lay_out(canvas.size)
