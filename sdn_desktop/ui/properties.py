"""The properties panel: every field of the selected object, edited with a fitting widget.

Widgets are generated from the pydantic model. An edit calls ``apply(path, value)``, which returns
the validation problems (the edit is then not applied) or ``None``; problems are shown under the
field. After any change of the scenario (edit, undo, redo) the widgets show the new values.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..scenario import Constellation, KillChain, Node, Scenario, TleSource, WalkerSource, Waypoint
from .document import FieldPath, value_at
from .fields import (
    BoolEditor,
    ChoiceEditor,
    ColorEditor,
    DateTimeEditor,
    FloatEditor,
    IntEditor,
    OptionalEditor,
    RowsEditor,
    TextEditor,
    field_label,
)
from .tree import ObjectRef

Apply = Callable[[FieldPath, Any], list[str] | None]
HIDDEN = {"format", "version", "kind", "constellations", "nodes", "chains"}
MODEL_OF = {"constellations": Constellation, "nodes": Node, "chains": KillChain}
WAYPOINT_COLUMNS = [
    ("t_s", "Time (s)", float),
    ("lat_deg", "Lat (°)", float),
    ("lon_deg", "Lon (°)", float),
    ("alt_m", "Alt (m)", float),
]
ERROR_STYLE = "color: #ff6e6e; font-size: 11px;"


def _shape(value: Any) -> Any:
    """The structure of a dumped object (which optional parts are set), ignoring scalar values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return "list"
    return value is None


def _next_waypoint(rows: list[dict]) -> dict:
    if not rows:
        return {"t_s": 0.0, "lat_deg": 0.0, "lon_deg": 0.0, "alt_m": 0.0}
    return {**rows[-1], "t_s": float(rows[-1]["t_s"]) + 600.0}


class FieldRow(QWidget):
    """An editor with its validation message underneath."""

    def __init__(self, editor: QWidget):
        super().__init__()
        self.editor = editor
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(editor)
        layout.addWidget(self.error)

    def show_problems(self, problems: list[str] | None) -> None:
        self.error.setText("\n".join(problems or []))
        self.error.setVisible(bool(problems))


