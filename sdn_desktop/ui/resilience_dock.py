"""The Resilience dock: an attrition / outage study of the open scenario, computed in a child process,
shown as curves with 95 % bands and coloured tables, exported as PNG, CSV or JSON.

A study belongs to the scenario it was computed for: after an edit the results stay on screen under a
banner saying they are stale, until the next run replaces them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QProcess, QProcessEnvironment, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from ..analysis import MODES, ResilienceOptions
from ..analysis.resilience_output import format_sections
from ..scenario import Scenario, atomic_write_bytes, atomic_write_text
from .document import ScenarioDocument

MODE_LABELS = {
    "random": "Random satellites",
    "targeted": "Targeted satellites",
    "planes": "Whole orbital planes",
    "operators": "Whole operators",
}
MODE_TIPS = {
    "random": "Each trial destroys satellites in a random order",
    "targeted": "The adversary strikes the satellite carrying the most routes first, re-routing after each",
    "planes": "Each trial destroys whole orbital planes in a random order",
    "operators": "Each trial removes whole vendors in a random order",
}
UNITS_DESTROYED = {
    "random": "Satellites destroyed",
    "targeted": "Satellites destroyed",
    "planes": "Orbital planes destroyed",
    "operators": "Operators removed",
}
DEFAULT_TRIALS = 20
DEFAULT_STEPS = 61  # the scenario window sampled coarser than its own step: an interactive run
DEFAULT_LEVELS_PCT = (0.0, 50.0, 5.0)
MAX_LEVELS = 201
BACKGROUND = "#15181d"
TAB_NOTES = {
    "Vendor outage": "Each vendor, then each constellation, out for the whole window: chain availability and "
    "its change in percentage points (green none, red -50 or worse); hover a cell for the median latency.",
    "Concentration": "Each operator's share of each chain's hops (and of its path length) over the window; "
    "Herfindahl index 1 = a single vendor carries the chain.",
    "Critical elements": "The elements whose loss alone for the whole window costs the most availability, "
    "averaged over chains; amber on the globe with their rank. Click a satellite to select it.",
    "Redundancy": "Node-disjoint paths no longer than 1.5x the shortest, per leg, over instants spread "
    "across the window; a threat's leg counts them from the sensors holding custody. An unreachable leg "
    "has 0 (no custody, an end jammed or out of sight, the mesh split).",
}
STALE_TEXT = "Computed for an earlier version of the scenario - Run again"
OTHER_SCENARIO_TEXT = "Computed for another scenario ({name}) - Run again"
GREEN, AMBER, RED = QColor("#2e7d32"), QColor("#a07800"), QColor("#b3261e")
SHARE_LOW, SHARE_HIGH = QColor("#e3f2fd"), QColor("#1565c0")  # an operator's share: 0 and 1
MATRIX_COLUMN_PX = 120
OUTAGE_RED_AT = 0.5  # an availability drop of 50 percentage points or more is fully red
PNG_WIDTH_PX = 1800
PROCESS_MODULE = "sdn_desktop.ui.resilience_process"


# ---------------------------------------------------------------------------------------- the child process
@dataclass(frozen=True)
class Study:
    """A finished study: its records (as ``ResilienceResult.to_records()``) and what it was run on."""

    scenario: Scenario
    generation: int  # the document generation (a new or opened file starts a new one)
    options: ResilienceOptions
    chains: list[str]
    sections: dict[str, list[dict]]
    seconds: float
    finished: datetime


class ResilienceRun(QProcess):
    """One study in a child process: ``progress(done, total)`` trials, then ``succeeded(answer)`` (a dict
    with ``chains`` and ``sections``) or ``failed(reason)``; ``cancel`` kills it and reports nothing."""

    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, scenario: Scenario, base_dir: Path, options: ResilienceOptions, parent: QWidget):
        super().__init__(parent)
        self.cancelled = False
        self._answer: dict | None = None
        self._error = ""
        env = QProcessEnvironment.systemEnvironment()
        package_root = str(Path(__file__).resolve().parents[2])
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (package_root, env.value("PYTHONPATH")) if p))
        self.setProcessEnvironment(env)
        self.readyReadStandardOutput.connect(self._read)
        self.finished.connect(self._finished)
        self.errorOccurred.connect(self._error_occurred)
        job = {
            "scenario": scenario.model_dump(mode="json"),
            "base_dir": str(base_dir),
            "options": {
                "trials": options.trials,
                "levels": list(options.levels),
                "mode": options.mode,
                "seed": options.seed,
                "times": None if options.times is None else list(options.times),
            },
        }
        self.setProgram(sys.executable)
        self.setArguments(["-m", PROCESS_MODULE])
        self.start()
        self.write(json.dumps(job).encode())
        self.closeWriteChannel()

    def cancel(self) -> None:
        self.cancelled = True
        self.kill()

    def _read(self) -> None:
        while self.canReadLine():
            line = bytes(self.readLine()).decode(errors="replace").rstrip("\n")
            kind, _, rest = line.partition(" ")
            if kind == "PROGRESS":
                done, total = (int(v) for v in rest.split())
                self.progress.emit(done, total)
            elif kind == "RESULT":
                self._answer = json.loads(rest)
            elif kind == "ERROR":
                self._error = rest

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read()
        if self.cancelled:
            return
        if code == 0 and status == QProcess.ExitStatus.NormalExit and self._answer is not None:
            self.succeeded.emit(self._answer)
            return
        if not self._error:
            tail = bytes(self.readAllStandardError()).decode(errors="replace").strip().splitlines()[-1:]
            how = "crashed" if status == QProcess.ExitStatus.CrashExit else f"stopped (exit status {code})"
            self._error = f"the resilience process {how}" + (f": {tail[0]}" if tail else "")
        self.failed.emit(self._error)

    def _error_occurred(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and not self.cancelled:
            self.failed.emit(f"the resilience process could not start: {self.errorString()}")


# ---------------------------------------------------------------------------------------- curves
class Band:
    """A curve with markers and its 95 % band: two invisible edge curves and the fill between them."""

    def __init__(self, plot: pg.PlotItem):
        self.line = plot.plot([], [], connect="finite")
        self.lo = pg.PlotCurveItem([], [], pen=pg.mkPen(None), connect="finite")
        self.hi = pg.PlotCurveItem([], [], pen=pg.mkPen(None), connect="finite")
        self.fill = pg.FillBetweenItem(self.lo, self.hi)
        for item in (self.lo, self.hi, self.fill):
            plot.addItem(item)
        self.fill.setZValue(-10)

    def show(self, x, y, lo, hi, color: str, dashed: bool = False, band_alpha: int = 60) -> None:
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        self.line.setData(
            x, y, connect="finite", pen=pg.mkPen(color, width=2, style=style),
            symbol="o", symbolSize=5, symbolBrush=color, symbolPen=None,
        )  # fmt: skip
        self.lo.setData(x, lo, connect="finite")
        self.hi.setData(x, hi, connect="finite")
        fill = QColor(color)
        fill.setAlpha(band_alpha)
        self.fill.setBrush(fill)
        self.set_visible(True)

    def hide(self) -> None:
        for item in (self.line, self.lo, self.hi):
            item.setData([], [])
        self.set_visible(False)

    def set_visible(self, visible: bool) -> None:
        for item in (self.line, self.lo, self.hi, self.fill):
            item.setVisible(visible)


def availability_floor(lows: list[float]) -> float:
    """The bottom of the availability axis (%): the lowest band edge rounded down to 10 %, so that
    curves near 100 % are told apart."""
    return max(0.0, 10.0 * np.floor((100.0 * min(lows, default=0.0) - 2.0) / 10.0))


class AttritionCurves(pg.GraphicsLayoutWidget):
    """Availability and p50 / p95 latency against attrition, one colour per chain, 95 % bands.
    Items are pooled and reused (removing items from a pyqtgraph plot can crash under PySide6)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setBackground(BACKGROUND)
        self.availability = self.addPlot(row=0, col=0)
        self.latency = self.addPlot(row=0, col=1)
        for plot, label in (
            (self.availability, "Availability (%)"),
            (self.latency, "End-to-end latency (ms)"),
        ):
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("left", label)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
        self.legend = self.availability.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.legend.setBrush(pg.mkBrush(21, 24, 29, 200))
        self.availability_bands: list[Band] = []
        self.p50_bands: list[Band] = []
        self.p95_bands: list[Band] = []
        self.show_study(None, {})

    def show_study(self, study: Study | None, colors: dict[str, str]) -> None:
        """Draw ``study``'s attrition records (None: empty plots with a hint)."""
        chains = study.chains if study is not None else []
        records = study.sections.get("attrition", []) if study is not None else []
        mode = study.options.mode if study is not None else "random"
        for plot in (self.availability, self.latency):
            plot.setLabel("bottom", f"{UNITS_DESTROYED[mode]} (%)")
        self.availability.setTitle(
            "Availability of each chain (95 % bands)" if study else "Run a study to see the curves",
            size="9pt",
        )
        self.latency.setTitle("Latency: p50 solid, p95 dashed (95 % bands)", size="9pt")
        for pool, plot in ((self.availability_bands, self.availability), (self.p50_bands, self.latency),
                           (self.p95_bands, self.latency)):  # fmt: skip
            while len(pool) < len(chains):
                pool.append(Band(plot))
            for band in pool[len(chains) :]:
                band.hide()
        self.legend.clear()
        for k, chain in enumerate(chains):
            rows = [r for r in records if r["chain"] == chain]
            x = np.array([100.0 * r["level"] for r in rows])
            color = colors.get(chain, "#ffffff")

            def column(key: str, scale: float = 1.0, rows=rows) -> np.ndarray:
                return np.array([np.nan if r[key] is None else scale * r[key] for r in rows])

            self.availability_bands[k].show(
                x,
                column("availability", 100),
                column("availability_lo", 100),
                column("availability_hi", 100),
                color,
            )
            self.p50_bands[k].show(x, column("p50_ms"), column("p50_lo_ms"), column("p50_hi_ms"), color)
            self.p95_bands[k].show(
                x,
                column("p95_ms"),
                column("p95_lo_ms"),
                column("p95_hi_ms"),
                color,
                dashed=True,
                band_alpha=30,
            )
            self.legend.addItem(self.availability_bands[k].line, chain)
        levels = [100.0 * lv for lv in study.options.levels] if study is not None else [0.0, 50.0]
        for plot in (self.availability, self.latency):
            plot.setXRange(min(levels), max(levels), padding=0.03)
        self.latency.enableAutoRange(axis="y")
        lows = [r["availability_lo"] for r in records if r["availability_lo"] is not None]
        self.availability.setYRange(availability_floor(lows), 100, padding=0.04)

    def png_bytes(self) -> bytes:
        """Both plots as one PNG picture."""
        exporter = pyqtgraph.exporters.ImageExporter(self.ci)
        exporter.parameters()["width"] = max(PNG_WIDTH_PX, self.width())
        image = exporter.export(toBytes=True)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data)


