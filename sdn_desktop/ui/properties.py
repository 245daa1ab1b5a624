"""The properties panel: every field of the selected object, edited with a fitting widget.

Widgets are generated from the pydantic model. An edit calls ``apply(path, value)``, which returns
the validation problems (the edit is then not applied) or ``None``; problems are shown under the
field. After any change of the scenario (edit, undo, redo) the widgets show the new values.

Several objects of one kind show the fields they share: a value they differ in reads "— mixed —",
and an edit sets the field of all of them through ``apply_all(paths, value)``.
"""

from __future__ import annotations

import types
import typing
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from ..scenario import (
    Constellation,
    KillChain,
    Node,
    OmmSource,
    Scenario,
    TleSource,
    WalkerSource,
    Waypoint,
)
from ..scenario.edits import EVENT_MODELS, SELECTION_FIELDS, FieldPath, value_at
from ..scenario.model import Threat, ThreatWaypoint
from ..styles import node_color
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
    readable_problem,
)
from .tree import ObjectRef

Apply = Callable[[FieldPath, Any], list[str] | None]
ApplyAll = Callable[[list[FieldPath], Any], list[str] | None]
HIDDEN = {"format", "version", "kind", "constellations", "nodes", "chains", "threats", "events"}
MODEL_OF = {"constellations": Constellation, "nodes": Node, "chains": KillChain, "threats": Threat}
WAYPOINT_COLUMNS = [
    ("t_s", "Time (s)", float),
    ("lat_deg", "Lat (°)", float),
    ("lon_deg", "Lon (°)", float),
    ("alt_m", "Alt (m)", float),
]
ERROR_STYLE = "color: #ff6e6e; font-size: 11px;"
HINT = "Select an object in the tree or on the globe."
MIXED = "— mixed —"
# Left out when several objects are selected, as no two may share a value: names are unique, and two
# constellations read from one TLE file would be the same satellites. So are lists (a chain's nodes).
OWN_VALUE_FIELDS = {"name", "path"}
MOTIONS = ["Fixed position", "Waypoints"]
PAIR_COLUMNS = {  # lists of pairs: what each half holds
    "disabled_links": ("Satellite A", "Satellite B"),
    "compatible": ("Terminal A", "Terminal B"),
    "links": ("Satellite A", "Satellite B"),
}
NOUNS = {"scenario": "scenario", "constellations": "constellation", "nodes": "node", "chains": "kill chain"}
NOUNS |= {"threats": "threat", "events": "event"}


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

    def __init__(self, editor: QWidget, values: list[Any]):
        super().__init__()
        self.editor = editor
        self.values = values  # what the objects hold (Escape goes back to it)
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

    def show_values(self, values: list[Any]) -> None:
        self.values = values
        _show_values(self.editor, values)
        self.show_problems(None)

    def revert(self) -> None:
        """Give up what was typed: the field shows what the objects hold again."""
        self.show_values(self.values)