class PropertyPanel(QScrollArea):
    """Edits the object the tree selected; emits ``chain_nodes_requested(i)`` for a chain's node list."""

    chain_nodes_requested = Signal(int)

    def __init__(self, apply: Apply, parent: QWidget | None = None):
        super().__init__(parent)
        self.apply = apply
        self.setWidgetResizable(True)
        self.setMinimumWidth(330)
        self._ref: ObjectRef | None = None
        self._shape: Any = None
        self._rows: dict[FieldPath, FieldRow] = {}
        self._chain_label: QLabel | None = None
        self._motion: QComboBox | None = None
        self.show_message("Select an object in the tree or on the globe.")

    # ------------------------------------------------------------------ public
    def show_message(self, text: str) -> None:
        self._ref = None
        self._rows = {}
        label = QLabel(text)
        label.setWordWrap(True)
        label.setMargin(12)
        self.setWidget(label)

    def show_object(self, scenario: Scenario, ref: ObjectRef | None) -> None:
        """Build the editor for ``ref`` (or a hint when nothing is selected)."""
        if ref is None or (ref[0] != "scenario" and ref[1] >= len(getattr(scenario, ref[0]))):
            self.show_message("Select an object in the tree or on the globe.")
            return
        self._ref = ref
        self._scenario = scenario
        data = self._data(scenario)
        self._shape = _shape(data)
        self._rows = {}
        self._chain_label = self._motion = None
        page = QWidget()
        layout = QVBoxLayout(page)
        title = QLabel(self._title(scenario, ref))
        title.setStyleSheet("font-weight: bold; font-size: 14px; padding: 4px 0;")
        layout.addWidget(title)
        model = Scenario if ref[0] == "scenario" else MODEL_OF[ref[0]]
        layout.addLayout(self._form(model, data, ()))
        layout.addStretch(1)
        self.setWidget(page)

    def refresh(self, scenario: Scenario) -> None:
        """Show the values of ``scenario`` (rebuilds only if the object's structure changed)."""
        if self._ref is None:
            return
        kind, index = self._ref
        if kind != "scenario" and index >= len(getattr(scenario, kind)):
            self.show_message("Select an object in the tree or on the globe.")
            return
        self._scenario = scenario
        data = self._data(scenario)
        if _shape(data) != self._shape:
            self.show_object(scenario, self._ref)
            return
        for path, row in self._rows.items():
            row.editor.set_value(value_at(data, path))
            row.show_problems(None)
        if self._chain_label is not None:
            self._chain_label.setText(" → ".join(data["nodes"]))

    def row(self, path: FieldPath) -> FieldRow:
        """The row editing ``path`` (relative to the object); for tests and focus handling."""
        return self._rows[path]

    # ------------------------------------------------------------------ building
    def _data(self, scenario: Scenario) -> dict:
        kind, index = self._ref
        obj = scenario if kind == "scenario" else getattr(scenario, kind)[index]
        return obj.model_dump()

    def _title(self, scenario: Scenario, ref: ObjectRef) -> str:
        kind, index = ref
        if kind == "scenario":
            return "Scenario"
        obj = getattr(scenario, kind)[index]
        what = {"constellations": "Constellation", "chains": "Kill chain"}.get(kind)
        if kind == "nodes":
            what = {"c2": "C2 node"}.get(obj.role, obj.role.capitalize())
        return f"{what}: {obj.name}"

    def _full_path(self, path: FieldPath) -> FieldPath:
        kind, index = self._ref
        return path if kind == "scenario" else (kind, index, *path)

    def _form(self, model: type[BaseModel], data: dict, prefix: FieldPath) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, info in model.model_fields.items():
            if name in HIDDEN or (model is Node and name == "waypoints"):
                continue
            path = (*prefix, name)
            if model is Node and name == "position":
                self._add_motion(form, data, path)
            elif model is KillChain and name == "nodes":
                form.addRow("Nodes", self._chain_nodes(data["nodes"]))
            else:
                self._add_field(form, name, info, data[name], path)
        return form

    def _add_field(self, form: QFormLayout, name: str, info: FieldInfo, value: Any, path: FieldPath) -> None:
        annotation = info.annotation
        if isinstance(value, dict):  # a nested model, or the constellation source union
            model = _nested_model(annotation, value)
            box = QGroupBox(field_label(name) + (f" ({value['kind']})" if "kind" in value else ""))
            box.setLayout(self._form(model, value, path))
            form.addRow(box)
            return
        editor = self._editor(name, info, annotation, value)
        if editor is None:
            return
        label = QLabel(field_label(name))
        label.setToolTip(info.description or "")
        editor.setToolTip(info.description or "")
        self._bind(editor, path, value)
        form.addRow(label, self._rows[path])

    def _editor(self, name: str, info: FieldInfo, annotation: Any, value: Any) -> QWidget | None:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        args = typing.get_args(annotation)
        if _is_optional(annotation):
            inner_type = next(a for a in args if a is not type(None))
            inner = self._editor(name, info, inner_type, value)
            return OptionalEditor(inner, _default_for(inner_type, info, name))
        origin = typing.get_origin(annotation)
        if origin is Literal:
            return ChoiceEditor(args)
        if origin is list:
            return _list_editor(args[0])
        if annotation is bool:
            return BoolEditor()
        if annotation is int:
            return IntEditor(name, info.metadata)
        if annotation is float:
            return FloatEditor(name, info.metadata)
        if annotation is datetime:
            return DateTimeEditor()
        if annotation is str:
            return ColorEditor() if name == "color" else TextEditor()
        return None

    def _bind(self, editor: QWidget, path: FieldPath, value: Any) -> None:
        row = FieldRow(editor)
        editor.set_value(value)
        self._rows[path] = row

        def commit() -> None:
            try:
                new = editor.value()
            except ValueError as err:
                row.show_problems([str(err)])
                return
            row.show_problems(self.apply(self._full_path(path), new))

        editor.committed.connect(commit)
        if isinstance(editor, RowsEditor):
            editor.problem.connect(lambda text: row.show_problems([text]))

    def _add_motion(self, form: QFormLayout, data: dict, path: FieldPath) -> None:
        """A node moves along waypoints or stays at a position: a switch, then the fields of either."""
        self._motion = QComboBox()
        self._motion.addItems(["Fixed position", "Waypoints"])
        moving = data["waypoints"] is not None
        self._motion.setCurrentIndex(int(moving))
        self._motion.activated.connect(lambda i: self._switch_motion(i == 1))
        motion_row = FieldRow(self._motion)
        form.addRow("Motion", motion_row)
        self._motion_row = motion_row
        if moving:
            editor = RowsEditor(WAYPOINT_COLUMNS, as_dicts=True, new_row=_next_waypoint)
            self._bind(editor, ("waypoints",), data["waypoints"])
            form.addRow("Waypoints", self._rows[("waypoints",)])
        else:
            info = Node.model_fields["position"]
            box = QGroupBox("Position")
            inner = QFormLayout()
            for name, sub in info.annotation.__args__[0].model_fields.items():
                editor = FloatEditor(name, sub.metadata)
                self._bind(editor, (*path, name), data["position"][name])
                inner.addRow(field_label(name), self._rows[(*path, name)])
            box.setLayout(inner)
            form.addRow(box)

    def _switch_motion(self, moving: bool) -> None:
        """Replace the node's position by two waypoints starting there, or the reverse."""
        data = self._data(self._scenario)
        if moving == (data["waypoints"] is not None):
            return
        if moving:
            first = {**data["position"], "t_s": 0.0}
            data.update(position=None, waypoints=[first, _next_waypoint([first])])
        else:
            first = data["waypoints"][0]
            data.update(position={k: first[k] for k in ("lat_deg", "lon_deg", "alt_m")}, waypoints=None)
        self._motion_row.show_problems(self.apply(self._full_path(()), data))

    def _chain_nodes(self, nodes: list[str]) -> QWidget:
        widget = QWidget()
        layout = QHBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        self._chain_label = QLabel(" → ".join(nodes))
        self._chain_label.setWordWrap(True)
        button = QPushButton("Pick...")
        button.setToolTip("Choose the chain's nodes in order")
        button.clicked.connect(lambda: self.chain_nodes_requested.emit(self._ref[1]))
        layout.addWidget(self._chain_label, 1)
        layout.addWidget(button)
        return widget


def _is_optional(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (types.UnionType, typing.Union) and type(None) in typing.get_args(
        annotation
    )


def _nested_model(annotation: Any, value: dict) -> type[BaseModel]:
    if "kind" in value:
        return {"walker": WalkerSource, "tle": TleSource}[value["kind"]]
    return annotation


def _default_for(annotation: Any, info: FieldInfo, name: str) -> Any:
    """The value an optional field takes when its checkbox is ticked."""
    if annotation is str:
        return "#ffffff" if name == "color" else ""
    low = next((getattr(m, a) for m in info.metadata for a in ("ge", "gt") if hasattr(m, a)), 0)
    return annotation(max(low, 1) if annotation is int else low + 1.0)


def _list_editor(item: Any) -> RowsEditor:
    if item is Waypoint:
        return RowsEditor(WAYPOINT_COLUMNS, as_dicts=True, new_row=_next_waypoint)
    if typing.get_origin(item) is tuple:
        return RowsEditor([(None, "Terminal A", str), (None, "Terminal B", str)], as_dicts=False)
    return RowsEditor([(None, "Name", str)], as_dicts=False)
