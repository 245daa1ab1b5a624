"""Bottom docks: the latency-vs-time plot and the route table at the current time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QWidget,
)

from ..analysis.report import step_durations, true_runs
from ..engine import Snapshot, TimeSeries
from ..scenario import Scenario

LEG_COLUMN_PX = 190
LEGEND_MAX = 6  # chains named in the plot's title line
REASON_COLORS = {"no_custody": "#ffb300", "no_access": "#e040fb", "no_path": "#90a4ae"}
EVENT_COLORS = {"destroy": "#ff5252", "jam": "#ffab40", "outage": "#b388ff", "cut_links": "#ffd740"}
OVER_BUDGET_COLOR = "#ffab40"
STRIP_SHARE = 0.05  # height of each chain's unreachable strip, as a share of the latency axis
BAND_ALPHA = 40  # 0..255: event bands behind the curves
FILL_ALPHA = 60  # over-budget shading
LABEL_FILL = "#15181dd0"  # behind event labels, so curves under them do not hide them
HEADROOM = 1.3  # the latency axis reaches this times the highest value: room for the event labels


def reason_text(reason: str | None, node: str | None) -> str:
    """``no_access (Ship)`` for a leg whose end sees no satellite, else the engine's reason code."""
    if reason is None:
        return "unreachable"
    return f"{reason} ({node})" if reason == "no_access" and node else reason


def _with_alpha(color: str, alpha: int) -> QColor:
    out = QColor(color)
    out.setAlpha(alpha)
    return out