class PropertyPanel(QScrollArea):
    """Edits the object(s) the tree selected; emits ``chain_nodes_requested(i)`` for a chain's node list."""

    chain_nodes_requested = Signal(int)

    def __init__(self, apply: Apply, parent: QWidget | None = None):
        super().__init__(parent)
        self.apply = apply
        self.setWidgetResizable(True)
        self.setMinimumWidth(330)
        self._refs: list[ObjectRef] = []
        self._apply_all: ApplyAll | None = None
        self._shape: Any = None
        self._rows: dict[FieldPath, FieldRow] = {}
        self._chain_label: QLabel | None = None
        self._title_label: QLabel | None = None
        self._motion: QComboBox | None = None
        self.show_message(HINT)

    # ------------------------------------------------------------------ public
    def show_message(self, text: str) -> None:
        self._refs = []
        self._rows = {}
        label = QLabel(text)
        label.setWordWrap(True)
        label.setMargin(12)
        self._set_page(label)

    def show_selection(self, scenario: Scenario, refs: list[ObjectRef], apply_all: ApplyAll) -> None:
        """One object: its editor. Several of one kind: the fields they share, where an edit sets all
        of them through ``apply_all(paths, value)``. Several kinds: a message naming what is selected."""
        if len({kind for kind, _ in refs}) > 1:
            self.show_message(f"{_summary(refs)} selected: select objects of one kind to edit them together.")
            return
        self._apply_all = apply_all
        self._show(scenario, refs)

    def refresh(self, scenario: Scenario) -> None:
        """Show the values of ``scenario`` (rebuilds only if the objects' structure changed)."""
        if not self._refs:
            return
        if not all(_exists(scenario, ref) for ref in self._refs):
            self.show_message(HINT)
            return
        self._scenario = scenario
        datas = self._datas(scenario)
        if [_shape(data) for data in datas] != self._shape:
            self._show(scenario, self._refs)
            return
        if self._refs[0][0] == "nodes" and ("color",) in self._rows:  # the role may have changed
            self._rows[("color",)].editor.default = _role_color(datas)
        for path, row in self._rows.items():
            row.show_values([value_at(data, path) for data in datas])
        self._title_label.setText(self._title(scenario))
        if self._chain_label is not None:
            self._chain_label.setText(" → ".join(datas[0]["nodes"]))

    def row(self, path: FieldPath) -> FieldRow:
        """The row editing ``path`` (relative to the object); for tests and focus handling."""
        return self._rows[path]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Undo and redo act on the document even while the cursor is in a field (a field would
        take Ctrl+Z for its own text); Escape gives up a refused value. Typing into a spin box that
        reads "— mixed —" replaces that text (Qt would refuse the keys)."""
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and any(
            event.matches(key) for key in (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)
        ):
            return True  # not overridden: the window's Undo/Redo shortcut fires
        if kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            row = _row_of(watched)
            if row is not None and not row.error.isHidden():
                row.revert()
                return True
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(watched, QAbstractSpinBox)
            and watched.text() == MIXED
            and event.text().strip()
        ):
            watched.lineEdit().clear()
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ building
    def _show(self, scenario: Scenario, refs: list[ObjectRef]) -> None:
        """Build the editors for ``refs``: one object, or several of one kind."""
        if not refs or not all(_exists(scenario, ref) for ref in refs):
            self.show_message(HINT)
            return
        self._refs = refs
        self._scenario = scenario
        datas = self._datas(scenario)
        self._shape = [_shape(data) for data in datas]
        self._rows = {}
        self._chain_label = self._motion = None
        page = QWidget()
        layout = QVBoxLayout(page)
        self._title_label = QLabel(self._title(scenario))
        self._title_label.setStyleSheet("font-weight: bold; font-size: 14px; padding: 4px 0;")
        layout.addWidget(self._title_label)
        if len(refs) > 1:
            names = QLabel(", ".join(data["name"] for data in datas) + "\nAn edit applies to all of them.")
            names.setWordWrap(True)
            names.setStyleSheet("color: gray;")
            layout.addWidget(names)
        kind = refs[0][0]
        if kind == "events" and len({data["kind"] for data in datas}) > 1:
            self.show_message("Events of different kinds: select events of one kind to edit them together.")
            return
        model = Scenario if kind == "scenario" else MODEL_OF.get(kind) or EVENT_MODELS[datas[0]["kind"]]
        layout.addLayout(self._form(model, datas, ()))
        layout.addStretch(1)
        self._set_page(page)

    def _set_page(self, page: QWidget) -> None:
        """Show ``page``; the old one goes later, as the edit that replaced it may still be running."""
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()
        self.setWidget(page)

    def _datas(self, scenario: Scenario) -> list[dict]:
        return [
            (scenario if kind == "scenario" else getattr(scenario, kind)[index]).model_dump()
            for kind, index in self._refs
        ]

    def _title(self, scenario: Scenario) -> str:
        kind = self._refs[0][0]
        if kind == "scenario":
            return "Scenario"
        objects = [getattr(scenario, kind)[index] for _, index in self._refs]
        nouns = {_noun(kind, obj) for obj in objects}
        if len(objects) == 1:
            return f"{nouns.pop().capitalize()}: {objects[0].name}"
        return _count(len(objects), nouns.pop() if len(nouns) == 1 else NOUNS[kind])

    def _full_path(self, ref: ObjectRef, path: FieldPath) -> FieldPath:
        kind, index = ref
        return path if kind == "scenario" else (kind, index, *path)

    def _commit(self, path: FieldPath, value: Any) -> list[str] | None:
        """Set ``path`` (relative to the objects) in every shown object; the problems if that is invalid."""
        paths = [self._full_path(ref, path) for ref in self._refs]
        return self.apply(paths[0], value) if len(paths) == 1 else self._apply_all(paths, value)

    def _form(self, model: type[BaseModel], datas: list[dict], prefix: FieldPath) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, info in model.model_fields.items():
            shown_kind = model is Threat and name == "kind"  # a threat's kind is a choice, not a tag
            if (name in HIDDEN and not shown_kind) or (model is Node and name == "waypoints"):
                continue
            values = [data[name] for data in datas]
            if len(datas) > 1 and (name in OWN_VALUE_FIELDS or isinstance(values[0], list)):
                continue  # edited one object at a time: see OWN_VALUE_FIELDS
            path = (*prefix, name)
            if name in SELECTION_FIELDS and model in EVENT_MODELS.values():  # planes, random: read-only
                if len(datas) == 1:
                    form.addRow(field_label(name), _read_only(SELECTION_FIELDS[name](values[0])))
            elif model is Node and name == "position":
                self._add_motion(form, datas, path)
            elif model is KillChain and name == "nodes":
                form.addRow("Nodes", self._chain_nodes(values[0]))
            else:
                role_color = _role_color(datas) if model is Node and name == "color" else None
                self._add_field(form, name, info, values, path, role_color)
        return form

    def _add_field(
        self, form: QFormLayout, name: str, info: FieldInfo, values: list[Any], path: FieldPath,
        default: Any = None,
    ) -> None:  # fmt: skip
        """A row editing ``path``; ``default``: what an optional field takes when ticked, if not the
        type's (a node's colour starts as its role's)."""
        annotation = info.annotation
        value = values[0]
        if isinstance(value, dict):  # a nested model, or the constellation source union
            kinds = {v.get("kind") for v in values}
            if len(kinds) > 1:  # Walker and TLE sources have different fields
                form.addRow(field_label(name), QLabel(f"{MIXED} ({', '.join(sorted(kinds))})"))
                return
            model = _nested_model(annotation, value)
            box = QGroupBox(field_label(name) + (f" ({value['kind']})" if "kind" in value else ""))
            box.setLayout(self._form(model, values, path))
            form.addRow(box)
            return
        editor = self._editor(name, info, annotation, value)
        if editor is None:
            return
        if default is not None:
            editor.default = default
        label = QLabel(field_label(name))
        label.setToolTip(info.description or "")
        editor.setToolTip(info.description or "")
        self._bind(editor, path, values)
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
            return _list_editor(name, args[0])
        if annotation is bool:
            return BoolEditor()
        if annotation is int:
            return IntEditor()
        if annotation is float:
            return FloatEditor(name)
        if annotation is datetime:
            return DateTimeEditor()
        if annotation is str:
            return ColorEditor() if name == "color" else TextEditor()
        return None

    def _bind(self, editor: QWidget, path: FieldPath, values: list[Any]) -> None:
        row = FieldRow(editor, values)
        _show_values(editor, values)
        self._rows[path] = row
        for widget in (editor, *editor.findChildren(QAbstractSpinBox), *editor.findChildren(QLineEdit)):
            widget.installEventFilter(self)

        def commit() -> None:
            try:
                new = editor.value()
            except ValueError as err:
                row.show_problems([str(err)])
                return
            problems = self._commit(path, new)
            shown = self._datas(self._scenario)[0].get("name") if len(self._refs) == 1 else None
            row.show_problems([readable_problem(p, shown) for p in problems or []])

        editor.committed.connect(commit)
        if isinstance(editor, RowsEditor):
            editor.problem.connect(lambda text: row.show_problems([text]))

    def _add_motion(self, form: QFormLayout, datas: list[dict], path: FieldPath) -> None:
        """A node moves along waypoints or stays at a position: a switch, then the fields of either.
        Several nodes show the switch read-only, and the position fields if all of them stay fixed."""
        fixed = all(data["waypoints"] is None for data in datas)
        moving = all(data["waypoints"] is not None for data in datas)
        if len(datas) > 1:
            form.addRow("Motion", QLabel(MOTIONS[0] if fixed else MOTIONS[1] if moving else MIXED))
        else:
            self._motion = QComboBox()
            self._motion.addItems(MOTIONS)
            self._motion.setCurrentIndex(int(moving))
            self._motion.activated.connect(lambda i: self._switch_motion(i == 1))
            self._motion_row = FieldRow(self._motion, [])
            form.addRow("Motion", self._motion_row)
            if moving:
                editor = RowsEditor(WAYPOINT_COLUMNS, as_dicts=True, new_row=_next_waypoint)
                self._bind(editor, ("waypoints",), [datas[0]["waypoints"]])
                form.addRow("Waypoints", self._rows[("waypoints",)])
        if fixed:
            info = Node.model_fields["position"]
            box = QGroupBox("Position")
            inner = QFormLayout()
            for name in info.annotation.__args__[0].model_fields:
                editor = FloatEditor(name)
                self._bind(editor, (*path, name), [data["position"][name] for data in datas])
                inner.addRow(field_label(name), self._rows[(*path, name)])
            box.setLayout(inner)
            form.addRow(box)

    def _switch_motion(self, moving: bool) -> None:
        """Replace the node's position by two waypoints starting there, or the reverse."""
        data = self._datas(self._scenario)[0]
        if moving == (data["waypoints"] is not None):
            return
        if moving:
            first = {**data["position"], "t_s": 0.0}
            data.update(position=None, waypoints=[first, _next_waypoint([first])])
        else:
            first = data["waypoints"][0]
            data.update(position={k: first[k] for k in ("lat_deg", "lon_deg", "alt_m")}, waypoints=None)
        problems = self.apply(self._full_path(self._refs[0], ()), data) or []
        self._motion_row.show_problems([readable_problem(p, data["name"]) for p in problems])

    def _chain_nodes(self, nodes: list[str]) -> QWidget:
        widget = QWidget()
        layout = QHBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        self._chain_label = QLabel(" → ".join(nodes))
        self._chain_label.setWordWrap(True)
        button = QPushButton("Edit...")
        button.setToolTip("Reorder, add or remove the chain's nodes (or pick them in the tree)")
        button.clicked.connect(lambda: self.chain_nodes_requested.emit(self._refs[0][1]))
        layout.addWidget(self._chain_label, 1)
        layout.addWidget(button)
        return widget


