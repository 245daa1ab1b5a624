"""Dialogs: a Walker constellation with a live preview, a kill chain picked in order (from its list,
the tree, the globe or the map), a TLE report."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..scenario import Constellation, KillChain, Scenario, TleFile, WalkerSource
from ..scenario.edits import chain_order_warnings
from ..scenario.io import format_validation_error
from .fields import BoolEditor, ColorEditor, FloatEditor, IntEditor
from .icons import kind_icon, node_icon

ERROR_STYLE = "color: #ff6e6e;"
WARNING_STYLE = "color: #ffb74d;"


class WalkerDialog(QDialog):
    """A Walker delta/star shell: the satellite count and a RAAN / argument-of-latitude preview update
    as you type; OK is enabled only for a valid constellation (the reason is shown otherwise)."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Add Walker constellation")
        self.name = QLineEdit(name)
        self.color = ColorEditor()
        self.color.set_value("#80cbc4")
        self.pattern = QComboBox()
        self.pattern.addItems(["delta", "star"])
        self.planes = IntEditor()
        self.sats_per_plane = IntEditor()
        self.phasing = IntEditor()
        self.inclination = FloatEditor("inclination_deg")
        self.altitude = FloatEditor("altitude_km")
        self.sensor = BoolEditor()
        self.sensor.setText("Satellites carry tracking sensors")
        for widget, value in (
            (self.planes, 12),
            (self.sats_per_plane, 20),
            (self.phasing, 1),
            (self.inclination, 53.0),
            (self.altitude, 550.0),
        ):
            widget.setKeyboardTracking(True)
            widget.set_value(value)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Colour", self.color)
        form.addRow("Pattern", self.pattern)
        form.addRow("Planes", self.planes)
        form.addRow("Satellites per plane", self.sats_per_plane)
        form.addRow("Phasing F", self.phasing)
        form.addRow("Inclination", self.inclination)
        form.addRow("Altitude", self.altitude)
        form.addRow("", self.sensor)
        self.count = QLabel()
        self.count.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.problem = QLabel()
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.setWordWrap(True)
        self.preview = pg.PlotWidget()
        self.preview.setBackground("#15181d")
        self.preview.setLabel("bottom", "RAAN (°)")
        self.preview.setLabel("left", "Argument of latitude at epoch (°)")
        self.preview.setXRange(0, 360)
        self.preview.setYRange(0, 360)
        self.preview.setMinimumSize(320, 260)
        self.scatter = pg.ScatterPlotItem(size=5, pen=None)
        self.preview.addItem(self.scatter)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.count)
        left.addWidget(self.problem)
        left.addStretch(1)
        grid = QGridLayout(self)
        grid.addLayout(left, 0, 0)
        grid.addWidget(self.preview, 0, 1)
        grid.addWidget(self.buttons, 1, 0, 1, 2)
        for widget in (self.planes, self.sats_per_plane, self.phasing, self.inclination, self.altitude):
            widget.valueChanged.connect(self._update)
        self.pattern.currentTextChanged.connect(self._update)
        self.name.textChanged.connect(self._update)
        self.color.committed.connect(self._update)
        self._update()

    def constellation(self) -> Constellation | None:
        """The constellation described by the form, or None (with the reason shown) if invalid."""
        try:
            source = WalkerSource(
                pattern=self.pattern.currentText(),
                planes=self.planes.value(),
                sats_per_plane=self.sats_per_plane.value(),
                phasing=self.phasing.value(),
                inclination_deg=self.inclination.value(),
                altitude_km=self.altitude.value(),
            )
            result = Constellation(
                name=self.name.text(), color=self.color.value(), sensor=self.sensor.value(), source=source
            )
        except ValidationError as err:
            self.problem.setText("\n".join(format_validation_error(err, None)))
            return None
        self.problem.setText("")
        return result

    def _update(self) -> None:
        planes, per_plane = self.planes.value(), self.sats_per_plane.value()
        self.count.setText(f"{planes * per_plane:,} satellites")
        constellation = self.constellation()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(constellation is not None)
        spread = 360.0 if self.pattern.currentText() == "delta" else 180.0
        p, s = np.meshgrid(np.arange(planes), np.arange(per_plane), indexing="ij")
        total = planes * per_plane
        raan = p * spread / planes
        arg_lat = (360.0 * s / per_plane + 360.0 * self.phasing.value() * p / total) % 360.0
        self.scatter.setData(raan.ravel(), arg_lat.ravel(), brush=pg.mkBrush(self.color.value()))


