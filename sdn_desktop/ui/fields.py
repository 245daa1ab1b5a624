"""One editor widget per kind of model field, all with ``value()``, ``set_value()`` and ``committed``.

Spin boxes take their unit suffix from the field name (``_km`` -> " km") and commit on Enter, focus
loss or an arrow click, not on every keystroke. They accept any number: the model says what is out of
range, next to the field (a spin box would clamp 95 to 9 or revert 0 without a word).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

UNITS = (
    ("_rev_per_day", "rev/day", 6),
    ("_deg", "°", 4),
    ("_km", "km", 1),
    ("_ms", "ms", 3),
    ("_m", "m", 1),
    ("_s", "s", 1),
)
WORDS = {
    "isl": "ISL",
    "raan": "RAAN",
    "c2": "C2",
    "lat": "Latitude",
    "lon": "Longitude",
    "alt": "Altitude",
    "t": "Time",
}


def _unit_entry(name: str) -> tuple[str, str, int]:
    for ending, unit, decimals in UNITS:
        if name.endswith(ending):
            return ending, unit, decimals
    return "", "", 3


def unit_of(name: str) -> tuple[str, int]:
    """Unit suffix and decimals for a field name (``max_range_km`` -> ("km", 1))."""
    _ending, unit, decimals = _unit_entry(name)
    return unit, decimals


def field_label(name: str, unit: bool = True) -> str:
    """``max_range_km`` -> "Max range (km)" (without ``unit``: "Max range")."""
    ending, suffix, _ = _unit_entry(name)
    stem = name.removesuffix(ending) if ending else name
    words = [WORDS.get(w, w) for w in stem.split("_")]
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    return f"{text} ({suffix})" if suffix and unit else text


_PYDANTIC_WORDS = (
    ("Input should be greater than or equal to", "must be at least"),
    ("Input should be less than or equal to", "must be at most"),
    ("Input should be greater than", "must be more than"),
    ("Input should be less than", "must be less than"),
)
_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def readable_problem(line: str, shown: str | None = None) -> str:
    """A "field.path: message" line as the properties panel names things:
    ``nodes[0] 'Radar'.position.lat_deg: Input should be less than or equal to 90`` reads
    "Latitude (°) of Radar: must be at most 90" (without "of Radar" when ``shown`` is "Radar")."""
    path, sep, message = line.partition(": ")
    if not sep:
        return line
    owner = re.search(r"'([^']*)'", path)
    fields = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path[owner.end() :] if owner else path)
    if not fields:
        text = owner.group(1) if owner else path  # the object itself
    else:
        text = field_label(fields[-1])
        if owner and owner.group(1) != shown:
            text += f" of {owner.group(1)}"
    for words, plain in _PYDANTIC_WORDS:
        message = message.replace(words, plain)
    message = _IDENTIFIER.sub(lambda m: field_label(m.group(), unit=False), message)
    return f"{text}: {message}"


FLOAT_RANGE = 1e9


class FloatEditor(QDoubleSpinBox):
    committed = Signal()

    def __init__(self, name: str):
        super().__init__()
        unit, decimals = unit_of(name)
        self.setDecimals(decimals)
        self.setRange(-FLOAT_RANGE, FLOAT_RANGE)
        if unit:
            self.setSuffix(f" {unit}" if unit != "°" else unit)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        self.valueChanged.connect(self.committed)

    def set_value(self, value: float) -> None:
        with signals_blocked(self):
            self.setValue(value)


class IntEditor(QSpinBox):
    committed = Signal()

    def __init__(self):
        super().__init__()
        self.setRange(-(2**31) + 1, 2**31 - 1)
        self.setKeyboardTracking(False)
        self.valueChanged.connect(self.committed)

    def set_value(self, value: int) -> None:
        with signals_blocked(self):
            self.setValue(value)


class BoolEditor(QCheckBox):
    committed = Signal()

    def __init__(self):
        super().__init__()
        self.toggled.connect(self.committed)

    def value(self) -> bool:
        return self.isChecked()

    def set_value(self, value: bool) -> None:
        with signals_blocked(self):
            self.setChecked(bool(value))


class ChoiceEditor(QComboBox):
    committed = Signal()

    def __init__(self, choices: tuple[str, ...]):
        super().__init__()
        self.addItems(list(choices))
        self.activated.connect(lambda _i: self.committed.emit())

    def value(self) -> str:
        return self.currentText()

    def set_value(self, value: str) -> None:
        with signals_blocked(self):
            self.setCurrentText(value)


class TextEditor(QLineEdit):
    committed = Signal()

    def __init__(self):
        super().__init__()
        self.editingFinished.connect(self._finished)
        self._shown = ""

    def _finished(self) -> None:
        if self.text() != self._shown:
            self.committed.emit()

    def value(self) -> str:
        return self.text()

    def set_value(self, value: str) -> None:
        self._shown = value
        with signals_blocked(self):
            self.setText(value)


class ColorEditor(QPushButton):
    """A swatch button; clicking opens the colour picker."""

    committed = Signal()

    def __init__(self):
        super().__init__()
        self._color = "#ffffff"
        self.clicked.connect(self._pick)

    def _pick(self) -> None:
        color = QColorDialog.getColor(QColor(self._color), self, "Colour")
        if color.isValid():
            self.set_value(color.name())
            self.committed.emit()

    def value(self) -> str:
        return self._color

    def set_value(self, value: str) -> None:
        self._color = value
        self.setText(value)
        self.setStyleSheet(
            f"background: {value}; color: {'#000' if QColor(value).lightness() > 128 else '#fff'};"
        )


class DateTimeEditor(QDateTimeEdit):
    committed = Signal()

    def __init__(self):
        super().__init__()
        self.setTimeZone(QTimeZone(QTimeZone.Initialization.UTC))
        self.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self.setCalendarPopup(True)
        self.setKeyboardTracking(False)
        self.dateTimeChanged.connect(lambda _v: self.committed.emit())

    def value(self) -> datetime:
        return datetime.fromtimestamp(self.dateTime().toMSecsSinceEpoch() / 1000, UTC)

    def set_value(self, value: datetime) -> None:
        with signals_blocked(self):
            ms = round(value.timestamp() * 1000)
            self.setDateTime(QDateTime.fromMSecsSinceEpoch(ms, QTimeZone(QTimeZone.Initialization.UTC)))


class OptionalEditor(QWidget):
    """A checkbox that switches an optional field between None and the inner editor's value."""

    committed = Signal()

    def __init__(self, inner: QWidget, default: Any):
        super().__init__()
        self.inner = inner
        self.default = default
        self.check = QCheckBox()
        self.check.setToolTip("Tick to set a value; untick for none")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(inner, 1)
        self.check.toggled.connect(self._toggled)
        inner.committed.connect(self.committed)

    def _toggled(self, on: bool) -> None:
        self.inner.setEnabled(on)
        self.committed.emit()

    def value(self) -> Any:
        return self.inner.value() if self.check.isChecked() else None

    def set_value(self, value: Any) -> None:
        with signals_blocked(self.check):
            self.check.setChecked(value is not None)
        self.inner.setEnabled(value is not None)
        self.inner.set_value(self.default if value is None else value)