# ---------------------------------------------------------------------------------------- tables
def _blend(a: QColor, b: QColor, f: float) -> QColor:
    return QColor.fromRgbF(*(a.getRgbF()[i] * (1 - f) + b.getRgbF()[i] * f for i in range(3)))


def scale_color(t: float) -> QColor:
    """Green (0) through amber (0.5) to red (1)."""
    t = float(np.clip(t, 0.0, 1.0))
    return _blend(GREEN, AMBER, t / 0.5) if t <= 0.5 else _blend(AMBER, RED, (t - 0.5) / 0.5)


def _table(headers: list[str], stretch_last: bool = False) -> QTableWidget:
    """A read-only table; with ``headers`` a list (rows unnamed), without one a matrix (rows named)."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(bool(headers))
    table.verticalHeader().setDefaultSectionSize(22)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setMinimumSectionSize(MATRIX_COLUMN_PX if not headers else 40)
    header.setStretchLastSection(stretch_last)
    table.verticalHeader().setVisible(not headers)
    if headers:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    return table


def _cell(
    text: str, background: QColor | None = None, tooltip: str = "", left: bool = False
) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(
        (Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignCenter) | Qt.AlignmentFlag.AlignVCenter
    )
    if background is not None:
        item.setBackground(background)
        item.setForeground(QColor("#ffffff" if background.lightnessF() < 0.6 else "#000000"))
    if tooltip:
        item.setToolTip(tooltip)
    return item


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f} %"


def _ms(value: float | None, sign: bool = False) -> str:
    return "–" if value is None else f"{value:+.2f} ms" if sign else f"{value:.2f} ms"


def fill_outage(table: QTableWidget, chains: list[str], records: list[dict]) -> None:
    """Rows: each operator, then each constellation, removed alone; columns: chains. A cell is the
    chain's availability and its change in percentage points, green (none) to red (-50 or worse)."""
    removals = list(dict.fromkeys((r["removed_kind"], r["removed"]) for r in records))
    table.clear()
    table.setRowCount(len(removals))
    table.setColumnCount(len(chains))
    table.setHorizontalHeaderLabels(chains)
    table.setVerticalHeaderLabels([f"{kind.capitalize()}: {name}" for kind, name in removals])
    cells = {(r["removed_kind"], r["removed"], r["chain"]): r for r in records}
    for row, (kind, name) in enumerate(removals):
        for col, chain in enumerate(chains):
            r = cells.get((kind, name, chain))
            if r is None:
                continue
            change = r["availability_change"]
            text = _pct(r["availability"]) + ("" if change is None else f"  ({100 * change:+.1f})")
            tip = (
                f"{chain} without {kind} {name}: availability {_pct(r['availability'])} "
                f"({'–' if change is None else f'{100 * change:+.1f} percentage points'}), "
                f"median latency {_ms(r['p50_ms'])} ({_ms(r['p50_change_ms'], sign=True)})"
            )
            loss = 0.0 if change is None else -change
            table.setItem(row, col, _cell(text, scale_color(loss / OUTAGE_RED_AT), tip))


