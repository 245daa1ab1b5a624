"""The document's file: new, open, save, save as, the unsaved-changes question, recent files, the
window layout kept between sessions (all in the QSettings passed in), and the autosave.

Autosave: while there are unsaved edits, the scenario is written atomically every
``AUTOSAVE_INTERVAL_S`` seconds (the environment variable ``SDN_DESKTOP_AUTOSAVE_S`` overrides it)
to ``autosave-PID.json`` in the user's data folder, held by a lock file while the app runs. Saving,
opening another file or closing cleanly removes it; one left by a process that is gone (a crash, a
kill) is offered for recovery at the next start.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QLockFile, QObject, QSettings, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from ..resources import APP_NAME
from ..scenario import ScenarioError
from ..scenario.edits import new_scenario
from ..scenario.files import atomic_write_text
from ..scenario.io import scenario_from_dict
from .document import ScenarioDocument

MAX_RECENT = 8
SCENARIO_FILTER = "SDN scenarios (*.json);;All files (*)"
AUTOSAVE_INTERVAL_S = 60.0
AUTOSAVE_ENV = "SDN_DESKTOP_AUTOSAVE_S"


def autosave_folder() -> Path:
    """Where autosaves go: the user's data folder (``$XDG_DATA_HOME/sdn-desktop`` on Linux)."""
    return Path(platformdirs.user_data_dir("sdn-desktop", appauthor=False)) / "autosave"


def _interval_s() -> float:
    try:
        value = float(os.environ.get(AUTOSAVE_ENV, AUTOSAVE_INTERVAL_S))
    except ValueError:
        return AUTOSAVE_INTERVAL_S
    return value if value > 0 else AUTOSAVE_INTERVAL_S


class Autosave(QObject):
    """Writes ``document`` to this process's autosave file while it has unsaved edits."""

    def __init__(self, document: ScenarioDocument, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.path = autosave_folder() / f"autosave-{os.getpid()}.json"
        self._lock = QLockFile(f"{self.path}.lock")
        self._lock.setStaleLockTime(0)  # only a dead owner makes a lock stale, never its age
        self.timer = QTimer(self, interval=round(_interval_s() * 1000))
        self.timer.timeout.connect(self.write)
        self.timer.start()
        document.undo_stack.cleanChanged.connect(lambda clean: clean and self.remove())
        document.loaded.connect(lambda _s: self.remove())

    def write(self) -> None:
        """Store the unsaved scenario (nothing if there is none); a failure only goes to the status bar."""
        if self.document.undo_stack.isClean():
            return
        record = {
            "original": str(self.document.path) if self.document.path else None,
            "saved_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "scenario": self.document.scenario.model_dump(mode="json"),
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self._lock.isLocked():
                self._lock.tryLock(0)
            atomic_write_text(self.path, json.dumps(record, indent=1, allow_nan=False))
        except (OSError, ValueError) as err:
            window = self.parent()
            if isinstance(window, QMainWindow):
                window.statusBar().showMessage(f"Autosave to {self.path} failed: {err}", 8000)

    def remove(self) -> None:
        """Delete this process's autosave (the edits are saved or given up)."""
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """A clean end: no autosave, no lock."""
        self.timer.stop()
        self.remove()
        self._lock.unlock()


class Orphan:
    """An autosave whose app is gone, locked by us while we decide what to do with it."""

    def __init__(self, path: Path, lock: QLockFile):
        self.path = path
        self.lock = lock
        record = json.loads(path.read_text(encoding="utf-8"))
        self.original = Path(record["original"]) if record.get("original") else None
        self.saved_utc = str(record.get("saved_utc", "?"))
        self.scenario = scenario_from_dict(record["scenario"], path)

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
        self.lock.unlock()


def orphaned_autosaves(own: Path) -> list[Orphan]:
    """Autosaves left by processes that are gone (their lock is stale), oldest first; unreadable
    ones are skipped and left in place."""
    found = []
    for path in sorted(autosave_folder().glob("autosave-*.json"), key=lambda p: p.stat().st_mtime):
        if path == own:
            continue
        lock = QLockFile(f"{path}.lock")
        lock.setStaleLockTime(0)
        if not lock.tryLock(0):
            continue  # its app is still running
        try:
            found.append(Orphan(path, lock))
        except (OSError, ValueError, KeyError, TypeError, ScenarioError):
            lock.unlock()
    return found


class ScenarioFiles(QObject):
    """Reads and writes ``document``; dialogs and messages belong to ``window``."""

    def __init__(self, document: ScenarioDocument, settings: QSettings, window: QMainWindow):
        super().__init__(window)
        self.document = document
        self.settings = settings
        self.window = window
        self.autosave = Autosave(document, window)

    def new_file(self) -> bool:
        """An empty scenario (after the unsaved-changes question); False if the user cancelled."""
        if not self.maybe_save():
            return False
        self.document.reset(new_scenario(), None)
        return True

    def close_file(self) -> None:
        """File > Close: the scenario goes (after the unsaved-changes question), an empty one stays."""
        name = self.document.path.name if self.document.path else "the scenario"
        if self.new_file():
            self.window.statusBar().showMessage(f"Closed {name}", 4000)

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
        """Save; a failure is shown and the edits stay (unsaved) in the window."""
        try:
            self.document.save(path)
        except (OSError, ValueError) as err:  # ValueError: text that cannot be written as UTF-8 JSON
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

    def close(self) -> None:
        """The window closes cleanly: no autosave is left, the layout is kept."""
        self.autosave.close()
        self.store_window()

    # ------------------------------------------------------------------ recovery
    def offer_recovery(self) -> bool:
        """Ask, for each autosave a crashed or killed app left, whether to restore it (as an unsaved
        edit of its file), discard it or show the file; True if one was restored (the others are
        then left for the next start)."""
        restored = False
        for orphan in orphaned_autosaves(self.autosave.path):
            answer = "keep" if restored else self._ask_recovery(orphan)
            if answer == "restore":
                self._restore(orphan)
                restored = True
            if answer == "keep":
                orphan.lock.unlock()
            else:
                orphan.forget()
        return restored

    def _ask_recovery(self, orphan: Orphan) -> str:
        """ "restore", "discard" or "keep" (box closed); "Show file" opens the folder and asks again."""
        name = orphan.original.name if orphan.original else "an untitled scenario"
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Recover unsaved edits",
            f"{APP_NAME} ended without saving edits to {name}.\n"
            f"They were autosaved at {orphan.saved_utc} UTC. Restore them?",
            QMessageBox.StandardButton.NoButton,
            self.window,
        )
        box.setDetailedText(f"Autosave file: {orphan.path}")
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        show = box.addButton("Show file", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        while True:
            box.exec()
            clicked = box.clickedButton()
            if clicked is not show:
                return {restore: "restore", discard: "discard"}.get(clicked, "keep")
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(orphan.path.parent)))

    def _restore(self, orphan: Orphan) -> None:
        """Open the autosave's file (when it still loads) and apply the autosaved scenario as one
        undoable, unsaved edit."""
        opened = False
        if orphan.original is not None:
            try:
                self.document.open(orphan.original)
                opened = True
            except ScenarioError:
                pass  # gone or broken since: the autosave alone is what is left
        if not opened:
            self.document.reset(new_scenario(), orphan.original)
        self.document.apply(orphan.scenario, "Recover autosaved edits")

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
