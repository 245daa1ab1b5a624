"""File -> Export report... / Export CZML...: the CLI verbs run in a child process on a temporary copy of
the scenario as it is in the editor (saved or not), with progress from their stderr and Cancel."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QProcess, QProcessEnvironment, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from ..scenario import Scenario, save_scenario

REPORT_FILTERS = {
    "HTML report, pictures embedded (*.html)": ".html",
    "JSON (*.json)": ".json",
    "Markdown (*.md)": ".md",
}
CZML_FILTER = "CZML for Cesium (*.czml)"
SHOW_PROGRESS_AFTER_MS = 1000
STAGES = {"routing": "Computing routes", "drawing": "Drawing the pictures", "exporting": "Writing CZML"}
# the CLI's progress bar: "label [####....] done/total ..." redrawn after a carriage return
PROGRESS = re.compile(r"(?P<label>\S+)[^\[]*\[[#.]*\] (?P<done>\d+)/(?P<total>\d+)")


def with_absolute_sources(scenario: Scenario, base_dir: Path) -> Scenario:
    """``scenario`` with its TLE and OMM paths absolute, so a copy saved elsewhere reads the same files."""
    constellations = [
        c.model_copy(update={"source": c.source.model_copy(update={"path": str(base_dir / c.source.path)})})
        if hasattr(c.source, "path")
        else c
        for c in scenario.constellations
    ]
    return scenario.model_copy(update={"constellations": constellations})


class ExportRun(QProcess):
    """``python -m sdn_desktop VERB COPY ...`` in a child process, where COPY is a temporary copy of the
    scenario; a progress dialog (after a second) with the CLI's stage and Cancel."""

    finished_with = Signal(bool, str)  # success, message

    def __init__(
        self, title: str, scenario: Scenario, base_dir: Path, source_name: str, out: Path, parent: QWidget
    ):
        super().__init__(parent)
        self.title = title
        self.source_name = source_name  # how the user knows the scenario: its file name or "Untitled"
        self.out = out  # the file written
        self._folder = Path(tempfile.mkdtemp(prefix="sdn-export-"))
        self.copy = self._folder / f"{Path(source_name).stem or 'scenario'}.json"
        save_scenario(with_absolute_sources(scenario, base_dir), self.copy)
        self.progress = QProgressDialog(f"{title}: starting...", "Cancel", 0, 0, parent)
        self.progress.setWindowTitle(title)
        self.progress.setWindowModality(Qt.WindowModality.NonModal)
        self.progress.setMinimumDuration(SHOW_PROGRESS_AFTER_MS)
        self.progress.canceled.connect(self.cancel)
        self._stderr = ""
        self._cancelled = False
        self.readyReadStandardError.connect(self._read_progress)
        self.finished.connect(self._done)
        environment = QProcessEnvironment.systemEnvironment()
        package_root = str(Path(__file__).resolve().parents[2])
        python_path = [package_root, environment.value("PYTHONPATH")]
        environment.insert("PYTHONPATH", os.pathsep.join(p for p in python_path if p))
        self.setProcessEnvironment(environment)
        self.setProgram(sys.executable)

    def run(self, verb: str, *options: str) -> None:
        self.setArguments(["-m", "sdn_desktop", verb, str(self.copy), *options])
        self.start()

    def cancel(self) -> None:
        self._cancelled = True
        self.terminate()

    def _read_progress(self) -> None:
        self._stderr += bytes(self.readAllStandardError()).decode(errors="replace")
        lines = re.split(r"[\r\n]", self._stderr)
        match = next((m for line in reversed(lines) if (m := PROGRESS.match(line.strip()))), None)
        if match is None:
            return
        done, total = int(match["done"]), int(match["total"])
        self.progress.setMaximum(total)
        self.progress.setValue(min(done, total - 1))  # the dialog closes itself at the maximum
        stage = STAGES.get(match["label"], match["label"])
        self.progress.setLabelText(f"{self.title}: {stage}, {done:,} of {total:,}")

    def _error_text(self) -> str:
        """The CLI's last message that is not a progress bar, naming the user's file, not the copy."""
        lines = [line.strip() for line in re.split(r"[\r\n]", self._stderr)]
        errors = [line for line in lines if line and not PROGRESS.match(line) and "warning:" not in line]
        text = errors[-1] if errors else "the export process ended without a message"
        return text.replace(str(self.copy), self.source_name)

    def _done(self, code: int, status) -> None:
        self._read_progress()
        self.progress.reset()
        shutil.rmtree(self._folder, ignore_errors=True)
        if self._cancelled:
            self.finished_with.emit(False, f"{self.title} cancelled.")
        elif code == 0 and status == QProcess.ExitStatus.NormalExit:
            out = bytes(self.readAllStandardOutput()).decode(errors="replace").strip().splitlines()
            self.finished_with.emit(True, out[-1] if out else f"{self.title} done")
        else:
            self.finished_with.emit(False, self._error_text())


def _report_path(parent: QWidget, start: Path) -> Path | None:
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export report", str(start), ";;".join(REPORT_FILTERS), next(iter(REPORT_FILTERS))
    )
    if not path:
        return None
    path = Path(path)
    return (
        path
        if path.suffix.lower() in REPORT_FILTERS.values()
        else path.with_name(path.name + REPORT_FILTERS[chosen])
    )


def _czml_path(parent: QWidget, start: Path) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export CZML", str(start), CZML_FILTER)
    if not path:
        return None
    return Path(path) if Path(path).suffix.lower() == ".czml" else Path(path + ".czml")


class Exports:
    """The menu actions: ask for the output file, run the CLI verb, say how it went."""

    def __init__(self, window, document):
        self.window = window
        self.document = document
        self.runs: list[ExportRun] = []  # running (kept referenced until they finish)

    def _default(self, ending: str) -> Path:
        """Next to the scenario file, named after it: ``demo-report.html``, ``demo.czml``."""
        stem = self.document.path.stem if self.document.path else self.document.scenario.name or "scenario"
        return self.document.base_dir / f"{stem.replace(' ', '_')}{ending}"

    def export_report(self, out: Path | None = None) -> ExportRun | None:
        """The report of the scenario as edited to ``out`` (asked for when None); HTML, JSON or Markdown by
        the suffix."""
        out = out or _report_path(self.window, self._default("-report.html"))
        return None if out is None else self._start("Export report", out, "report", "-o", str(out))

    def export_czml(self, out: Path | None = None) -> ExportRun | None:
        """Satellites, nodes, links and routes over the scenario window as CZML to ``out``."""
        out = out or _czml_path(self.window, self._default(".czml"))
        return None if out is None else self._start("Export CZML", out, "export", "--czml", str(out))

    def _start(self, title: str, out: Path, verb: str, *options: str) -> ExportRun:
        name = self.document.path.name if self.document.path else "Untitled"
        run = ExportRun(title, self.document.scenario, self.document.base_dir, name, out, self.window)
        run.finished_with.connect(lambda ok, text: self._finished(run, ok, text))
        self.runs.append(run)
        run.run(verb, *options)
        return run

    def _finished(self, run: ExportRun, success: bool, message: str) -> None:
        self.runs.remove(run)
        run.deleteLater()
        if success:
            self.window.statusBar().showMessage(message, 10000)
        elif message.endswith("cancelled."):
            self.window.statusBar().showMessage(message, 6000)
        else:
            QMessageBox.warning(
                self.window, run.title, f"{run.title} of {run.source_name} to {run.out} failed:\n{message}"
            )
