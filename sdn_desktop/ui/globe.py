"""The 3D view in the window: a GlobeView drawn in a child process, shown as an image.

Software OpenGL takes 50-250 ms to draw 10,000 satellites, and VisPy's Python runs for much of that;
drawn in the GUI process, every frame would hold the window up or its interpreter lock. Here the GUI
thread only queues calls (scenario, snapshot, layers, camera input); a thread of this process, which
spends its time waiting on a pipe, sends them to the globe process (``render.process``) a batch at
a time and brings back each finished frame with its ``ScreenProjection``, so clicks are picked on
what the user sees. Consecutive snapshots and mouse moves collapse to the newest. If the globe
process dies, a new one is started and given the current state; if it cannot draw at all (no EGL),
the widget says why and the rest of the window works on.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QWidget

from ..engine import Network, Snapshot
from ..render import GlobeView
from ..render.process import Call, DrawnPixels, GlobeProcess, GlobeProcessError
from ..render.projection import ScreenProjection
from ..scenario import Scenario
from .garbage import collect_garbage_in_gui_thread

log = logging.getLogger(__name__)
BUTTONS = {
    Qt.MouseButton.LeftButton: 1,
    Qt.MouseButton.RightButton: 2,
    Qt.MouseButton.MiddleButton: 3,
}
MODIFIERS = (
    (Qt.KeyboardModifier.ShiftModifier, "SHIFT"),
    (Qt.KeyboardModifier.ControlModifier, "CONTROL"),
    (Qt.KeyboardModifier.AltModifier, "ALT"),
    (Qt.KeyboardModifier.MetaModifier, "META"),
)
BACKGROUND = QColor("#05070d")
COLLAPSING = ("snapshot", "move")  # a queued call of these kinds is replaced by a newer one
# State a new globe process is given (in this order) when the last one died.
STATE_ORDER = ("size", "scenario", "layer", "frame", "snapshot", "camera", "selection")


@dataclass(frozen=True)
class DrawnFrame:
    """A finished picture, the camera it was drawn with, and that camera's turntable azimuth."""

    image: QImage
    projection: ScreenProjection
    azimuth_deg: float


class GlobeRenderer(QObject):
    """Sends queued calls to the globe process from a thread of its own and keeps the newest frame."""

    frame_ready = Signal()  # the newest frame is in ``take_frame``
    failed = Signal(str)  # the globe process cannot draw here: why

    def __init__(self, size: tuple[int, int]):
        super().__init__()
        self._size = size
        self._wake = threading.Condition()
        self._calls: list[tuple[str, Call]] = []
        self._state: dict[str, tuple[str, Call]] = {}  # the newest call of each piece of state
        self._frame: DrawnFrame | None = None
        self._busy = False  # calls queued or being drawn
        self._closing = False
        self._dead = False  # the globe process cannot draw: calls are dropped
        self.process = GlobeProcess(size)  # replaced when it dies; used by the thread only
        self._thread = threading.Thread(target=self._loop, name="sdn-globe", daemon=True)
        self._thread.start()

    def post(self, kind: str, call: Call, state: str | None = None) -> None:
        """Queue ``call`` (any thread); ``state`` names what it sets, for a restarted process."""
        with self._wake:
            if self._dead or self._closing:
                return
            if state is not None:
                self._state[state] = (kind, call)
            if kind in COLLAPSING and self._calls and self._calls[-1][0] == kind:
                self._calls[-1] = (kind, call)
            else:
                self._calls.append((kind, call))
            self._busy = True
            self._wake.notify()

    def idle(self) -> bool:
        """Nothing queued, nothing being drawn, and the last frame taken."""
        with self._wake:
            return not self._busy and self._frame is None

    def take_frame(self) -> DrawnFrame | None:
        with self._wake:
            frame, self._frame = self._frame, None
        return frame

    def close(self) -> None:
        with self._wake:
            self._closing = True
            self._wake.notify()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        try:
            while True:
                with self._wake:
                    while not self._calls and not self._closing:
                        self._wake.wait()
                    if self._closing:
                        return
                    calls, self._calls = self._calls, []
                try:
                    pixels = self.process.draw([call for _, call in calls])
                except GlobeProcessError as err:
                    self.process.close()
                    if not self.process.started:  # it never drew: it cannot here
                        self._give_up(str(err))
                        return
                    log.error("globe: %s; starting a new globe process", err)
                    self.process = GlobeProcess(self._size)
                    with self._wake:
                        self._calls[:0] = self._restart_calls()
                    continue
                self._publish(pixels)
        finally:
            self.process.close()

    def _restart_calls(self) -> list[tuple[str, Call]]:
        rank = {name: i for i, name in enumerate(STATE_ORDER)}
        keys = sorted(self._state, key=lambda key: rank[key.split(":")[0]])
        return [self._state[key] for key in keys]

    def _publish(self, pixels: DrawnPixels) -> None:
        for error in pixels.errors:
            log.error("globe: the call %s", error)
        image = QImage(pixels.rgba, pixels.width, pixels.height, QImage.Format.Format_RGBA8888).copy()
        with self._wake:
            self._frame = DrawnFrame(image, pixels.projection, pixels.azimuth_deg)
            self._busy = bool(self._calls)
        self.frame_ready.emit()

    def _give_up(self, why: str) -> None:
        log.error("globe: cannot draw: %s", why)
        with self._wake:
            self._dead, self._busy, self._calls = True, False, []
        self.failed.emit(why)


