"""The 3D view in the window: a GlobeView drawn in a child process, shown as an image.

Software OpenGL takes 50-250 ms to draw 10,000 satellites, and VisPy's Python runs for much of that;
drawn in the GUI process, every frame would hold the window up or its interpreter lock. Here the GUI
thread only changes the view's ``GlobeState`` and queues the scenario, the snapshot and camera input;
a thread of this process, which spends its time waiting on a pipe, sends them to the globe process
(``render.process``) a batch at a time, always with the whole state, and brings back each finished
frame with its ``ScreenProjection`` (clicks are picked on what the user sees) and its camera pose,
which goes into the state. Consecutive snapshots and mouse moves collapse to the newest. If the
globe process dies, a new one is started (after a wait, longer each time) and given the last
scenario, snapshot and state, camera included; after a few in a row that die before drawing, or one
that cannot draw here at all (no EGL), the widget shows the reason over the last frame with a
"Restart globe" button, and the rest of the window works on. Every ended process is reaped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from ..engine import Snapshot
from ..engine.layout import NetworkLayout
from ..render import GlobeView
from ..render.process import DrawnPixels, GlobeProcess, GlobeProcessError, Input
from ..render.projection import ScreenProjection
from ..render.state import CameraPose, GlobeState, Target, TargetLink, default_camera
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
RESTART_DELAYS_S = (0.2, 1.0, 3.0)  # waits before each new globe process after one failed


@dataclass(frozen=True)
class DrawnFrame:
    """A finished picture and the camera it was drawn with."""

    image: QImage
    projection: ScreenProjection
    camera: CameraPose

    @property
    def azimuth_deg(self) -> float:
        return self.camera.azimuth_deg


class GlobeRenderer(QObject):
    """Holds the globe's state; sends it, with what else is queued, to the globe process from a
    thread of its own, and keeps the newest frame."""

    frame_ready = Signal()  # the newest frame is in ``take_frame``
    failed = Signal(str)  # the globe process cannot draw here: why
    process_type = GlobeProcess  # the child drawing (the map dock's renderer: MapProcess)

    def __init__(self, state: GlobeState):
        super().__init__()
        self._wake = threading.Condition()
        self._state = state
        self._sent: GlobeState | None = None  # the state the globe process has
        self._camera_set = False  # the camera was set here since the last batch went out
        self._scene: tuple[Scenario, NetworkLayout] | None = None
        self._snapshot: Snapshot | None = None
        self._new_scene = self._new_snapshot = False
        self._inputs: list[Input] = []
        self._frame: DrawnFrame | None = None
        self._busy = False  # something queued or being drawn
        self._closing = False
        self._dead = False  # the globe process was given up on: nothing is sent until a restart
        self._failures = 0  # globe processes in a row that failed before drawing a frame
        self.process: GlobeProcess | None = self.process_type(state.size)  # used by the thread only
        self._thread = threading.Thread(target=self._loop, name="sdn-globe", daemon=True)
        self._thread.start()

    @property
    def state(self) -> GlobeState:
        with self._wake:
            return self._state

    def change(self, edit: Callable[[GlobeState], GlobeState]) -> GlobeState:
        """Make ``edit(state)`` the state (any thread; ``edit`` may raise ValueError: nothing changes)."""
        with self._wake:
            before, self._state = self._state, edit(self._state)
            if self._state.camera != before.camera:
                self._camera_set = True
            self._queued()
            return self._state

    def show(
        self, scene: tuple[Scenario, NetworkLayout] | None = None, snapshot: Snapshot | None = None
    ) -> None:
        """Queue a new scenario (with its layout) and/or snapshot (any thread)."""
        with self._wake:
            if scene is not None:
                self._scene, self._new_scene = scene, True
                self._revive()  # a scenario (re)opened brings a given-up globe back
            if snapshot is not None:
                self._snapshot, self._new_snapshot = snapshot, True
            self._queued()

    def add_input(self, event: Input) -> None:
        """Queue camera input; a mouse move replaces a move queued just before it."""
        with self._wake:
            moves = (self._inputs[-1].action, event.action) == ("move", "move") if self._inputs else False
            if moves:
                self._inputs[-1] = event
            else:
                self._inputs.append(event)
            self._queued()

    def _queued(self) -> None:
        if not (self._dead or self._closing):
            self._busy = True
            self._wake.notify()

    def _pending(self) -> bool:
        return self._state != self._sent or self._new_scene or self._new_snapshot or bool(self._inputs)

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

    def restart(self) -> None:
        """Start a globe process again after it was given up on; it gets the last scenario, snapshot
        and state (any thread)."""
        with self._wake:
            self._revive()

    def _revive(self) -> None:
        if self._dead:
            self._dead, self._failures = False, 0
            self._resend()
            self._queued()

    def _resend(self) -> None:
        """The next batch carries everything (a new globe process has none of it)."""
        self._sent = None
        self._new_scene, self._new_snapshot = self._scene is not None, self._snapshot is not None

    def _loop(self) -> None:
        try:
            while True:
                with self._wake:
                    while not (self._pending() and not self._dead) and not self._closing:
                        self._busy = False
                        self._wake.wait()
                    if self._closing:
                        return
                    state, inputs, self._inputs = self._state, self._inputs, []
                    scene = self._scene if self._new_scene else None
                    snapshot = self._snapshot if self._new_snapshot else None
                    self._sent, self._new_scene, self._new_snapshot = state, False, False
                    self._camera_set = False
                if self.process is None:
                    self.process = self.process_type(state.size)
                try:
                    pixels = self.process.draw(state, inputs, scene, snapshot)
                except GlobeProcessError as err:
                    self._lost(err)
                    continue
                self._failures = 0
                self._publish(pixels)
        finally:
            self._close_process()

    def _close_process(self) -> None:
        """End the globe process and reap it (no zombie is left)."""
        process, self.process = self.process, None
        if process is not None:
            process.close()

    def _lost(self, err: GlobeProcessError) -> None:
        """The globe process failed: after a wait (longer each time) a new one is started, to be given
        the last scenario, snapshot and state. A process that said it cannot draw here (no EGL), or
        ``len(RESTART_DELAYS_S)`` in a row that stopped before drawing a frame, are given up on: the
        widget shows why and offers a restart."""
        cannot_draw_here = not err.stopped and not self.process.started
        self._close_process()
        self._failures += 1
        if cannot_draw_here or self._failures > len(RESTART_DELAYS_S):
            log.error("globe: %s; giving up after %d failures", err, self._failures)
            with self._wake:
                self._dead, self._busy, self._inputs = True, False, []
            self.failed.emit(
                f"The 3D view cannot draw here (it needs OpenGL through EGL): {err.reason}"
                if cannot_draw_here
                else f"The 3D view stopped: {err.reason} ({self._failures} times in a row)."
            )
            return
        delay = RESTART_DELAYS_S[self._failures - 1]
        log.error("globe: %s; starting a new globe process in %.1f s", err, delay)
        with self._wake:
            self._wake.wait_for(lambda: self._closing, timeout=delay)
            self._resend()

    def _publish(self, pixels: DrawnPixels) -> None:
        for error in pixels.errors:
            log.error("globe: %s", error)
        image = QImage(pixels.rgba, pixels.width, pixels.height, QImage.Format.Format_RGBA8888).copy()
        with self._wake:
            self._frame = DrawnFrame(image, pixels.projection, pixels.camera)
            if not self._camera_set:  # the camera as the mouse and the view left it
                self._state = replace(self._state, camera=pixels.camera)
                self._sent = replace(self._sent, camera=pixels.camera)
            self._busy = self._pending()
        self.frame_ready.emit()


class GlobeWidget(QWidget):
    """Shows the globe and forwards mouse input to its camera. Its methods mirror GlobeView's: each
    makes a new ``state`` (``state_changed`` tells) and returns at once; the view catches up in the
    globe process. ``pick``/``latlon_at``/``project`` answer for the frame on screen."""

    frame_shown = Signal()
    state_changed = Signal(object)  # the new GlobeState (not sent for camera moves)
    renderer_type, state_type = GlobeRenderer, GlobeState  # the map dock's widget draws a MapState

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(400, 300)
        self.setMouseTracking(False)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.snapshot: Snapshot | None = None
        self.scenario: Scenario | None = None
        self.frame: DrawnFrame | None = None
        self.error = ""
        self._counts = {"satellite": 0, "node": 0}
        self._failure_panel, self._failure, self.restart_button = self._build_failure_panel()
        collect_garbage_in_gui_thread()
        self._renderer = self.renderer_type(self.state_type())
        self._renderer.frame_ready.connect(self._show_frame, Qt.ConnectionType.QueuedConnection)
        self._renderer.failed.connect(self._show_error, Qt.ConnectionType.QueuedConnection)

    def _build_failure_panel(self) -> tuple[QWidget, QLabel, QPushButton]:
        """Shown over the globe when it was given up on: why, and a "Restart globe" button."""
        panel = QFrame(self)
        panel.setObjectName("globe_failure")
        panel.setStyleSheet(
            "#globe_failure { background: rgba(13, 17, 23, 220); border: 1px solid #ff6e6e;"
            " border-radius: 6px; } QLabel { color: #e6edf3; }"
        )
        label = QLabel(panel)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        button = QPushButton("Restart globe", panel)
        button.clicked.connect(self.restart)
        layout = QVBoxLayout(panel)
        layout.addWidget(label)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        panel.hide()
        return panel, label, button

    # ------------------------------------------------------------------ the state
    @property
    def state(self) -> GlobeState:
        return self._renderer.state

    @property
    def camera_mode(self) -> str:
        return self.state.camera_mode

    def _change(self, edit: Callable[[GlobeState], GlobeState]) -> None:
        before = self.state
        after = self._renderer.change(edit)
        if replace(after, camera=None) != replace(before, camera=None):
            self.state_changed.emit(after)

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        """Show ``scenario``, whose network (built by the engine process) has ``layout``."""
        self.scenario = scenario
        self._counts = {"satellite": len(layout.sats), "node": len(scenario.nodes)}
        self._change(lambda state: state.fitted(self._counts))  # as the view does
        self._renderer.show(scene=(scenario, layout))

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._renderer.show(snapshot=snapshot)

    def set_layer_visible(self, name: str, visible: bool) -> None:
        GlobeView.check_layer(name)
        self._change(lambda state: state.with_layer(name, visible))

    def set_frame(self, frame: str) -> None:
        self._change(lambda state: replace(state, frame=frame))

    def set_overlay(self, time: bool = True, latencies: bool = True, legend: bool = True) -> None:
        self._change(lambda state: state.with_overlay(time, latencies, legend))

    def set_selection(self, kind: str | None, index: int | None = None) -> None:
        target = None if kind is None else (kind, index)
        self._change(lambda state: self._checked(replace(state, selection=target)))

    def set_critical(self, targets: tuple[Target, ...], links: tuple[TargetLink, ...] = ()) -> None:
        """Mark the critical satellites and nodes (most critical first within each kind) and links of
        a resilience study; ``set_critical(())`` clears them."""
        self._change(lambda state: self._checked(replace(state, critical=targets, critical_links=links)))

    def set_camera_mode(self, mode: str, target: Target | None = None) -> None:
        self._change(lambda state: self._checked(state.with_camera_mode(mode, target)))

    def reset_camera(self) -> None:
        self._change(lambda state: replace(state, camera=default_camera(self.scenario)))

    def advance_camera(self, dt_s: float) -> None:
        self._renderer.add_input(Input("advance", dt_s=float(dt_s)))

    def _checked(self, state: GlobeState) -> GlobeState:
        state.check_targets(self._counts)
        return state

    # ------------------------------------------------------------------ the frame on screen
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
        """True when everything queued has been drawn and is on screen."""
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
    @Slot()
    def _show_frame(self) -> None:
        frame = self._renderer.take_frame()
        if frame is not None:
            self.frame = frame
            if self.error:  # drawing again (the scenario was reopened, say)
                self.error = ""
                self._failure_panel.hide()
            self.update()
            self.frame_shown.emit()

    @Slot(str)
    def _show_error(self, why: str) -> None:
        self.error = why
        self._failure.setText(why)
        self._failure_panel.show()
        self._place_failure_panel()
        self.update()

    def restart(self) -> None:
        """Start drawing again (a new globe process) after the globe was given up on."""
        self.error = ""
        self._failure_panel.hide()
        self._renderer.restart()
        self.update()

    def _place_failure_panel(self) -> None:
        width = min(self.width() - 48, 560)
        self._failure_panel.setFixedWidth(max(width, 120))
        self._failure_panel.adjustSize()
        self._failure_panel.move((self.width() - self._failure_panel.width()) // 2, 24)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.frame is not None:
            painter.drawImage(0, 0, self.frame.image)
            if self.error:  # the last frame, dimmed: it no longer moves
                painter.fillRect(self.rect(), QColor(5, 7, 13, 160))
        painter.end()

    def resizeEvent(self, event) -> None:
        self._place_failure_panel()
        size = (max(1, self.width()), max(1, self.height()))
        self._change(lambda state: replace(state, size=size))
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
        self._renderer.add_input(Input("wheel", event=kwargs))

    def _mouse(self, action: str, event: QMouseEvent) -> None:
        buttons = [b for q, b in BUTTONS.items() if event.buttons() & q]
        kwargs = {"pos": _xy(event.position()), "buttons": buttons, "modifiers": _modifiers(event)}
        if action != "move":
            kwargs["button"] = BUTTONS.get(event.button(), 0)
        self._renderer.add_input(Input("mouse", action, kwargs))


def _xy(pos: QPointF) -> tuple[float, float]:
    return pos.x(), pos.y()


def _modifiers(event) -> tuple[str, ...]:
    return tuple(name for qt_key, name in MODIFIERS if event.modifiers() & qt_key)
