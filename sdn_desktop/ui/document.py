"""The open scenario, its file and its undo history.

Every edit replaces the whole (immutable-in-practice) ``Scenario`` by a validated copy; an undo
command holds the scenario before and after, so undo/redo can never produce an invalid state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..scenario import Scenario, ScenarioError, load_scenario, save_scenario
from ..scenario.edits import ITEM_LISTS, EditError, FieldPath, with_fields
from ..scenario.work import work_problem
from .fields import field_label


class ReplaceScenario(QUndoCommand):
    """One edit: the scenario before and after. Consecutive edits of the same field(s) merge."""

    FIELD_EDIT_ID = 1

    def __init__(
        self,
        document: ScenarioDocument,
        before: Scenario,
        after: Scenario,
        text: str,
        merge_key: tuple[FieldPath, ...] | None = None,
    ):
        super().__init__(text)
        self.document = document
        self.before = before
        self.after = after
        self.merge_key = merge_key

    def id(self) -> int:
        return self.FIELD_EDIT_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ReplaceScenario) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.document._replace(self.after)

    def undo(self) -> None:
        self.document._replace(self.before)


class ScenarioDocument(QObject):
    """The scenario being edited. ``changed`` fires after every edit, undo, redo or load."""

    changed = Signal(object)  # Scenario
    loaded = Signal(object)  # Scenario: a different document (new/open), history cleared
    path_changed = Signal(object)  # Path | None

    def __init__(self, scenario: Scenario, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.scenario = scenario
        self.path = path
        self.undo_stack = QUndoStack(self)

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths (TLE files) are resolved against."""
        return self.path.parent if self.path else Path.cwd()

    def reset(self, scenario: Scenario, path: Path | None) -> None:
        self.undo_stack.clear()
        self.scenario = scenario
        self.path = path
        self.undo_stack.setClean()
        self.path_changed.emit(path)
        self.loaded.emit(scenario)

    def open(self, path: Path) -> None:
        """Load ``path``; raises ScenarioError and leaves the document untouched if it is bad or
        over a work limit with its TLE and OMM files counted."""
        scenario = load_scenario(path)
        if problem := work_problem(scenario, path.resolve().parent):
            raise ScenarioError(path, [problem])
        self.reset(scenario, path.resolve())

    def save(self, path: Path | None = None) -> None:
        """Write atomically to ``path`` (default: the current file); raises OSError."""
        target = (path or self.path).resolve()
        save_scenario(self.scenario, target)
        if target != self.path:
            self.path = target
            self.path_changed.emit(target)
        self.undo_stack.setClean()

    def apply(self, after: Scenario, text: str, merge_key: tuple[FieldPath, ...] | None = None) -> None:
        """Make ``after`` the scenario as one undoable step."""
        if after == self.scenario:
            return
        self.undo_stack.push(ReplaceScenario(self, self.scenario, after, text, merge_key))

    def set_field(self, path: FieldPath, value: Any) -> None:
        """Set one field (raises EditError, leaving the scenario unchanged, if it is invalid)."""
        self.set_fields([path], value)

    def set_fields(self, paths: list[FieldPath], value: Any) -> None:
        """Set the same field of several objects in one undoable step (or raise EditError)."""
        after = with_fields(self.scenario, paths, value)
        self.refuse_over_limit(after)
        self.apply(after, self._edit_text(paths), merge_key=tuple(paths))

    def refuse_over_limit(self, after: Scenario) -> None:
        """Raise EditError if the edit to ``after`` takes the scenario over a work limit, its TLE and
        OMM files counted (a scenario already over one, its file grown since, may be edited back)."""
        if (problem := work_problem(after, self.base_dir)) and not work_problem(self.scenario, self.base_dir):
            raise EditError([problem])

    def _edit_text(self, paths: list[FieldPath]) -> str:
        """What an edit is called in Edit > Undo: "Change Latitude of Radar", as the panel names it."""
        path = paths[0]
        label = field_label(next(p for p in reversed(path) if isinstance(p, str)), unit=False)
        if len(paths) > 1:
            return f"Change {label} of {len(paths)} objects"
        if path[0] in ITEM_LISTS and len(path) > 2:
            return f"Change {label} of {getattr(self.scenario, path[0])[path[1]].name}"
        return f"Change {label} of the scenario"

    def try_set_fields(self, paths: list[FieldPath], value: Any) -> list[str] | None:
        """``set_fields``; if that is invalid, its problems instead (and nothing changes)."""
        try:
            self.set_fields(paths, value)
        except EditError as err:
            return err.problems
        return None

    def _replace(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.changed.emit(scenario)
