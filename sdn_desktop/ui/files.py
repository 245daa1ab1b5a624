"""The document's file: new, open, save, save as, the unsaved-changes question, recent files, and
the window layout kept between sessions (all in the QSettings passed in)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from ..resources import APP_NAME
from ..scenario import ScenarioError
from ..scenario.edits import new_scenario
from .document import ScenarioDocument

MAX_RECENT = 8
SCENARIO_FILTER = "SDN scenarios (*.json);;All files (*)"


class ScenarioFiles(QObject):
    """Reads and writes ``document``; dialogs and messages belong to ``window``."""

    def __init__(self, document: ScenarioDocument, settings: QSettings, window: QMainWindow):
        super().__init__(window)
        self.document = document
        self.settings = settings
        self.window = window

    def new_file(self) -> None:
        if self.maybe_save():
            self.document.reset(new_scenario(), None)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open scenario", str(self.document.base_dir), SCENARIO_FILTER
        )
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> bool:
        """Load ``path``; a bad file shows its problems and leaves the current scenario open."""
        try:
            self.document.open(Path(path))
        except ScenarioError as err:
            box = QMessageBox(
                QMessageBox.Icon.Critical,
                "Cannot open scenario",
                f"{Path(path).name} is not a usable scenario:\n\n" + "\n".join(err.problems[:8]),
                QMessageBox.StandardButton.Ok,
                self.window,
            )
            box.setDetailedText(str(err))
            box.exec()
            return False
        self._add_recent(self.document.path)
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        name = self.document.scenario.name or "scenario"
        start = str(self.document.path or self.document.base_dir / f"{name}.json")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save scenario as", start, SCENARIO_FILTER)
        return self._save_to(Path(path)) if path else False

    def _save_to(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except OSError as err:
            QMessageBox.critical(self.window, "Cannot save", f"Saving {path} failed:\n{err}")
            return False
        self._add_recent(self.document.path)
        self.window.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def maybe_save(self) -> bool:
        """True if the caller may discard the current scenario (saved, discarded or unchanged)."""
        if self.document.undo_stack.isClean():
            return True
        SB = QMessageBox.StandardButton
        answer = QMessageBox.warning(
            self.window,
            APP_NAME,
            "The scenario has unsaved changes.\nDo you want to save them?",
            SB.Save | SB.Discard | SB.Cancel,
            SB.Save,
        )
        if answer == SB.Save:
            return self.save()
        return answer == SB.Discard

    # ------------------------------------------------------------------ settings
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _add_recent(self, path: Path) -> None:
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        self.settings.setValue("recent_files", files[:MAX_RECENT])

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        for name in self.recent_files():
            menu.addAction(name, lambda p=name: self.maybe_save() and self.open_path(Path(p)))
        if menu.isEmpty():
            menu.addAction("(none)").setEnabled(False)

    def restore_window(self) -> bool:
        """Give the window its stored geometry and dock layout; False if none was stored."""
        geometry = self.settings.value("geometry")
        restored = isinstance(geometry, QByteArray) and not geometry.isEmpty()
        if restored:
            self.window.restoreGeometry(geometry)
        state = self.settings.value("window_state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.window.restoreState(state)
        return restored

    def store_window(self) -> None:
        self.settings.setValue("geometry", self.window.saveGeometry())
        self.settings.setValue("window_state", self.window.saveState())