class ChainDialog(QDialog):
    """Build or edit a kill chain by picking nodes, sensor constellations and threats in order, from the
    list, the window's tree (``offer_picked``) or the globe and the map (``add_node`` while *Pick on
    globe* is on, ``picking_toggled``); a warning says when the order makes no sense. A chain that
    starts at a threat lists the sensors that may detect it (none ticked: any)."""

    picking_toggled = Signal(bool)  # "Pick on globe" switched on or off

    def __init__(self, scenario: Scenario, chain: KillChain, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(700, 460)
        self._chain = chain  # fields this dialog does not show are kept as they are
        self._scenario = scenario
        self._threats = {t.name for t in scenario.threats}
        self._picked: list[str] = []
        self.name = QLineEdit(chain.name)
        self.color = ColorEditor()
        self.color.set_value(chain.color)
        self.switching = FloatEditor("switching_delay_ms")
        self.switching.set_value(chain.switching_delay_ms)
        self.available = QListWidget()
        self.chosen = QListWidget()
        self.chosen.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self._icons = {t.name: kind_icon("threat", t.color) for t in scenario.threats}
        sensor_icons = {
            c.name: kind_icon("constellation", c.color) for c in scenario.constellations if c.sensor
        }
        sensor_icons |= {n.name: node_icon(n.role, n.color) for n in scenario.nodes if n.role == "sensor"}
        self._icons |= sensor_icons
        self._icons |= {node.name: node_icon(node.role, node.color) for node in scenario.nodes}
        for name, icon in self._icons.items():
            QListWidgetItem(icon, name, self.available)
        for name in chain.nodes:
            QListWidgetItem(self._icons.get(name, kind_icon("folder")), name, self.chosen)
        self.sensors = QListWidget()
        self.sensors.setToolTip("The sensors that may detect the threat; none ticked: any sensor")
        for name, icon in sensor_icons.items():
            item = QListWidgetItem(icon, name, self.sensors)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in chain.sensors else Qt.CheckState.Unchecked)
        add, remove, up, down = (QPushButton(t) for t in ("Add →", "← Remove", "Move up", "Move down"))
        self.add_picked = QPushButton("Add selected in tree")
        self.add_picked.setToolTip(
            "Select nodes, sensor constellations or threats in the object tree, then add them"
        )
        self.add_picked.setEnabled(False)
        self.add_picked.clicked.connect(lambda: self._append(self._picked))
        self.pick_on_globe = QPushButton("Pick on globe")
        self.pick_on_globe.setCheckable(True)
        self.pick_on_globe.setToolTip(
            "Click nodes, sensor satellites or threats on the globe or the map to add them (Esc ends)"
        )
        self.pick_on_globe.toggled.connect(self.picking_toggled)
        add.clicked.connect(self._add)
        self.available.itemDoubleClicked.connect(lambda _i: self._add())
        remove.clicked.connect(self._remove)
        up.clicked.connect(lambda: self._move(-1))
        down.clicked.connect(lambda: self._move(1))
        middle = QVBoxLayout()
        middle.addStretch(1)
        for b in (add, remove, up, down, self.add_picked, self.pick_on_globe):
            middle.addWidget(b)
        middle.addStretch(1)
        self.sensors_title = QLabel()
        lists = QHBoxLayout()
        for title_text, widget in (
            (QLabel("Nodes, sensor constellations, threats"), self.available),
            (QLabel("Chain, in order (threat or sensor first, shooter last)"), self.chosen),
            (self.sensors_title, self.sensors),
        ):
            column = QVBoxLayout()
            column.addWidget(title_text)
            column.addWidget(widget)
            lists.addLayout(column, 1)
            if widget is self.available:
                lists.addLayout(middle)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Colour", self.color)
        form.addRow("Switching delay per satellite", self.switching)
        self.problem = QLabel()
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setStyleSheet(WARNING_STYLE)
        self.warning.setWordWrap(True)
        model = self.chosen.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.rowsMoved):
            signal.connect(self._check_order)
        self._check_order()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(lists, 1)
        layout.addWidget(self.warning)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.result_chain: KillChain | None = None

    def chain_nodes(self) -> list[str]:
        return [self.chosen.item(i).text() for i in range(self.chosen.count())]

    def add_node(self, name: str) -> bool:
        """Append ``name`` (picked on the globe, say) to the chain; False if a chain cannot use it."""
        if name not in self._icons:
            return False
        self._append([name])
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape ends picking on the globe first; pressed again, it closes the dialog."""
        if event.key() == Qt.Key.Key_Escape and self.pick_on_globe.isChecked():
            self.pick_on_globe.setChecked(False)
            return
        super().keyPressEvent(event)

    def offer_picked(self, names: list[str]) -> None:
        """What is selected in the tree, offered by "Add selected in tree" (only names a chain can use)."""
        self._picked = [name for name in names if name in self._icons]
        count = len(self._picked)
        self.add_picked.setEnabled(bool(count))
        self.add_picked.setText(f"Add selected in tree ({count})" if count else "Add selected in tree")

    def _append(self, names: list[str]) -> None:
        for name in names:
            QListWidgetItem(self._icons[name], name, self.chosen)

    def _add(self) -> None:
        items = self.available.selectedItems() or [self.available.currentItem()]
        self._append([item.text() for item in items if item is not None])

    def _check_order(self) -> None:
        """Warn about a senseless order; the sensor list applies only to a chain starting at a threat."""
        nodes = self.chain_nodes()
        warnings = chain_order_warnings(self._scenario, nodes)
        self.warning.setText("\n".join(f"⚠ {w[0].upper()}{w[1:]}." for w in warnings))
        self.warning.setVisible(bool(warnings))
        threat = nodes[0] if nodes and nodes[0] in self._threats else None
        self.sensors.setEnabled(threat is not None)
        self.sensors_title.setText(
            f"Sensors that may detect {threat} (none ticked: any)"
            if threat
            else "Sensors (for a chain that starts at a threat)"
        )

    def _chosen_sensors(self) -> list[str]:
        """The ticked sensors, if the chain starts at a threat (other chains have none)."""
        if not self.sensors.isEnabled():
            return []
        items = (self.sensors.item(i) for i in range(self.sensors.count()))
        return [item.text() for item in items if item.checkState() == Qt.CheckState.Checked]

    def _remove(self) -> None:
        for item in self.chosen.selectedItems():
            self.chosen.takeItem(self.chosen.row(item))

    def _move(self, delta: int) -> None:
        row = self.chosen.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.chosen.count():
            return
        item = self.chosen.takeItem(row)
        self.chosen.insertItem(target, item)
        self.chosen.setCurrentRow(target)

    def _accept(self) -> None:
        try:
            self.result_chain = KillChain.model_validate(
                {
                    **self._chain.model_dump(),
                    "name": self.name.text(),
                    "color": self.color.value(),
                    "nodes": self.chain_nodes(),
                    "switching_delay_ms": self.switching.value(),
                    "sensors": self._chosen_sensors(),
                }
            )
        except ValidationError as err:
            self.problem.setText("\n".join(format_validation_error(err, None)))
            return
        self.accept()


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 entry", "2 entries", "0 satellites": a count that reads naturally."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def show_tle_report(parent: QWidget, tle: TleFile, added: bool) -> None:
    """What was read from a TLE file and, with reasons, what was skipped."""
    text = f"Read {counted(len(tle.records), 'satellite')} from {tle.path.name}."
    if tle.skipped:
        skipped = counted(len(tle.skipped), "entry", "entries")
        text += f"\n{skipped} {'was' if len(tle.skipped) == 1 else 'were'} skipped (details below)."
    if not added:
        text += "\nNo constellation was added."
    box = QMessageBox(
        QMessageBox.Icon.Information if added else QMessageBox.Icon.Warning,
        "TLE import",
        text,
        QMessageBox.StandardButton.Ok,
        parent,
    )
    if tle.skipped:
        box.setDetailedText("\n".join(tle.skipped))
    box.exec()
