"""File -> Record animation: choose format, size, time span, speed and camera; record in a child process.

The dialog remembers what was recorded last (in the QSettings it is given, group ``record``) and names
the output after the scenario file: ``<stem>.<ext>`` beside it, or, for an unsaved scenario, after its
name in the folder of the last recording.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ..recording_process import RecorderProcess, RecorderProcessError
from ..scenario import Scenario

FORMATS = (("MP4 video (H.264)", ".mp4"), ("Animated GIF", ".gif"), ("PNG sequence (folder)", ""))
PRESETS = (("1280 × 720 (HD)", (1280, 720)), ("1920 × 1080 (Full HD)", (1920, 1080)),
           ("854 × 480", (854, 480)), ("1080 × 1080 (square)", (1080, 1080)), ("Custom", None))  # fmt: skip
SETTINGS_GROUP = "record"


class RecordDialog(QDialog):
    """The recording settings; ``job()`` gives the keyword arguments of ``recording.record``."""

    def __init__(self, scenario: Scenario, base_dir: Path, start_s: float, follow: str | None,
                 parent: QWidget | None = None, *, scenario_path: Path | None = None,
                 settings: QSettings | None = None):  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Record animation")
        self.scenario = scenario
        self.base_dir = base_dir
        self.settings = settings if settings is not None else QSettings()
        self.format = QComboBox()
        for label, _suffix in FORMATS:
            self.format.addItem(label)
        self.path = QLineEdit(str(self._default_stem(scenario_path)) + FORMATS[0][1])
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.preset = QComboBox()
        for label, _size in PRESETS:
            self.preset.addItem(label)
        self.width_px, self.height_px = QSpinBox(), QSpinBox()
        for box, value in ((self.width_px, 1280), (self.height_px, 720)):
            box.setRange(16, 8192)
            box.setSuffix(" px")
            box.setValue(value)
            box.setEnabled(False)
        size_row = QHBoxLayout()
        size_row.addWidget(self.preset, 1)
        size_row.addWidget(self.width_px)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_px)
        self.fps = QSpinBox()
        self.fps.setRange(1, 120)
        self.fps.setValue(30)
        self.fps.setSuffix(" fps")
        window = scenario.time.duration_s
        self.start = QDoubleSpinBox(decimals=0, maximum=window, suffix=" s after start", value=start_s)
        self.duration = QDoubleSpinBox(
            decimals=0, minimum=1, maximum=window, suffix=" s", value=window - start_s
        )
        self.speed = QDoubleSpinBox(decimals=0, minimum=1, maximum=100_000, suffix=" × real time", value=60)
        self.view = QComboBox()
        self.view.addItem("Globe (3D)", "globe")
        self.view.addItem("Map (2D)", "map")
        self.view.currentIndexChanged.connect(self._view_changed)
        self.camera = QComboBox()
        self.camera.addItem("Fixed (as in the view)", "fixed")
        self.camera.addItem("Orbit the Earth", "orbit")
        if follow:
            self.camera.addItem(f"Follow {follow}", f"follow:{follow}")
        parts = (("time", "Clock"), ("latencies", "Chain latencies"), ("legend", "Legend"))
        self.overlays = {name: QCheckBox(label) for name, label in parts}
        overlay_row = QHBoxLayout()
        for box in self.overlays.values():
            box.setChecked(True)
            overlay_row.addWidget(box)
        self.summary = QLabel()
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("File", path_row)
        form.addRow("Resolution", size_row)
        form.addRow("Frame rate", self.fps)
        form.addRow("Start", self.start)
        form.addRow("Duration", self.duration)
        form.addRow("Speed-up", self.speed)
        form.addRow("View", self.view)
        form.addRow("Camera", self.camera)
        form.addRow("Overlays", overlay_row)
        form.addRow("", self.summary)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton("Record", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        for box in (self.fps, self.start, self.duration, self.speed):
            box.valueChanged.connect(self._update_summary)
        self._restore()
        self._update_summary()
        self.accepted.connect(self._remember)

    def _default_stem(self, scenario_path: Path | None) -> Path:
        """The output without its extension: the scenario file's stem beside it, else the scenario's
        name in the folder of the last recording (the scenario's folder before any recording)."""
        if scenario_path is not None:
            return scenario_path.with_suffix("")
        folder = self.settings.value(f"{SETTINGS_GROUP}/folder", str(self.base_dir), type=str)
        return Path(folder) / (self.scenario.name or "scenario").replace(" ", "_")

    def _restore(self) -> None:
        """Take the settings of the last recording, where there was one; the start stays the clock's
        (recording starts where the user is) and the duration is kept within the window left."""
        settings = self.settings
        settings.beginGroup(SETTINGS_GROUP)
        try:
            if not settings.contains("format"):
                return
            self.format.setCurrentIndex(_clamped(settings.value("format", 0, type=int), self.format.count()))
            self.preset.setCurrentIndex(_clamped(settings.value("preset", 0, type=int), self.preset.count()))
            for box, key in ((self.width_px, "width"), (self.height_px, "height"), (self.fps, "fps")):
                box.setValue(settings.value(key, box.value(), type=int))
            self.speed.setValue(settings.value("speed", self.speed.value(), type=float))
            window_left = self.scenario.time.duration_s - self.start.value()
            self.duration.setValue(
                min(settings.value("duration_s", self.duration.value(), type=float), window_left)
            )
            for combo, key in ((self.view, "view"), (self.camera, "camera")):
                wanted = settings.value(key, "", type=str)
                kinds = [combo.itemData(i).split(":")[0] for i in range(combo.count())]
                index = kinds.index(wanted) if wanted in kinds else -1
                if index >= 0:  # "follow": follow what is selected now, if anything
                    combo.setCurrentIndex(index)
            for name, box in self.overlays.items():
                box.setChecked(settings.value(f"overlays/{name}", True, type=bool))
        finally:
            settings.endGroup()

    def _remember(self) -> None:
        """Keep these settings for the next recording (this session or a later one)."""
        values = {
            "format": self.format.currentIndex(),
            "preset": self.preset.currentIndex(),
            "width": self.width_px.value(),
            "height": self.height_px.value(),
            "fps": self.fps.value(),
            "speed": self.speed.value(),
            "duration_s": self.duration.value(),
            "view": self.view.currentData(),
            "camera": self.camera.currentData().split(":")[0],  # "follow", not whom: that is the selection
            "folder": str(Path(self.path.text()).parent),
        }
        values |= {f"overlays/{name}": box.isChecked() for name, box in self.overlays.items()}
        for key, value in values.items():
            self.settings.setValue(f"{SETTINGS_GROUP}/{key}", value)

    def _format_changed(self, index: int) -> None:
        path = Path(self.path.text())
        stem = path.with_suffix("") if path.suffix in (".mp4", ".gif") else path
        self.path.setText(str(stem) + FORMATS[index][1])

    def _view_changed(self) -> None:
        self.camera.setEnabled(self.view.currentData() == "globe")  # the map shows the whole Earth

    def _preset_changed(self, index: int) -> None:
        size = PRESETS[index][1]
        for box in (self.width_px, self.height_px):
            box.setEnabled(size is None)
        if size:
            self.width_px.setValue(size[0])
            self.height_px.setValue(size[1])

    def _browse(self) -> None:
        if FORMATS[self.format.currentIndex()][1]:
            path, _ = QFileDialog.getSaveFileName(self, "Record to", self.path.text())
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder for the PNG frames", str(self.base_dir))
        if path:
            self.path.setText(path)

    def _update_summary(self) -> None:
        seconds = self.duration.value() / self.speed.value()
        frames = max(1, round(seconds * self.fps.value()))
        self.summary.setText(f"{frames:,} frames, {seconds:.1f} s of video")

    def job(self) -> dict:
        return {
            "base_dir": str(self.base_dir),
            "out_path": self.path.text(),
            "fps": self.fps.value(),
            "size": [self.width_px.value(), self.height_px.value()],
            "start_s": self.start.value(),
            "duration_s": min(self.duration.value(), self.scenario.time.duration_s - self.start.value()),
            "speed": self.speed.value(),
            "view_kind": self.view.currentData(),
            "camera": self.camera.currentData() if self.view.currentData() == "globe" else "fixed",
            "overlays": {name: box.isChecked() for name, box in self.overlays.items()},
        }


class RecordRun(QObject):
    """One recording in a recorder process (``recording_process``), with a progress dialog (time
    left, Cancel); a thread here waits on the process."""

    finished_with = Signal(bool, str)  # success, message
    _progressed = Signal(int, int)
    _ended = Signal(bool, str)

    def __init__(self, scenario: Scenario, job: dict, parent: QWidget):
        super().__init__(parent)
        self.progress = QProgressDialog("Starting the recorder...", "Cancel", 0, 0, parent)
        self.progress.setWindowTitle("Recording")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self._process = RecorderProcess()
        self._cancelled = False
        self.progress.canceled.connect(self._cancel)
        self._started = time.perf_counter()
        self._progressed.connect(self._show_progress)
        self._ended.connect(self._end)
        threading.Thread(target=self._run, args=(scenario, job), name="sdn-record", daemon=True).start()

    def _cancel(self) -> None:
        self._cancelled = True
        self._process.cancel()

    def _run(self, scenario: Scenario, job: dict) -> None:
        try:
            result = self._process.record(scenario, job, self._progressed.emit)
        except RecorderProcessError as err:
            if err.cancelled or (err.stopped and self._cancelled):
                self._ended.emit(False, "Recording cancelled; nothing was written.")
            else:
                self._ended.emit(False, f"Recording failed: {err.reason}")
        else:
            self._ended.emit(True, f"Recorded {result.frames} frames to {job['out_path']}")
        finally:
            self._process.close()

    @Slot(int, int)
    def _show_progress(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self._started
        left = elapsed / done * (total - done)
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.progress.setLabelText(f"Frame {done:,} of {total:,}: about {left:.0f} s left")

    @Slot(bool, str)
    def _end(self, success: bool, message: str) -> None:
        self.progress.reset()
        self.finished_with.emit(success, message)


def _clamped(index: int, count: int) -> int:
    return min(max(index, 0), count - 1)


def show_result(parent: QWidget, success: bool, message: str) -> None:
    if success:
        parent.statusBar().showMessage(message, 10000)
    elif "cancelled" in message:
        parent.statusBar().showMessage(message, 6000)
    else:
        QMessageBox.warning(parent, "Record animation", message)