def _row_of(widget: QObject | None) -> FieldRow | None:
    """The field row ``widget`` belongs to."""
    while widget is not None and not isinstance(widget, FieldRow):
        widget = widget.parent()
    return widget


def _exists(scenario: Scenario, ref: ObjectRef) -> bool:
    kind, index = ref
    return kind == "scenario" or index < len(getattr(scenario, kind))


def _noun(kind: str, obj: Any) -> str:
    """What an object is called: "constellation", "kill chain", or a node's role ("C2 node")."""
    return {"c2": "C2 node"}.get(obj.role, obj.role) if kind == "nodes" else NOUNS[kind]


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _summary(refs: list[ObjectRef]) -> str:
    """A selection counted by kind: "2 nodes, 1 constellation"."""
    counts = Counter(kind for kind, _ in refs)
    return ", ".join(_count(counts[kind], noun) for kind, noun in NOUNS.items() if counts[kind])


def _show_values(editor: QWidget, values: list[Any]) -> None:
    """Show the value the objects share, or "— mixed —" where they differ."""
    mixed = any(v != values[0] for v in values)
    if isinstance(editor, OptionalEditor):
        unset = None in values
        editor.set_value(None if unset else values[0])
        _show_values(editor.inner, [editor.default] if unset else values)
        some_unset = mixed and unset  # "☐ — mixed —": ticking gives all of them the default
        editor.check.setText(MIXED if some_unset else "")
        editor.inner.setVisible(not some_unset)
    elif isinstance(editor, FloatEditor | IntEditor):
        _make_room_for_mixed(editor, mixed)
        editor.set_value(editor.minimum() if mixed else values[0])
    elif isinstance(editor, ChoiceEditor):
        editor.setPlaceholderText(MIXED)
        editor.set_value(values[0])
        if mixed:
            with signals_blocked(editor):
                editor.setCurrentIndex(-1)
    elif isinstance(editor, TextEditor):
        editor.setPlaceholderText(MIXED if mixed else "")
        editor.set_value("" if mixed else values[0])
    elif isinstance(editor, BoolEditor):
        editor.setText(MIXED if mixed else "")
        editor.set_value(False if mixed else values[0])
    else:
        editor.set_value(values[0])
        if mixed:  # a colour button
            editor.setText(MIXED)
            editor.setStyleSheet("")