def fill_concentration(table: QTableWidget, chains: list[str], records: list[dict]) -> None:
    """Rows: chains; columns: each operator's share of the chain's hops (and of its path length), then
    the Herfindahl indices, green (spread over vendors) to red (1: a single vendor)."""
    operators = list(dict.fromkeys(r["operator"] for r in records))
    headers = operators + ["HHI hops", "HHI length"]
    table.clear()
    table.setRowCount(len(chains))
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setVerticalHeaderLabels(chains)
    floor = 1.0 / len(operators) if operators else 0.0
    for row, chain in enumerate(chains):
        mine = {r["operator"]: r for r in records if r["chain"] == chain}
        for col, operator in enumerate(operators):
            r = mine.get(operator)
            if r is None:
                continue
            share = r["hop_share"] or 0.0
            shade = _blend(SHARE_LOW, SHARE_HIGH, share)
            tip = (
                f"{operator} carries {_pct(r['hop_share'])} of {chain}'s hops "
                f"and {_pct(r['length_share'])} of its path length"
            )
            table.setItem(
                row, col, _cell(f"{_pct(r['hop_share'], 0)}  ({_pct(r['length_share'], 0)})", shade, tip)
            )
        first = next(iter(mine.values()), None)
        for col, key in enumerate(("hhi_hops", "hhi_length"), start=len(operators)):
            value = None if first is None else first[key]
            t = 0.0 if value is None or floor >= 1.0 else (value - floor) / (1.0 - floor)
            text = "–" if value is None else f"{value:.3f}"
            table.setItem(row, col, _cell(text, scale_color(t), "Herfindahl index: 1 = a single vendor"))