class RowsEditor(QWidget):
    """A table for a list field: strings, tuples of strings, or small models such as waypoints.

    ``columns`` are (key, header, type) with type ``str`` or ``float``; rows are dicts (``as_dicts``)
    or tuples/strings. Rows are committed whole; an empty cell blocks the commit with a message."""

    committed = Signal()
    problem = Signal(str)

    def __init__(self, columns: list[tuple[str | None, str, type]], as_dicts: bool, new_row=None):
        super().__init__()
        self.columns = columns
        self.as_dicts = as_dicts
        self.new_row = new_row
        self.table = QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels([header for _k, header, _t in columns])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(110)
        self.table.cellChanged.connect(lambda *_: self._commit())
        add = QPushButton("Add row")
        remove = QPushButton("Remove row")
        add.clicked.connect(self._add)
        remove.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._rows: list = []

    def _cells(self, row: Any) -> list[Any]:
        if self.as_dicts:
            return [row[key] for key, _h, _t in self.columns]
        return list(row) if isinstance(row, tuple | list) else [row]

    def set_value(self, rows: list) -> None:
        self._rows = list(rows or [])
        with signals_blocked(self.table):
            self.table.setRowCount(len(self._rows))
            for r, row in enumerate(self._rows):
                for c, cell in enumerate(self._cells(row)):
                    text = f"{cell:g}" if isinstance(cell, float) else str(cell)
                    item = QTableWidgetItem(text)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.table.setItem(r, c, item)

    def value(self) -> list:
        """The rows as typed values; raises ValueError naming the bad cell."""
        out = []
        for r in range(self.table.rowCount()):
            cells = []
            for c, (_key, header, kind) in enumerate(self.columns):
                item = self.table.item(r, c)
                text = item.text().strip() if item else ""
                if not text:
                    raise ValueError(f"row {r + 1}: fill in '{header}'")
                try:
                    cells.append(kind(text))
                except ValueError:
                    raise ValueError(f"row {r + 1}, {header}: '{text}' is not a number") from None
            if self.as_dicts:
                out.append({key: v for (key, _h, _t), v in zip(self.columns, cells, strict=True)})
            else:
                out.append(tuple(cells) if len(cells) > 1 else cells[0])
        return out

    def _add(self) -> None:
        row = self.new_row(self._rows) if self.new_row else None
        with signals_blocked(self.table):
            r = self.table.rowCount()
            self.table.insertRow(r)
            for c, cell in enumerate(self._cells(row) if row is not None else [""] * len(self.columns)):
                text = f"{cell:g}" if isinstance(cell, float) else str(cell)
                self.table.setItem(r, c, QTableWidgetItem(text))
        if row is not None:
            self._commit()
        else:
            self.table.editItem(self.table.item(r, 0))

    def _remove(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()} or {self.table.rowCount() - 1})
        for r in reversed(rows):
            if r >= 0:
                self.table.removeRow(r)
        self._commit()

    def _commit(self) -> None:
        try:
            self.value()
        except ValueError as err:
            self.problem.emit(str(err))
            return
        self.committed.emit()