class GlobeWidget(QWidget):
    """Shows the globe and forwards mouse input to its camera. Its methods mirror GlobeView's and
    return at once: the view catches up in the globe process. ``pick``/``latlon_at``/``project``
    answer for the frame on screen."""

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
        collect_garbage_in_gui_thread()
        self._renderer = GlobeRenderer((1280, 720))
        self._renderer.frame_ready.connect(self._show_frame, Qt.ConnectionType.QueuedConnection)
        self._renderer.failed.connect(self._show_error, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ GlobeView's methods
    def set_scenario(self, scenario: Scenario, network: Network) -> None:
        """Show ``scenario`` (the globe process builds its own copy of ``network``)."""
        self._counts = {"satellite": len(network.sats), "node": len(scenario.nodes)}
        if self.camera_mode == "follow" and not self._valid_target(self._camera_target):
            self.camera_mode = "fixed"  # as the view does
        self._post("scenario", ("scenario", (scenario, str(network.base_dir))), "scenario")

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._post("snapshot", ("update", (snapshot,)), "snapshot")

    def set_layer_visible(self, name: str, visible: bool) -> None:
        if name not in GlobeView.LAYERS:
            raise ValueError(f"layer must be one of {GlobeView.LAYERS}, got {name!r}")
        self._post("layer", ("set_layer_visible", (name, bool(visible))), f"layer:{name}")

    def set_frame(self, frame: str) -> None:
        if frame not in GlobeView.FRAMES:
            raise ValueError(f"frame must be one of {GlobeView.FRAMES}, got {frame!r}")
        self._post("frame", ("set_frame", (frame,)), "frame")

    def set_selection(self, kind: str | None, index: int | None = None) -> None:
        if kind is not None and not self._valid_target((kind, index)):
            raise ValueError(f"no {kind} with index {index}")
        self._post("selection", ("set_selection", (kind, index)), "selection")

    def set_camera_mode(self, mode: str, target: tuple[str, int] | None = None) -> None:
        if mode not in GlobeView.CAMERA_MODES:
            raise ValueError(f"camera mode must be one of {GlobeView.CAMERA_MODES}, got {mode!r}")
        if mode == "follow" and (target is None or not self._valid_target(tuple(target))):
            raise ValueError(
                f"follow needs a target ('satellite'|'node', index) in the scenario, got {target!r}"
            )
        self.camera_mode, self._camera_target = mode, target
        self._post("camera", ("set_camera_mode", (mode, target)), "camera")

    def advance_camera(self, dt_s: float) -> None:
        self._post("camera", ("advance_camera", (float(dt_s),)))

    def reset_camera(self) -> None:
        self._post("camera", ("reset_camera", ()))

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
        """True when every queued call has been drawn and is on screen."""
        return self._renderer.idle()

    def image(self) -> np.ndarray:
        """The frame on screen as ``(H, W, 4)`` uint8 RGBA (empty before the first frame)."""
        if self.frame is None:
            return np.zeros((0, 0, 4), np.uint8)
        image = self.frame.image
        pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
        return pixels[:, : 4 * image.width()].reshape(image.height(), image.width(), 4).copy()

    def shutdown(self) -> None:
        """End the globe process; the widget shows its last frame."""
        self._renderer.close()

    # ------------------------------------------------------------------ Qt
    def _post(self, kind: str, call: Call, state: str | None = None) -> None:
        self._renderer.post(kind, call, state)

    def _valid_target(self, target: tuple) -> bool:
        kind, index = target
        return kind in self._counts and index is not None and 0 <= int(index) < self._counts[kind]

    @Slot()
    def _show_frame(self) -> None:
        frame = self._renderer.take_frame()
        if frame is not None:
            self.frame = frame
            self.update()
            self.frame_shown.emit()

    @Slot(str)
    def _show_error(self, why: str) -> None:
        self.error = f"The 3D view cannot draw here (it needs OpenGL through EGL): {why}"
        self.update()

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
        self._post("resize", ("resize", (size,)), "size")
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
        kwargs = {
            "pos": _xy(event.position()),
            "delta": (delta.x() / 120.0, delta.y() / 120.0),
            "modifiers": _modifiers(event),
        }
        self._post("wheel", ("wheel", (kwargs,)))

    def _mouse(self, action: str, event: QMouseEvent) -> None:
        buttons = [b for q, b in BUTTONS.items() if event.buttons() & q]
        kwargs = {"pos": _xy(event.position()), "buttons": buttons, "modifiers": _modifiers(event)}
        if action != "move":
            kwargs["button"] = BUTTONS.get(event.button(), 0)
        self._post(action, ("mouse", (action, kwargs)))


def _xy(pos: QPointF) -> tuple[float, float]:
    return pos.x(), pos.y()


def _modifiers(event) -> tuple[str, ...]:
    return tuple(name for qt_key, name in MODIFIERS if event.modifiers() & qt_key)
