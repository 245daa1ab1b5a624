"""The scenario clock and its toolbar (play/pause, play backwards, step, speed, reset, scrubber)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QSlider, QStyle, QToolBar, QWidget

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
TICK_MS = 33


class Clock(QObject):
    """Scenario time in seconds after the start; plays forwards or backwards at x1..x1000."""

    time_changed = Signal(float)
    state_changed = Signal()  # playing, direction, speed or window

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.t_s = 0.0
        self.duration_s = 3600.0
        self.step_s = 10.0
        self.start = datetime(2026, 1, 1)
        self.speed_index = SPEEDS.index(100)
        self.direction = 1
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last_tick = 0.0

    @property
    def speed(self) -> int:
        return SPEEDS[self.speed_index]

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def utc(self) -> datetime:
        return self.start + timedelta(seconds=self.t_s)

    def set_window(self, start: datetime, duration_s: float, step_s: float) -> None:
        self.start, self.duration_s, self.step_s = start, duration_s, step_s
        self.set_time(min(self.t_s, duration_s))
        self.state_changed.emit()

    def set_time(self, t_s: float) -> None:
        t_s = min(max(float(t_s), 0.0), self.duration_s)
        if t_s != self.t_s:
            self.t_s = t_s
            self.time_changed.emit(t_s)

    def play(self, direction: int = 1) -> None:
        self.direction = direction
        if (direction > 0 and self.t_s >= self.duration_s) or (direction < 0 and self.t_s <= 0):
            self.set_time(0.0 if direction > 0 else self.duration_s)
        self._last_tick = time.perf_counter()
        self._timer.start()
        self.state_changed.emit()

    def pause(self) -> None:
        self._timer.stop()
        self.state_changed.emit()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play(self.direction)

    def step(self, steps: int) -> None:
        self.set_time(self.t_s + steps * self.step_s)

    def faster(self) -> None:
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)
        self.state_changed.emit()

    def slower(self) -> None:
        self.speed_index = max(self.speed_index - 1, 0)
        self.state_changed.emit()

    def reset(self) -> None:
        self.pause()
        self.set_time(0.0)

    def _tick(self) -> None:
        now = time.perf_counter()
        elapsed, self._last_tick = now - self._last_tick, now
        self.set_time(self.t_s + self.direction * self.speed * elapsed)
        if self.t_s in (0.0, self.duration_s):
            self.pause()


class TimeToolbar(QToolBar):
    """Animation controls bound to a ``Clock``, with a scrubber and the current UTC time."""

    SCRUB_STEPS = 10_000

    def __init__(self, clock: Clock, parent: QWidget | None = None):
        super().__init__("Time", parent)
        self.setObjectName("time_toolbar")
        self.clock = clock
        icon = self.style().standardIcon
        P = QStyle.StandardPixmap

        def action(text: str, pixmap: QStyle.StandardPixmap | None, slot, shortcut=None) -> QAction:
            act = QAction(icon(pixmap), text, self) if pixmap is not None else QAction(text, self)
            act.triggered.connect(slot)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
                act.setToolTip(f"{text} ({QKeySequence(shortcut).toString()})")
            self.addAction(act)
            return act

        self.reset_action = action("Reset to start", P.SP_MediaSkipBackward, clock.reset, "Home")
        self.back_action = action("Play backwards", P.SP_MediaSeekBackward, lambda: clock.play(-1))
        self.step_back_action = action("Step back", P.SP_ArrowLeft, lambda: clock.step(-1), "Left")
        self.play_action = action("Play / pause", P.SP_MediaPlay, clock.toggle, "Space")
        self.step_action = action("Step forward", P.SP_ArrowRight, lambda: clock.step(1), "Right")
        self.addSeparator()
        self.slower_action = action("Slower", None, clock.slower, "[")
        self.slower_action.setText("−")
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(52)
        self.speed_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.speed_label.setToolTip("Speed-up over real time")
        self.addWidget(self.speed_label)
        self.faster_action = action("Faster", None, clock.faster, "]")
        self.faster_action.setText("+")
        self.addSeparator()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.SCRUB_STEPS)
        self.slider.setMinimumWidth(240)
        self.slider.setToolTip("Scenario time: drag to scrub")
        self.slider.valueChanged.connect(self._scrubbed)
        self.addWidget(self.slider)
        self.time_label = QLabel()
        self.time_label.setStyleSheet("font-family: monospace; padding: 0 8px;")
        self.time_label.setToolTip("Current scenario time (UTC) and seconds after the start")
        self.addWidget(self.time_label)
        clock.time_changed.connect(self._show_time)
        clock.state_changed.connect(self._show_state)
        self._show_time()
        self._show_state()

    def _scrubbed(self, value: int) -> None:
        if self.slider.isSliderDown() or self.slider.hasFocus():
            self.clock.set_time(value / self.SCRUB_STEPS * self.clock.duration_s)

    def _show_time(self, *_args) -> None:
        clock = self.clock
        fraction = clock.t_s / clock.duration_s if clock.duration_s else 0.0
        self.slider.blockSignals(True)
        self.slider.setValue(round(fraction * self.SCRUB_STEPS))
        self.slider.blockSignals(False)
        self.time_label.setText(f"{clock.utc():%Y-%m-%d %H:%M:%S} UTC  (T+{clock.t_s:.0f} s)")

    def _show_state(self) -> None:
        P = QStyle.StandardPixmap
        playing = self.clock.playing
        self.play_action.setIcon(self.style().standardIcon(P.SP_MediaPause if playing else P.SP_MediaPlay))
        self.speed_label.setText(f"x{self.clock.speed}")
        self._show_time()