CRITICAL_HEADERS = ["Kind", "Rank", "Element", "Availability lost", "Chains hurt"]


def fill_critical(table: QTableWidget, records: list[dict]) -> None:
    """The satellites, nodes and links whose loss alone costs the most availability (averaged over
    chains); satellite names are links that select the satellite. None: one row that says so."""
    table.clearSpans()
    if not records:
        table.setRowCount(1)
        table.setItem(
            0, 0, _cell("No single satellite, node or link costs availability when lost alone", left=True)
        )
        table.setSpan(0, 0, 1, len(CRITICAL_HEADERS))
        return
    table.setRowCount(len(records))
    worst = max((r["availability_loss"] or 0.0 for r in records), default=0.0)
    for row, r in enumerate(records):
        loss = r["availability_loss"] or 0.0
        shade = scale_color(0.5 + 0.5 * loss / worst) if worst > 0 and loss > 0 else None
        element = _cell(r["element"], left=True)
        if r["kind"] == "satellite":
            element.setForeground(QColor("#0b62a4"))
            font = element.font()
            font.setUnderline(True)
            element.setFont(font)
            element.setToolTip("Click to select this satellite on the globe")
        table.setItem(row, 0, _cell(r["kind"].capitalize()))
        table.setItem(row, 1, _cell(str(r["rank"])))
        table.setItem(row, 2, element)
        table.setItem(row, 3, _cell(f"{100 * loss:.2f} pp", shade, "Availability lost, averaged over chains"))
        table.setItem(row, 4, _cell(r["chains_hurt"] or "none", left=True))


