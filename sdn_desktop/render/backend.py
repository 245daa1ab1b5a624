"""Choose VisPy's application backend before the first canvas exists."""

from __future__ import annotations

import os
import sys


def has_display() -> bool:
    """True where a window system is reachable (always outside Linux/BSD)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def ensure_backend() -> None:
    """Without a display, render off-screen with EGL (Mesa's surfaceless platform).

    Must run before the first canvas is created; it does nothing when VisPy already has an
    application or a display exists (VisPy then picks its usual backend, e.g. PySide6).
    """
    if has_display():
        return
    from vispy.app import _default_app

    if _default_app.default_app is not None:
        return
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    import vispy

    vispy.use(app="egl")


def offscreen_app():
    """VisPy's EGL application, for canvases drawn off-screen in any thread, display or not.

    Raises RuntimeError (with EGL's reason) where EGL is missing.
    """
    from vispy.app import Application

    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    return Application("egl")
