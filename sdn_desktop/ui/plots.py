"""Bottom docks: the latency-vs-time plot and the route table at the current time."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from ..engine import Snapshot, TimeSeries
from ..scenario import Scenario

LEG_COLUMN_PX = 190
LEGEND_MAX = 6  # chains named in the plot's title line


class LatencyPlot(pg.PlotWidget):
    """One-way end-to-end latency per kill chain against UTC; gaps where a chain is unreachable.

    A vertical line marks the clock; clicking the plot or dragging the line emits ``time_picked``."""

    time_picked = Signal(float)  # seconds after the scenario start

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0)})
        self.setBackground("#15181d")
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("left", "One-way latency", units="ms")
        self.setLabel("bottom", "UTC")
        self.getAxis("left").enableAutoSIPrefix(False)
        self.setMouseEnabled(x=True, y=False)
        self.setMinimumHeight(150)
        self.cursor = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#ffffff", width=1.5))
        self.cursor.setZValue(10)
        self.cursor.sigDragged.connect(lambda line: self.time_picked.emit(line.value() - self._epoch))
        self.addItem(self.cursor)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._pool: list[pg.PlotDataItem] = []
        self._epoch = 0.0
        self._empty = pg.TextItem("Computing latencies...", color="#9aa4b1", anchor=(0.5, 0.5))
        self.addItem(self._empty, ignoreBounds=True)
        self.scene().sigMouseClicked.connect(self._clicked)

    def set_series(self, scenario: Scenario, series: TimeSeries) -> None:
        """Draw every chain of ``series`` in its colour (chains of ``scenario`` give the colours)."""
        self._epoch = series.start.timestamp()
        x = self._epoch + series.t_s
        colors = {c.name: c.color for c in scenario.chains}
        names = list(dict.fromkeys(leg.chain for leg in series.legs))
        self._show_curves(
            [(name, colors.get(name, "#ffffff"), x, series.chain_latency_ms(name)) for name in names]
        )
        self._empty.setText("" if names else "No kill chains: add one to see latencies")
        self._empty.setVisible(not names)
        if len(x):
            self.setXRange(x[0], x[-1], padding=0.01)
        finite = [np.nanmax(c.yData) for c in self.curves.values() if np.isfinite(c.yData).any()]
        self.setYRange(0, max(finite) * 1.1 if finite else 100, padding=0)
        self._place_hint()

    def set_waiting(self, scenario: Scenario) -> None:
        """Before the first results arrive: the time axis of the new scenario, a hint, no curves."""
        self._show_curves([])
        self._epoch = scenario.time.start.timestamp()
        self.setXRange(self._epoch, self._epoch + scenario.time.duration_s, padding=0.01)
        self._empty.setText("Computing latencies...")
        self._empty.setVisible(True)
        self._place_hint()

    def _show_curves(self, curves: list[tuple[str, str, np.ndarray, np.ndarray]]) -> None:
        """Reuse a pool of curve items (removing items from a pyqtgraph plot can crash under PySide6)."""
        while len(self._pool) < len(curves):
            self._pool.append(self.plot([], [], connect="finite"))
        self.curves = {}
        legend = []
        for item, (name, color, x, y) in zip(self._pool, curves, strict=False):
            item.setData(x, y, connect="finite", pen=pg.mkPen(color, width=2))
            item.setVisible(True)
            self.curves[name] = item
            legend.append(f'<span style="color:{color}">&#9644; {name}</span>')
        for item in self._pool[len(curves) :]:
            item.setData([], [])
            item.setVisible(False)
        if len(legend) > LEGEND_MAX:
            legend = legend[:LEGEND_MAX] + [f"+{len(legend) - LEGEND_MAX} more"]
        self.setTitle("&nbsp;&nbsp;".join(legend), size="9pt")

    def set_time(self, t_s: float) -> None:
        self.cursor.setValue(self._epoch + t_s)

    def _place_hint(self) -> None:
        (x0, x1), (y0, y1) = self.viewRange()
        self._empty.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        self.time_picked.emit(vb.mapSceneToView(event.scenePos()).x() - self._epoch)


class RouteTable(QTableWidget):
    """Every leg's route at the displayed time: chain, leg, reachable, latency, hops, path."""

    HEADERS = ("Chain", "Leg", "Reachable", "Latency (ms)", "Hops", "Path")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        for col in range(len(self.HEADERS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, LEG_COLUMN_PX)
        header.setSectionResizeMode(len(self.HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self._colors: dict[tuple[int, int], str] = {}  # the colour each coloured cell was given

    def set_snapshot(self, scenario: Scenario, snapshot: Snapshot) -> None:
        colors = {c.name: c.color for c in scenario.chains}
        self.setRowCount(len(snapshot.routes))
        for r, route in enumerate(snapshot.routes):
            leg = route.leg
            cells = (
                leg.chain,
                f"{leg.index + 1}: {leg.src} → {leg.dst}",
                "yes" if route.reachable else "NO",
                f"{route.latency_ms:.2f}" if route.reachable else "–",
                str(route.hops) if route.reachable else "–",
                " → ".join(route.names) if route.reachable else "no path at this time",
            )
            for c, text in enumerate(cells):
                item = self.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self._colors.pop((r, c), None)
                    if c in (2, 3, 4):
                        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.setItem(r, c, item)
                if item.text() != text:  # while the clock runs, most cells keep their text
                    item.setText(text)
                    if c in (1, 5):
                        item.setToolTip(text)
            self._set_color(r, 0, colors.get(leg.chain, "#ffffff"))
            self._set_color(r, 2, "#69f0ae" if route.reachable else "#ff5252")

    def _set_color(self, row: int, column: int, color: str) -> None:
        """Each Qt call costs the GUI thread a wait for the GIL while the worker runs: skip repeats."""
        if self._colors.get((row, column)) != color:
            self._colors[(row, column)] = color
            self.item(row, column).setForeground(QColor(color))
