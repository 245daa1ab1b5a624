"""The 3D view in the window: a GlobeView drawn off-screen in its own thread, shown as an image.

Software OpenGL takes 50-250 ms to draw 10,000 satellites; drawn in the GUI thread, every frame
would freeze the window that long. Here the GUI thread only queues commands (scenario, snapshot,
layers, camera input) and paints the newest finished frame. The render thread applies the queued
commands, draws, and publishes the frame with its ``ScreenProjection``, so clicks are picked on what
the user sees. Its OpenGL calls run without Python's GIL, so the GUI thread keeps running meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, QThread, Signal, Slot
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QWidget
from vispy.util import keys

from ..engine import Network, Snapshot
from ..render import GlobeView, offscreen_app
from ..render.projection import ScreenProjection
from ..scenario import Scenario
from .garbage import collect_garbage_in_gui_thread

log = logging.getLogger(__name__)
# VisPy keeps process-wide state that is not thread-safe (object ids, FreeType faces): the render
# threads of several windows take turns.
VISPY_LOCK = threading.Lock()
Command = Callable[[GlobeView], None]
BUTTONS = {
    Qt.MouseButton.LeftButton: 1,
    Qt.MouseButton.RightButton: 2,
    Qt.MouseButton.MiddleButton: 3,
}
MODIFIERS = (
    (Qt.KeyboardModifier.ShiftModifier, keys.SHIFT),
    (Qt.KeyboardModifier.ControlModifier, keys.CONTROL),
    (Qt.KeyboardModifier.AltModifier, keys.ALT),
    (Qt.KeyboardModifier.MetaModifier, keys.META),
)
BACKGROUND = QColor("#05070d")
GLYPH_SLICE_S = 0.004  # label glyphs are built in idle slices this long (each holds the GIL)


@dataclass(frozen=True)
class DrawnFrame:
    """A finished picture, the camera it was drawn with, and that camera's turntable azimuth."""

    image: QImage
    projection: ScreenProjection
    azimuth_deg: float


class GlobeRenderer(QObject):
    """Lives in the render thread: owns the GlobeView, applies commands, draws when something changed."""

    frame_ready = Signal()  # the newest frame is in ``take_frame``
    wake = Signal()  # commands are waiting (emitted from the GUI thread, queued to this one)
    close_requested = Signal()

    def __init__(self, app, size: tuple[int, int]):
        super().__init__()
        self._app = app
        self._size = size
        self._view: GlobeView | None = None
        self._lock = threading.Lock()
        self._commands: list[tuple[str, Command]] = []
        self._frame: DrawnFrame | None = None
        self.busy = False  # commands queued or being drawn (read by the GUI thread)
        self.wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        self.close_requested.connect(self._close, Qt.ConnectionType.BlockingQueuedConnection)

    def post(self, kind: str, command: Command) -> None:
        """Queue ``command`` (any thread). Consecutive commands of kind "snapshot" or "move" collapse to
        the newest: only the last snapshot, or the last mouse position of a drag, needs drawing."""
        with self._lock:
            if kind in ("snapshot", "move") and self._commands and self._commands[-1][0] == kind:
                self._commands[-1] = (kind, command)
            else:
                self._commands.append((kind, command))
            first = len(self._commands) == 1
            self.busy = True
        if first:
            self.wake.emit()

    def idle(self) -> bool:
        """Nothing queued, nothing being drawn, and the last frame taken."""
        with self._lock:
            return not self.busy and self._frame is None

    def take_frame(self) -> DrawnFrame | None:
        with self._lock:
            frame, self._frame = self._frame, None
        return frame

    @Slot()
    def _drain(self) -> None:
        if self._view is None:
            with VISPY_LOCK:
                self._view = GlobeView(size=self._size, app=self._app)
        with self._lock:
            commands, self._commands = self._commands, []
        if not commands:  # idle: build label glyphs ahead of need, a slice at a time
            with VISPY_LOCK:
                more_glyphs = self._view.warm_glyphs(GLYPH_SLICE_S)
            if more_glyphs:
                self.wake.emit()
            return
        with VISPY_LOCK:
            frame = self._apply_and_draw(commands)
        with self._lock:
            self._frame = frame or self._frame
            self.busy = bool(self._commands)
        if frame is not None:
            self.frame_ready.emit()
        self.wake.emit()  # more commands, or idle work

    def _apply_and_draw(self, commands: list[tuple[str, Command]]) -> DrawnFrame | None:
        """Run the commands and draw; a failing command or draw is logged and the thread carries on."""
        view = self._view
        for kind, command in commands:
            try:
                command(view)
            except Exception:
                log.exception("globe: the %s command failed", kind)
        try:
            rgba = np.ascontiguousarray(view.render())
        except Exception:
            log.exception("globe: drawing failed")
            return None
        height, width = rgba.shape[:2]
        image = QImage(rgba.data, width, height, QImage.Format.Format_RGBA8888).copy()
        return DrawnFrame(image, view.projection(), float(view.camera.azimuth))

    @Slot()
    def _close(self) -> None:
        with VISPY_LOCK:
            if self._view is not None:
                self._view.canvas.close()
                self._view = None