def _make_room_for_mixed(box: QAbstractSpinBox, mixed: bool) -> None:
    """While mixed, the box goes one step below its range: Qt shows the minimum as "— mixed —"."""
    if mixed == bool(box.specialValueText()):
        return
    step = box.singleStep() if mixed else -box.singleStep()
    with signals_blocked(box):
        box.setMinimum(box.minimum() - step)
    box.setSpecialValueText(MIXED if mixed else "")


def _is_optional(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (types.UnionType, typing.Union) and type(None) in typing.get_args(
        annotation
    )


def _nested_model(annotation: Any, value: dict) -> type[BaseModel]:
    if "kind" in value:
        return {"walker": WalkerSource, "tle": TleSource, "omm": OmmSource}[value["kind"]]
    return annotation


def _default_for(annotation: Any, info: FieldInfo, name: str) -> Any:
    """The value an optional field takes when its checkbox is ticked."""
    if typing.get_origin(annotation) is typing.Annotated:  # a node's colour
        annotation = typing.get_args(annotation)[0]
    if annotation is str:
        return "#ffffff" if name == "color" else ""
    low = next((getattr(m, a) for m in info.metadata for a in ("ge", "gt") if hasattr(m, a)), 0)
    return annotation(max(low, 1) if annotation is int else low + 1.0)


def _role_color(datas: list[dict]) -> str:
    """The colour the (first) node is drawn in by its role: ticking "own colour" changes nothing seen."""
    return node_color(datas[0]["role"], None)


def _read_only(text: str) -> QLabel:
    label = QLabel(text + "\n(edit in the scenario file; the events' other fields edit here)")
    label.setWordWrap(True)
    label.setStyleSheet("color: gray;")
    return label


def _list_editor(name: str, item: Any) -> RowsEditor:
    if item in (Waypoint, ThreatWaypoint):
        return RowsEditor(WAYPOINT_COLUMNS, as_dicts=True, new_row=_next_waypoint)
    if typing.get_origin(item) is tuple:
        headers = PAIR_COLUMNS.get(name, ("First", "Second"))
        return RowsEditor([(None, header, str) for header in headers], as_dicts=False)
    return RowsEditor([(None, "Name", str)], as_dicts=False)
