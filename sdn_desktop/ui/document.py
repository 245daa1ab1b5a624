"""The open scenario, its file and its undo history.

Every edit replaces the whole (immutable-in-practice) ``Scenario`` by a validated copy; an undo
command holds the scenario before and after, so undo/redo can never produce an invalid state.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..scenario import Scenario, load_scenario, save_scenario
from ..scenario.io import format_validation_error

FieldPath = tuple[str | int, ...]


class EditError(Exception):
    """An edit that would make the scenario invalid; ``problems`` are "field.path: message" lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def value_at(data: Any, path: FieldPath) -> Any:
    for part in path:
        data = data[part]
    return data


def derive(scenario: Scenario, mutate: Callable[[dict], None]) -> Scenario:
    """A validated copy of ``scenario`` after ``mutate`` changed its plain-data form in place."""
    data = scenario.model_dump()
    mutate(data)
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise EditError(format_validation_error(err, data)) from None


# Fields of which the model wants exactly one: setting one clears the other in the same edit.
EITHER_OR = {"altitude_km": "mean_motion_rev_per_day", "mean_motion_rev_per_day": "altitude_km"}


def with_fields(scenario: Scenario, paths: list[FieldPath], value: Any) -> Scenario:
    """``scenario`` with the field at each of ``paths`` set to ``value``; renaming a node or
    constellation also renames its chain uses, and giving one of an either-or pair (altitude or
    mean motion) clears the other."""

    def mutate(data: dict) -> None:
        for path in paths:
            parent = value_at(data, path[:-1])
            old = parent[path[-1]]
            parent[path[-1]] = copy.deepcopy(value)
            other = EITHER_OR.get(path[-1])
            if value is not None and other in parent:
                parent[other] = None
            if len(path) == 3 and path[0] in ("nodes", "constellations") and path[2] == "name":
                for chain in data["chains"]:
                    chain["nodes"] = [value if ref == old else ref for ref in chain["nodes"]]

    return derive(scenario, mutate)


def without(scenario: Scenario, items: list[tuple[str, int]]) -> tuple[Scenario, list[str]]:
    """``scenario`` without the given (list name, index) items and without chains that used them.

    Returns the new scenario and the names of the chains removed with them."""
    removed_names = set()
    drop: dict[str, set[int]] = {"constellations": set(), "nodes": set(), "chains": set()}
    for kind, index in items:
        drop[kind].add(index)
        if kind != "chains":
            removed_names.add(getattr(scenario, kind)[index].name)
    dropped_chains = []
    for i, chain in enumerate(scenario.chains):
        if i not in drop["chains"] and removed_names.intersection(chain.nodes):
            drop["chains"].add(i)
            dropped_chains.append(chain.name)

    def mutate(data: dict) -> None:
        for kind, indices in drop.items():
            data[kind] = [item for i, item in enumerate(data[kind]) if i not in indices]

    return derive(scenario, mutate), dropped_chains


def unique_name(base: str, taken: set[str]) -> str:
    """``base`` itself, or ``base 2``, ``base 3``... whichever is free."""
    if base not in taken:
        return base
    n = 2
    while f"{base} {n}" in taken:
        n += 1
    return f"{base} {n}"


def taken_names(scenario: Scenario) -> set[str]:
    return {c.name for c in scenario.constellations} | {n.name for n in scenario.nodes}


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
        """Load ``path``; raises ScenarioError and leaves the document untouched if it is bad."""
        self.reset(load_scenario(path), path.resolve())

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
        label = ".".join(str(p) for p in paths[0][-2:] if isinstance(p, str))
        objects = f" of {len(paths)} objects" if len(paths) > 1 else ""
        self.apply(after, f"Edit {label}{objects}", merge_key=tuple(paths))

    def _replace(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.changed.emit(scenario)