class GlobeWidget(QWidget):
    """Shows the globe and forwards mouse input to its camera. Its methods mirror GlobeView's and
    return at once: the view catches up in the render thread. ``pick``/``latlon_at``/``project`` answer
    for the frame on screen."""

    frame_shown = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(400, 300)
        self.setMouseTracking(False)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.snapshot: Snapshot | None = None
        self.camera_mode = "fixed"
        self._camera_target: tuple[str, int] | None = None
        self.frame: DrawnFrame | None = None
        self.error = ""
        self._counts = {"satellite": 0, "node": 0}
        self._thread = QThread(self)
        self._thread.setObjectName("sdn-globe")
        self._renderer: GlobeRenderer | None = None
        try:
            app = offscreen_app()
        except RuntimeError as err:  # no EGL: the rest of the window still works
            self.error = f"The 3D view needs OpenGL through EGL, which is not available here: {err}"
            return
        collect_garbage_in_gui_thread()
        self._renderer = GlobeRenderer(app, (1280, 720))
        self._renderer.moveToThread(self._thread)
        self._renderer.frame_ready.connect(self._show_frame, Qt.ConnectionType.QueuedConnection)
        self._thread.start()

    # ------------------------------------------------------------------ GlobeView's methods
    def set_scenario(self, scenario: Scenario, network: Network) -> None:
        self._counts = {"satellite": len(network.sats), "node": len(scenario.nodes)}
        if self.camera_mode == "follow" and not self._valid_target(self._camera_target):
            self.camera_mode = "fixed"  # as the view does
        self._post("scenario", lambda v: v.set_scenario(scenario, network))

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._post("snapshot", lambda v: v.update(snapshot))

    def set_layer_visible(self, name: str, visible: bool) -> None:
        if name not in GlobeView.LAYERS:
            raise ValueError(f"layer must be one of {GlobeView.LAYERS}, got {name!r}")
        self._post("layer", lambda v: v.set_layer_visible(name, visible))

    def set_frame(self, frame: str) -> None:
        if frame not in GlobeView.FRAMES:
            raise ValueError(f"frame must be one of {GlobeView.FRAMES}, got {frame!r}")
        self._post("frame", lambda v: v.set_frame(frame))

    def set_selection(self, kind: str | None, index: int | None = None) -> None:
        if kind is not None and not self._valid_target((kind, index)):
            raise ValueError(f"no {kind} with index {index}")
        self._post("selection", lambda v: v.set_selection(kind, index))

    def set_camera_mode(self, mode: str, target: tuple[str, int] | None = None) -> None:
        if mode not in GlobeView.CAMERA_MODES:
            raise ValueError(f"camera mode must be one of {GlobeView.CAMERA_MODES}, got {mode!r}")
        if mode == "follow" and (target is None or not self._valid_target(tuple(target))):
            raise ValueError(
                f"follow needs a target ('satellite'|'node', index) in the scenario, got {target!r}"
            )
        self.camera_mode, self._camera_target = mode, target
        self._post("camera", lambda v: v.set_camera_mode(mode, target))

    def advance_camera(self, dt_s: float) -> None:
        self._post("camera", lambda v: v.advance_camera(dt_s))

    def reset_camera(self) -> None:
        self._post("camera", lambda v: v.reset_camera())

    def project(self, points_km: np.ndarray) -> np.ndarray:
        """Pixel positions of Earth-fixed points in the frame on screen (NaN where not visible)."""
        if self.frame is None:
            return np.full((len(np.asarray(points_km).reshape(-1, 3)), 2), np.nan)
        return self.frame.projection.project(points_km)

    def pick(self, x: float, y: float) -> tuple[str, int] | None:
        return (
            self.frame.projection.pick(x, y) if self.frame is not None and self.snapshot is not None else None
        )

    def latlon_at(self, x: float, y: float) -> tuple[float, float] | None:
        return self.frame.projection.latlon_at(x, y) if self.frame is not None else None

    def is_idle(self) -> bool:
        """True when every queued command has been drawn and is on screen."""
        return self._renderer is None or self._renderer.idle()

    def image(self) -> np.ndarray:
        """The frame on screen as ``(H, W, 4)`` uint8 RGBA (empty before the first frame)."""
        if self.frame is None:
            return np.zeros((0, 0, 4), np.uint8)
        image = self.frame.image
        pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
        return pixels[:, : 4 * image.width()].reshape(image.height(), image.width(), 4).copy()

    def shutdown(self) -> None:
        """Stop the render thread (releases its OpenGL context); the widget shows its last frame."""
        if self._renderer is None or not self._thread.isRunning():
            return
        self._renderer.close_requested.emit()
        self._thread.quit()
        self._thread.wait()

    # ------------------------------------------------------------------ Qt
    def _post(self, kind: str, command: Command) -> None:
        if self._renderer is not None:
            self._renderer.post(kind, command)

    def _valid_target(self, target: tuple) -> bool:
        kind, index = target
        return kind in self._counts and index is not None and 0 <= int(index) < self._counts[kind]

    def _show_frame(self) -> None:
        frame = self._renderer.take_frame()
        if frame is not None:
            self.frame = frame
            self.update()
            self.frame_shown.emit()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.frame is not None:
            painter.drawImage(0, 0, self.frame.image)
        elif self.error:
            painter.setPen(QColor("#e6edf3"))
            painter.drawText(self.rect().adjusted(24, 24, -24, -24), Qt.TextFlag.TextWordWrap, self.error)
        painter.end()

    def resizeEvent(self, event) -> None:
        size = (max(1, self.width()), max(1, self.height()))
        self._post("resize", lambda v: v.resize(size))
        super().resizeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._mouse("press", event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._mouse("move", event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._mouse("release", event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._mouse("double_click", event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        pos, mods = _xy(event.position()), _modifiers(event)
        self._post(
            "wheel",
            lambda v: v.canvas.events.mouse_wheel(
                pos=pos, delta=(delta.x() / 120.0, delta.y() / 120.0), modifiers=mods
            ),
        )

    def _mouse(self, action: str, event: QMouseEvent) -> None:
        pos, mods = _xy(event.position()), _modifiers(event)
        button = BUTTONS.get(event.button(), 0)
        buttons = [b for q, b in BUTTONS.items() if event.buttons() & q]
        kwargs = {"pos": pos, "buttons": buttons, "modifiers": mods}
        if action != "move":
            kwargs["button"] = button
        self._post(action, lambda v: getattr(v.canvas._backend, f"_vispy_mouse_{action}")(**kwargs))


def _xy(pos: QPointF) -> tuple[float, float]:
    return pos.x(), pos.y()


def _modifiers(event) -> tuple:
    return tuple(key for qt_key, key in MODIFIERS if event.modifiers() & qt_key)