def critical_targets(
    records: list[dict], satellite_names: list[str], node_names: list[str]
) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[tuple[str, int], tuple[str, int]], ...]]:
    """The globe's targets of critical records, found by name: satellites and nodes in rank order,
    and links ("A - B") between two of them; an element the scenario shown lacks (or a threat's own
    end of a link) is left out."""
    index = {name: ("node", i) for i, name in enumerate(node_names)}
    index.update({name: ("satellite", i) for i, name in enumerate(satellite_names)})
    targets, links = [], []
    for r in records:
        name = r["element"]
        if r["kind"] in ("satellite", "node") and name in index and index[name][0] == r["kind"]:
            targets.append(index[name])
        elif r["kind"] == "link":
            parts = name.split(" - ")
            splits = (
                (" - ".join(parts[:i]), " - ".join(parts[i:])) for i in range(1, len(parts))
            )  # names may hold " - " themselves
            ends = next(((index[a], index[b]) for a, b in splits if a in index and b in index), None)
            if ends is not None:
                links.append(ends)
    return tuple(targets), tuple(links)


REDUNDANCY_HEADERS = ["Chain", "Leg", "Min", "Median", "Max", "Instants", "Unreachable at"]


def fill_redundancy(table: QTableWidget, records: list[dict]) -> None:
    """Per leg: node-disjoint paths within 1.5x the shortest; the minimum red at 0, amber at 1."""
    table.setRowCount(len(records))
    for row, r in enumerate(records):
        lowest = r["disjoint_min"]
        table.setItem(row, 0, _cell(r["chain"], left=True))
        table.setItem(row, 1, _cell(f"{r['leg'] + 1}: {r['from']} → {r['to']}", left=True))
        table.setItem(
            row, 2, _cell(str(lowest), scale_color(1.0 if lowest == 0 else 0.5 if lowest == 1 else 0.0))
        )
        table.setItem(row, 3, _cell(f"{r['disjoint_median']:g}"))
        table.setItem(row, 4, _cell(str(r["disjoint_max"])))
        table.setItem(row, 5, _cell(str(r["instants"])))
        unreachable = r["unreachable"]
        why = "no route at all: 0 paths there" if unreachable else "a route at every instant"
        table.setItem(row, 6, _cell(f"{unreachable} of {r['instants']}", tooltip=why))


# ---------------------------------------------------------------------------------------- the dock
def attrition_levels(start_pct: float, stop_pct: float, step_pct: float) -> tuple[float, ...]:
    """Fractions from ``start_pct`` to ``stop_pct`` (inclusive) every ``step_pct`` percent."""
    count = int(np.floor((stop_pct - start_pct) / step_pct + 1e-9)) + 1
    return tuple(round((start_pct + i * step_pct) / 100.0, 10) for i in range(count))


def study_times(scenario: Scenario, steps: int) -> tuple[float, ...]:
    """``steps`` instants evenly over the scenario window, its start and end included (µs rounded)."""
    return tuple(round(float(t), 6) for t in np.linspace(0.0, scenario.time.duration_s, steps))