def _utc(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%H:%M:%S")


@dataclass(frozen=True)
class Span:
    """A hover region of the plot (view coordinates) and what it explains."""

    x0: float
    x1: float
    y0: float
    y1: float
    text: str

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


@dataclass(frozen=True)
class DownSpan:
    """Steps ``first..stop-1`` in which ``chain`` is unreachable for one reason (its first leg down)."""

    chain: str
    first: int
    stop: int
    reason: str  # engine reason code, or "unreachable" when the series has none
    label: str  # reason with the node for no_access


def down_spans(series: TimeSeries, chain: str) -> list[DownSpan]:
    """The runs of steps in which ``chain`` is unreachable, split where the reason changes."""
    rows = [i for i, leg in enumerate(series.legs) if leg.chain == chain]
    down = ~series.reachable[rows]  # (legs of the chain, T)
    out = []
    for first, stop in true_runs(down.any(axis=0)):
        labels = []
        for ti in range(first, stop):
            li = rows[int(np.argmax(down[:, ti]))]
            reason = series.reason[li, ti] if series.reason is not None else None
            node = series.reason_node[li, ti] if series.reason_node is not None else None
            labels.append((reason or "unreachable", reason_text(reason, node)))
        start = first
        for k in range(1, len(labels) + 1):
            if k == len(labels) or labels[k] != labels[k - 1]:
                out.append(DownSpan(chain, start, first + k, *labels[k - 1]))
                start = first + k
    return out


class _LatencyAxis(pg.AxisItem):
    """The latency axis without ticks below zero, where the unreachable strips are drawn."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name)
        return [
            (spacing, [v for v in values if v >= 0])
            for spacing, values in super().tickValues(minVal, maxVal, size)
        ]


class LatencyPlot(pg.PlotWidget):
    """One-way end-to-end latency per kill chain against UTC; gaps where a chain is unreachable.

    Each chain's budget is a dashed line in its colour with the latency above it shaded; events are
    labelled lines (destroy) or bands (jam, outage, cut links); under the curves a strip per chain shows
    why it is unreachable, coloured per reason (hover for the details). A vertical line marks the
    clock; clicking the plot or dragging the line emits ``time_picked``."""

    time_picked = Signal(float)  # seconds after the scenario start

    def __init__(self, parent: QWidget | None = None):
        super().__init__(
            parent,
            axisItems={
                "bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0),
                "left": _LatencyAxis(orientation="left"),
            },
        )
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
        self.budget_lines: dict[str, pg.InfiniteLine] = {}
        self.over_budget: dict[str, pg.PlotDataItem] = {}  # the shading above each budget
        self.event_items: dict[str, pg.InfiniteLine | pg.LinearRegionItem] = {}  # by event name
        self.down: list[DownSpan] = []
        self.hover_spans: list[Span] = []
        self._pool: list[pg.PlotDataItem] = []
        self._fill_pool: list[pg.PlotDataItem] = []
        self._budget_pool: list[pg.InfiniteLine] = []
        self._line_pool: list[pg.InfiniteLine] = []
        self._band_pool: list[pg.LinearRegionItem] = []
        self._events_key: tuple | None = None
        self._event_labels: list[pg.InfLineLabel] = []  # the shown ones, in time order
        self._event_spans: list[Span] = []
        self._strips = pg.BarGraphItem(x0=[], x1=[], y0=[], height=[], pen=None)
        self._strips.setZValue(5)
        self.addItem(self._strips)
        self._epoch = 0.0
        self._empty = pg.TextItem("Computing latencies...", color="#9aa4b1", anchor=(0.5, 0.5))
        self.addItem(self._empty, ignoreBounds=True)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scene().sigMouseMoved.connect(self._hovered)
        self.getPlotItem().vb.sigXRangeChanged.connect(self._stack_labels)
        self.getPlotItem().vb.sigResized.connect(self._stack_labels)

    def set_series(self, scenario: Scenario, series: TimeSeries) -> None:
        """Draw every chain of ``series`` in its colour (chains of ``scenario`` give the colours and
        budgets), the scenario's events and the reasons of unreachable spans."""
        self._epoch = series.start.timestamp()
        x = self._epoch + series.t_s
        chains = {c.name: c for c in scenario.chains}
        names = list(dict.fromkeys(leg.chain for leg in series.legs))
        colors = {name: chains[name].color if name in chains else "#ffffff" for name in names}
        latency = {name: series.chain_latency_ms(name) for name in names}
        reasons = list(dict.fromkeys(s.reason for name in names for s in down_spans(series, name)))
        self._show_curves([(name, colors[name], x, latency[name]) for name in names], reasons)
        self._empty.setText("" if names else "No kill chains: add one to see latencies")
        self._empty.setVisible(not names)
        if len(x):
            self.setXRange(x[0], x[-1], padding=0.01)
        finite = [np.nanmax(y) for y in latency.values() if np.isfinite(y).any()]
        budgets = {n: chains[n].budget_ms for n in names if n in chains and chains[n].budget_ms is not None}
        top = max([*finite, *budgets.values()]) * HEADROOM if finite or budgets else 100.0
        ends = x + step_durations(series.t_s, scenario.time.step_s)
        budget_spans = self._show_budgets(x, ends, latency, budgets, colors)
        strip_spans = self._show_strips(series, colors, x, ends, top)
        self._show_events(scenario)
        self.hover_spans = strip_spans + budget_spans + self._event_spans
        bottom = -STRIP_SHARE * top * len(names) if self.down else 0.0
        self.setYRange(bottom, top, padding=0)
        self._place_hint()

    def set_waiting(self, scenario: Scenario) -> None:
        """Before the first results arrive: the time axis of the new scenario, a hint, no curves."""
        self._show_curves([], [])
        self._show_budgets(np.zeros(0), np.zeros(0), {}, {}, {})
        self._strips.setOpts(x0=[], x1=[], y0=[], height=[])
        self.down, self.hover_spans = [], []
        self._epoch = scenario.time.start.timestamp()
        self.setXRange(self._epoch, self._epoch + scenario.time.duration_s, padding=0.01)
        self._show_events(scenario)
        self.hover_spans = list(self._event_spans)
        self._empty.setText("Computing latencies...")
        self._empty.setVisible(True)
        self._place_hint()

    def _show_curves(self, curves: list[tuple[str, str, np.ndarray, np.ndarray]], reasons: list[str]) -> None:
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
        if reasons:
            legend.append(
                "unreachable: "
                + " ".join(
                    f'<span style="color:{REASON_COLORS.get(r, "#ff5252")}">&#9632; {r}</span>'
                    for r in reasons
                )
            )
        self.setTitle("&nbsp;&nbsp;".join(legend), size="9pt")

    def _show_budgets(
        self, x: np.ndarray, ends: np.ndarray, latency: dict, budgets: dict[str, float], colors: dict
    ) -> list[Span]:
        """A dashed line per budget and the area between it and the curve where the curve is above."""
        while len(self._budget_pool) < len(budgets):
            line = pg.InfiniteLine(angle=0, movable=False)
            line.setZValue(3)
            self.addItem(line, ignoreBounds=True)
            self._budget_pool.append(line)
            fill = pg.PlotDataItem([], [], pen=None)
            fill.setZValue(-1)
            self.addItem(fill)
            self._fill_pool.append(fill)
        self.budget_lines, self.over_budget, spans = {}, {}, []
        for line, fill, (name, budget) in zip(
            self._budget_pool, self._fill_pool, budgets.items(), strict=False
        ):
            color = colors[name]
            line.setPen(pg.mkPen(color, width=1.2, style=Qt.PenStyle.DashLine))
            line.setValue(budget)
            line.setVisible(True)
            y = np.nan_to_num(latency[name], nan=budget)
            over = y > budget
            fill.setData(
                x, np.where(over, y, budget), fillLevel=budget, brush=_with_alpha(color, FILL_ALPHA), pen=None
            )
            fill.setVisible(bool(over.any()))
            self.budget_lines[name] = line
            self.over_budget[name] = fill
            for first, stop in true_runs(over):
                peak = float(y[first:stop].max())
                text = (
                    f"{name}: over its {budget:g} ms budget {_utc(x[first])}–{_utc(ends[stop - 1])} UTC, "
                    f"peak {peak:.1f} ms (+{peak - budget:.1f} ms)"
                )
                spans.append(Span(x[first], ends[stop - 1], budget, peak, text))
        for line, fill in zip(
            self._budget_pool[len(budgets) :], self._fill_pool[len(budgets) :], strict=True
        ):
            line.setVisible(False)
            fill.setData([], [])
            fill.setVisible(False)
        return spans

    def _show_strips(
        self, series: TimeSeries, colors: dict[str, str], x: np.ndarray, ends: np.ndarray, top: float
    ) -> list[Span]:
        """One strip per chain under the zero line: its unreachable spans filled in the colour of their
        reason, outlined in the chain's."""
        names = list(colors)
        height = STRIP_SHARE * top
        self.down = [s for name in names for s in down_spans(series, name)]
        spans, brushes, pens, x0, x1, y0 = [], [], [], [], [], []
        for span in self.down:
            row = names.index(span.chain)
            lo, hi = -(row + 1) * height, -row * height - 0.15 * height
            x0.append(x[span.first])
            x1.append(ends[span.stop - 1])
            y0.append(lo)
            brushes.append(pg.mkBrush(REASON_COLORS.get(span.reason, "#ff5252")))
            pens.append(pg.mkPen(colors[span.chain], width=1.5))
            text = f"{span.chain} unreachable {_utc(x0[-1])}–{_utc(x1[-1])} UTC: {span.label}"
            spans.append(Span(x0[-1], x1[-1], lo, hi, text))
        self._strips.setOpts(
            x0=x0, x1=x1, y0=y0, height=[0.85 * height] * len(x0), brushes=brushes, pens=pens or None
        )
        self._strips.setVisible(bool(self.down))
        return spans

    def _show_events(self, scenario: Scenario) -> None:
        """Destroy events as labelled lines, the others as labelled bands; redrawn only when they change."""
        key = (self._epoch, scenario.time.duration_s, tuple(e.model_dump_json() for e in scenario.events))
        if key == self._events_key:
            return
        self._events_key = key
        end = self._epoch + scenario.time.duration_s
        lines = [e for e in scenario.events if e.kind == "destroy"]
        bands = [e for e in scenario.events if e.kind != "destroy"]
        while len(self._line_pool) < len(lines):
            line = pg.InfiniteLine(angle=90, movable=False)
            line.labels = (self._label(line, (0, 0)), self._label(line, (1, 0)))  # right / left of it
            line.setZValue(4)
            self.addItem(line, ignoreBounds=True)
            self._line_pool.append(line)
        while len(self._band_pool) < len(bands):
            band = pg.LinearRegionItem(movable=False)
            band.setZValue(-5)
            band.labels = (self._label(band.lines[0], (0, 0)), self._label(band.lines[1], (1, 0)))  # inside
            self.addItem(band, ignoreBounds=True)
            self._band_pool.append(band)
        self.event_items, self._event_spans = {}, []
        self._event_labels = []
        for event in sorted(scenario.events, key=self._event_start):
            text = self._event_text(event)
            color = EVENT_COLORS.get(event.kind, "#ffffff")
            if event.kind == "destroy":
                item = self._line_pool[lines.index(event)]
                item.setPen(pg.mkPen(color, width=1.5))
                item.setValue(self._epoch + event.at_s)
                x0 = x1 = self._epoch + event.at_s
            else:
                item = self._band_pool[bands.index(event)]
                x0 = self._epoch + event.from_s
                x1 = self._epoch + (event.until_s if event.until_s is not None else scenario.time.duration_s)
                item.setRegion((x0, min(x1, end)))
                item.setBrush(_with_alpha(color, BAND_ALPHA))
                for edge in item.lines:
                    edge.setPen(pg.mkPen(_with_alpha(color, 120), width=1))
            left_half = (x0 + x1) / 2 - self._epoch < 0.55 * scenario.time.duration_s
            for label, shown in zip(item.labels, (left_half, not left_half), strict=True):
                label.setFormat(self._label_text(event).replace("{", "{{").replace("}", "}}"))
                label.setColor(color)
                label.setVisible(shown)
            self._event_labels.append(item.labels[0 if left_half else 1])
            item.setVisible(True)
            self.event_items[event.name] = item
            self._event_spans.append(Span(x0 - 0.004 * (end - self._epoch), x1, -np.inf, np.inf, text))
        for item in [*self._line_pool[len(lines) :], *self._band_pool[len(bands) :]]:
            item.setVisible(False)
        self._stack_labels()

    @staticmethod
    def _label(line: pg.InfiniteLine, anchor: tuple[int, int]) -> pg.InfLineLabel:
        """An event's label near the top of ``line``, on the side ``anchor`` gives, on a dark ground."""
        return pg.InfLineLabel(line, "", position=0.98, anchors=[anchor, anchor], fill=LABEL_FILL)

    def _stack_labels(self) -> None:
        """Put each event label in the highest row where it overlaps no earlier label (pixel widths)."""
        vb = self.getPlotItem().vb
        per_px, height_px = vb.viewPixelSize()[0], vb.height()
        if not self._event_labels or per_px <= 0 or height_px <= 0:
            return
        rows: list[float] = []  # right end of the last label in each row, view x
        for label in self._event_labels:
            rect = label.boundingRect()
            x = label.line.value()
            left_side = label.anchors[0][0] == 1  # text to the left of its line
            x0, x1 = (x - rect.width() * per_px, x) if left_side else (x, x + rect.width() * per_px)
            row = next((r for r, end in enumerate(rows) if x0 > end + 6 * per_px), len(rows))
            rows[row : row + 1] = [x1]
            label.setPosition(max(0.0, 1.0 - (2 + row * rect.height()) / height_px))

    @staticmethod
    def _event_start(event) -> float:
        return event.at_s if event.kind == "destroy" else event.from_s

    @staticmethod
    def _label_text(event) -> str:
        """On the plot: the name, and an outage's cause (colour tells the kind; hover tells all)."""
        return f"{event.name} ({event.cause})" if event.kind == "outage" else event.name

    @staticmethod
    def _event_text(event) -> str:
        if event.kind == "outage":
            return f"{event.name} ({event.cause} outage)"
        return f"{event.name} ({event.kind.replace('_', ' ')})"

    def set_time(self, t_s: float) -> None:
        self.cursor.setValue(self._epoch + t_s)

    def _place_hint(self) -> None:
        (x0, x1), (y0, y1) = self.viewRange()
        self._empty.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def span_at(self, x: float, y: float) -> Span | None:
        """The hover region at view coordinates (x, y): a strip, an over-budget span, then an event."""
        return next((s for s in self.hover_spans if s.contains(x, y)), None)

    def _hovered(self, scene_pos) -> None:
        vb = self.getPlotItem().vb
        span = None
        if vb.sceneBoundingRect().contains(scene_pos):
            point = vb.mapSceneToView(scene_pos)
            span = self.span_at(point.x(), point.y())
        if span is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(QCursor.pos(), span.text, self)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        self.time_picked.emit(vb.mapSceneToView(event.scenePos()).x() - self._epoch)


class RouteTable(QTableWidget):
    """Every leg's route at the displayed time: chain, leg, reachable, latency, hops, why a leg is
    unreachable, the detecting sensor and how far the threat moves (threat chains), and the path.
    Latencies of a chain over its budget are marked (colour and tooltip)."""

    HEADERS = (
        "Chain",
        "Leg",
        "Reachable",
        "Latency (ms)",
        "Hops",
        "Reason",
        "Sensor",
        "Moved (km)",
        "Path",
    )
    CENTERED = (2, 3, 4, 7)
    TIPPED = (1, 5, 6, 8)  # columns whose text may be cut: the tooltip shows it whole
    LATENCY, PATH = 3, 8

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.horizontalHeaderItem(7).setToolTip(
            "Threat chains: how far the threat moves during the chain's end-to-end latency, "
            "processing delays included"
        )
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        for col in range(len(self.HEADERS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, LEG_COLUMN_PX)
        header.setSectionResizeMode(self.PATH, QHeaderView.ResizeMode.Stretch)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self._colors: dict[tuple[int, int], str] = {}  # the colour each coloured cell was given
        self._tips: dict[tuple[int, int], str] = {}  # the tooltip each cell was given

    def set_snapshot(self, scenario: Scenario, snapshot: Snapshot) -> None:
        chains = {c.name: c for c in scenario.chains}
        threats = [t.name for t in scenario.threats]
        totals: dict[str, float] = {}  # end-to-end latency per chain (NaN when a leg is down)
        for route in snapshot.routes:
            totals[route.leg.chain] = totals.get(route.leg.chain, 0.0) + route.latency_ms
        self.setRowCount(len(snapshot.routes))
        plain = self.palette().text().color().name()
        for r, route in enumerate(snapshot.routes):
            leg, chain = route.leg, chains.get(route.leg.chain)
            total = totals[leg.chain]
            budget = chain.budget_ms if chain is not None else None
            over = budget is not None and route.reachable and np.isfinite(total) and total > budget
            cells = (
                leg.chain,
                f"{leg.index + 1}: {leg.src} → {leg.dst}",
                "yes" if route.reachable else "NO",
                f"{route.latency_ms:.2f}" if route.reachable else "–",
                str(route.hops) if route.reachable else "–",
                "" if route.reachable else reason_text(route.reason, route.reason_node),
                route.sensor or "",
                self._threat_moved(leg.threat, threats, snapshot, total),
                " → ".join(route.names) if route.reachable else "no path at this time",
            )
            for c, text in enumerate(cells):
                item = self.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self._colors.pop((r, c), None)
                    self._tips.pop((r, c), None)
                    if c in self.CENTERED:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    self.setItem(r, c, item)
                if item.text() != text:  # while the clock runs, most cells keep their text
                    item.setText(text)
                    if c in self.TIPPED:
                        self._set_tip(r, c, text)
            self._set_color(r, 0, chain.color if chain is not None else "#ffffff")
            self._set_color(r, 2, "#69f0ae" if route.reachable else "#ff5252")
            self._set_color(r, 5, REASON_COLORS.get(route.reason, "#ff5252"))
            self._set_color(r, self.LATENCY, OVER_BUDGET_COLOR if over else plain)
            self._set_tip(r, self.LATENCY, self._over_budget_text(leg.chain, total, budget) if over else "")

    @staticmethod
    def _over_budget_text(chain: str, total_ms: float, budget_ms: float) -> str:
        over = total_ms - budget_ms
        return f"{chain}: {total_ms:.2f} ms end to end, {over:.2f} ms over its {budget_ms:g} ms budget"

    @staticmethod
    def _threat_moved(threat: str | None, threats: list[str], snapshot: Snapshot, total_ms: float) -> str:
        """On a threat chain's first leg: the threat's travel during the chain latency, in km."""
        if threat is None or threat not in threats or not np.isfinite(total_ms):
            return ""
        speed = float(snapshot.threat_speed_km_s[threats.index(threat)])
        return f"{speed * total_ms / 1000.0:.2f}" if np.isfinite(speed) else ""

    def _set_color(self, row: int, column: int, color: str) -> None:
        """Each Qt call costs the GUI thread a wait for the GIL while the worker runs: skip repeats."""
        if self._colors.get((row, column)) != color:
            self._colors[(row, column)] = color
            self.item(row, column).setForeground(QColor(color))

    def _set_tip(self, row: int, column: int, text: str) -> None:
        if self._tips.get((row, column)) != text:
            self._tips[(row, column)] = text
            self.item(row, column).setToolTip(text)