class ResilienceDock(QWidget):
    """Options, Run / Cancel with progress, the results in tabs, export. ``satellite_chosen(name)``
    asks the window to select a satellite (a click on a critical satellite); ``critical_changed``
    gives the critical records to mark on the globe (none without results, or with results of another
    scenario; stale ones of this scenario stay); ``show_on_globe_changed(bool)`` is the "Show on
    globe" box (the window keeps it in step with View -> Layers: ``set_show_on_globe``)."""

    satellite_chosen = Signal(str)
    critical_changed = Signal(object)  # list[dict]: critical records, as in ``Study.sections``
    show_on_globe_changed = Signal(bool)

    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.study: Study | None = None
        self.run_process: ResilienceRun | None = None
        self._generation = 0
        self._generation_at_start = 0
        self._started = 0.0
        self._trials = (0, 0)
        self._tick = QTimer(self, interval=500)
        self._tick.timeout.connect(self._show_running)
        self._build()
        document.changed.connect(self._scenario_changed)
        document.loaded.connect(self._scenario_loaded)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.cancel)
        self._scenario_loaded(document.scenario)

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        self.mode = QComboBox()
        for mode in MODES:
            self.mode.addItem(MODE_LABELS.get(mode, mode), mode)
            self.mode.setItemData(self.mode.count() - 1, MODE_TIPS.get(mode, ""), Qt.ItemDataRole.ToolTipRole)
        self.level_from, self.level_to, self.level_step = (
            QDoubleSpinBox(decimals=1, minimum=lo, maximum=100.0, suffix=" %", value=value)
            for lo, value in zip((0.0, 0.0, 0.1), DEFAULT_LEVELS_PCT, strict=True)
        )
        self.level_step.setToolTip("Attrition levels from the first to the last, this far apart")
        self.trials = QSpinBox(minimum=1, maximum=100_000, value=DEFAULT_TRIALS)
        self.trials.setToolTip("Random trials per level (each trial destroys a nested series of units)")
        self.steps = QSpinBox(minimum=2, maximum=100_000)
        self.steps.setToolTip("Instants evenly over the scenario window, start and end included")
        self.step_hint = QLabel()
        self.step_hint.setStyleSheet("color: #9aa4b1;")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        self.seed.setToolTip("Same scenario, options and seed: the same numbers, here and in the CLI")
        self.steps.valueChanged.connect(self._update_step_hint)

        levels_row = QHBoxLayout()
        levels_row.setSpacing(4)
        for widget in (self.level_from, QLabel("to"), self.level_to):
            levels_row.addWidget(widget)
        steps_row = QHBoxLayout()
        steps_row.addWidget(self.steps)
        steps_row.addWidget(self.step_hint, 1)

        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.setStyleSheet("QPushButton { font-weight: bold; padding: 3px 14px; }")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.addAction("Curves as PNG...", lambda: self._export_dialog("png"))
        menu.addAction("Numbers as CSV...", lambda: self._export_dialog("csv"))
        menu.addAction("Numbers as JSON...", lambda: self._export_dialog("json"))
        self.export_button.setMenu(menu)
        self.export_button.setEnabled(False)
        buttons = QHBoxLayout()
        for button in (self.run_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setMaximumHeight(16)
        self.progress.setValue(0)
        self.status = QLabel("Choose the options and press Run.")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #9aa4b1;")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(4)
        form.addRow("Attack", self.mode)
        form.addRow("Attrition", levels_row)
        form.addRow("Level step", self.level_step)
        form.addRow("Trials", self.trials)
        form.addRow("Time steps", steps_row)
        form.addRow("Seed", self.seed)
        controls = QFrame()
        controls.setObjectName("resilience_controls")
        controls.setFixedWidth(270)
        column = QVBoxLayout(controls)
        column.setContentsMargins(6, 4, 6, 4)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addStretch(1)

        self.banner = QLabel()
        self.banner.setStyleSheet(
            "QLabel { background: #5c4400; color: #ffe08a; border: 1px solid #a07800; padding: 3px 8px; }"
        )
        self.banner.linkActivated.connect(lambda _link: self.run())
        self.banner.hide()
        self.summary = QLabel("No results yet.")
        self.summary.setStyleSheet("color: #9aa4b1;")
        self.curves = AttritionCurves()
        self.outage = _table([])
        self.concentration = _table([])
        self.critical = _table(CRITICAL_HEADERS, stretch_last=True)
        self.critical.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.critical.cellClicked.connect(self._critical_clicked)
        self.redundancy = _table(REDUNDANCY_HEADERS)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.show_on_globe = QCheckBox("Show on globe")
        self.show_on_globe.setChecked(True)
        self.show_on_globe.setToolTip("Mark the critical satellites, nodes and links on the globe (amber)")
        self.show_on_globe.toggled.connect(self.show_on_globe_changed)
        self.tabs.addTab(self.curves, "Attrition curves")
        for table, title in (
            (self.outage, "Vendor outage"),
            (self.concentration, "Concentration"),
            (self.critical, "Critical elements"),
            (self.redundancy, "Redundancy"),
        ):
            self.tabs.addTab(self._explained(table, TAB_NOTES[title]), title)
        self.critical.parentWidget().layout().insertWidget(1, self.show_on_globe)
        results = QVBoxLayout()
        results.setContentsMargins(0, 0, 0, 0)
        results.setSpacing(3)
        results.addWidget(self.banner)
        results.addWidget(self.summary)
        results.addWidget(self.tabs, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(controls)
        layout.addLayout(results, 1)

    @staticmethod
    def _explained(table: QTableWidget, text: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 2, 0, 0)
        note = QLabel(text)
        note.setWordWrap(True)
        note.setStyleSheet("color: #9aa4b1;")
        layout.addWidget(note)
        layout.addWidget(table, 1)
        return page

    # ------------------------------------------------------------------ options
    def options(self) -> ResilienceOptions:
        """The study the controls describe; ValueError with a one-line reason if they are inconsistent."""
        start, stop, step = self.level_from.value(), self.level_to.value(), self.level_step.value()
        if stop < start:
            raise ValueError(f"the last attrition level ({stop:g} %) is below the first ({start:g} %)")
        levels = attrition_levels(start, stop, step)
        if len(levels) > MAX_LEVELS:
            raise ValueError(f"{len(levels)} attrition levels: at most {MAX_LEVELS}, take a larger step")
        return ResilienceOptions(
            trials=self.trials.value(),
            levels=levels,
            mode=self.mode.currentData(),
            seed=self.seed.value(),
            times=study_times(self.document.scenario, self.steps.value()),
        )

    def _update_step_hint(self) -> None:
        duration = self.document.scenario.time.duration_s
        self.step_hint.setText(f"every {duration / max(self.steps.value() - 1, 1):g} s")

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.run_process is not None

    def run(self) -> None:
        """Start a study of the scenario as it is now (a running one is cancelled first)."""
        try:
            options = self.options()
        except ValueError as err:
            self._say(f"Cannot run: {err}.", error=True)
            return
        self.cancel()
        scenario = self.document.scenario
        run = ResilienceRun(scenario, self.document.base_dir, options, self)
        run.progress.connect(self._progress)
        run.succeeded.connect(
            lambda answer: self._finished(Study(
                scenario, self._generation_at_start, options, answer["chains"], answer["sections"],
                time.perf_counter() - self._started, datetime.now(),
            ))
        )  # fmt: skip
        run.failed.connect(self._failed)
        self.run_process = run
        self._generation_at_start = self._generation
        self._started = time.perf_counter()
        self._trials = (0, options.trials)
        self.progress.setRange(0, options.trials)
        self.progress.setValue(0)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._tick.start()
        self._show_running()

    def cancel(self) -> None:
        """Stop a running study; the results on screen stay."""
        if self.run_process is None:
            return
        self.run_process.cancel()
        self._end_run()
        kept = "the results shown are from the previous run" if self.study else "no results"
        self._say(f"Cancelled; {kept}.")

    def _end_run(self) -> None:
        if self.run_process is not None:
            self.run_process.deleteLater()
        self.run_process = None
        self._tick.stop()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _progress(self, done: int, total: int) -> None:
        self._trials = (done, total)
        self._show_running()

    def _show_running(self) -> None:
        done, total = self._trials
        elapsed = time.perf_counter() - self._started
        if done < total:
            left = f"about {elapsed / done * (total - done):.0f} s left" if done else "estimating time left"
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{done}/{total} trials · {left}")
            self._say(f"Running trials... {elapsed:.0f} s")
        else:
            self.progress.setRange(0, 0)
            self._say(f"Trials done; vendor outages, critical elements, redundancy... {elapsed:.0f} s")

    def _finished(self, study: Study) -> None:
        self._end_run()
        self.study = study
        self._show_study()
        self._say(f"Done in {study.seconds:.1f} s.")
        self.critical_changed.emit(self.marked_critical())

    def _failed(self, reason: str) -> None:
        self._end_run()
        kept = " The results shown are from the previous run." if self.study else ""
        self._say(f"Run failed: {reason}.{kept}", error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
        self.status.setStyleSheet(f"color: {'#ff6e6e' if error else '#9aa4b1'};")

    # ------------------------------------------------------------------ results
    def _show_study(self) -> None:
        study = self.study
        colors = {c.name: c.color for c in study.scenario.chains}
        self.curves.show_study(study, colors)
        fill_outage(self.outage, study.chains, study.sections.get("outage", []))
        fill_concentration(self.concentration, study.chains, study.sections.get("concentration", []))
        fill_critical(self.critical, study.sections.get("critical", []))
        fill_redundancy(self.redundancy, study.sections.get("redundancy", []))
        options = study.options
        levels = [100 * lv for lv in options.levels]
        self.summary.setText(
            f"<b>{MODE_LABELS.get(options.mode, options.mode)}</b> · {options.trials} trials · "
            f"{len(levels)} levels {min(levels):g}–{max(levels):g} % · "
            f"{len(options.times or ())} time steps · seed {options.seed} · "
            f"computed in {study.seconds:.1f} s at {study.finished:%H:%M:%S}"
        )
        self.export_button.setEnabled(True)
        self._update_banner()

    @property
    def stale(self) -> bool:
        """The results shown were computed for another scenario than the one open now."""
        return self.study is not None and (
            self.study.generation != self._generation or self.study.scenario != self.document.scenario
        )

    def _update_banner(self) -> None:
        if not self.stale:
            self.banner.hide()
            return
        text = STALE_TEXT
        if self.study.generation != self._generation:
            text = OTHER_SCENARIO_TEXT.format(name=self.study.scenario.name or "untitled")
        head, _, tail = text.rpartition(" - ")
        self.banner.setText(f"⚠ {head} - <a href='run' style='color:#ffffff'>{tail}</a>")
        self.banner.setToolTip(text)
        self.banner.show()

    def _scenario_changed(self, _scenario: Scenario) -> None:
        self._update_step_hint()
        self._update_banner()

    def _scenario_loaded(self, scenario: Scenario) -> None:
        self._generation += 1
        window_steps = int(np.floor(scenario.time.duration_s / scenario.time.step_s + 1e-9)) + 1
        self.steps.setValue(min(DEFAULT_STEPS, window_steps))
        self._update_step_hint()
        self._update_banner()
        self.critical_changed.emit(self.marked_critical())

    def marked_critical(self) -> list[dict]:
        """The critical records the globe marks: the study's, unless it was run on another scenario."""
        if self.study is None or self.study.generation != self._generation:
            return []
        return self.study.sections.get("critical", [])

    def set_show_on_globe(self, shown: bool) -> None:
        """Tick or clear "Show on globe" without asking the window to change the globe."""
        with signals_blocked(self.show_on_globe):
            self.show_on_globe.setChecked(shown)

    def _critical_clicked(self, row: int, _column: int) -> None:
        records = self.study.sections.get("critical", []) if self.study else []
        if row < len(records) and records[row]["kind"] == "satellite":
            self.satellite_chosen.emit(records[row]["element"])

    # ------------------------------------------------------------------ export
    def export(self, path: str | os.PathLike, kind: str) -> None:
        """Write the curves (``png``) or the numbers (``csv``, ``json``: the CLI's records) atomically."""
        if self.study is None:
            raise ValueError("no results to export: run a study first")
        if kind == "png":
            atomic_write_bytes(path, self.curves.png_bytes())
        else:
            atomic_write_text(path, format_sections(self.study.sections, kind))

    def _export_dialog(self, kind: str) -> None:
        if self.study is None:
            return
        stem = (self.study.scenario.name or "scenario").replace(" ", "_")
        default = str(self.document.base_dir / f"{stem}-resilience.{kind}")
        name = kind.upper()
        path, _ = QFileDialog.getSaveFileName(self, f"Export {name}", default, f"{name} (*.{kind})")
        if not path:
            return
        try:
            self.export(path, kind)
        except OSError as err:
            QMessageBox.warning(self, "Export", f"Cannot write {path}:\n{err}")
            return
        self._say(f"Wrote {path}")
