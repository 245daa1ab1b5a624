"""Tools for the contested environment on the globe: place a threat track by clicking waypoints, drag
a threat's waypoint, draw a jammer (click the centre, drag the radius), destroy the satellites picked
on the globe, and take a constellation, operator or node out of service. Every tool makes one edit
of the document (one undo step); the clock's time is "now"."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence, QPainter, QPen, QPolygonF, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QStatusBar,
    QToolBar,
    QWidget,
)

from ..engine import Snapshot
from ..engine.frames import geodetic_to_ecef
from ..engine.layout import NetworkLayout
from ..render.layers.ground import EARTH_MEAN_RADIUS_KM, circle_units, surface_km
from ..render.projection import nearest_within
from ..scenario import Scenario
from ..scenario.edits import (
    THREAT_TYPICAL,
    EditError,
    destroy_event,
    ground_distance_km,
    jam_event,
    new_threat,
    outage_event,
    with_item,
    with_threat_waypoint,
)
from .clock import Clock
from .document import ScenarioDocument
from .globe import GlobeWidget
from .icons import kind_icon

CLICK_TOLERANCE_PX = 4
GRAB_RADIUS_PX = 9  # a press this close to a threat's waypoint drags it
OUTAGE_CAUSES = ("vendor", "cyber", "fault")
DRAFT_COLOR = QColor("#ff1744")
JAM_COLOR = QColor(255, 82, 82)
PICKED_COLOR = QColor("#ffd54f")


class ToolOverlay(QWidget):
    """Drawn over the globe, on the frame on screen: the track being placed, the jammer being drawn
    and the satellites picked for destruction. Mouse input passes through it."""

    def __init__(self, tools: ContestedTools):
        super().__init__(tools.globe)
        self.tools = tools
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setGeometry(tools.globe.rect())

    def paintEvent(self, event) -> None:
        tools = self.tools
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if tools.draft:
            xy = tools.globe.project(geodetic_to_ecef(*np.array(tools.draft).T, np.zeros(len(tools.draft))))
            painter.setPen(QPen(DRAFT_COLOR, 2, Qt.PenStyle.DashLine))
            painter.drawPolyline(_polygon(xy))
            painter.setBrush(DRAFT_COLOR)
            for x, y in xy[np.isfinite(xy[:, 0])]:
                painter.drawEllipse(QPointF(x, y), 4, 4)
        if tools.jam_draft is not None:
            lat, lon, radius_km = tools.jam_draft
            center = geodetic_to_ecef(lat, lon, 0.0)
            ring = surface_km(circle_units(center, radius_km / EARTH_MEAN_RADIUS_KM), 0.0)
            painter.setPen(QPen(JAM_COLOR, 2))
            painter.setBrush(QColor(JAM_COLOR.red(), JAM_COLOR.green(), JAM_COLOR.blue(), 90))
            painter.drawPolygon(_polygon(tools.globe.project(ring)))
        snapshot = tools.snapshot()
        picked = [i for i in tools.picked if snapshot is not None and i < len(snapshot.sat_pos)]
        if picked:
            painter.setPen(QPen(PICKED_COLOR, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for x, y in tools.globe.project(snapshot.sat_pos[picked]):
                if np.isfinite(x):
                    painter.drawEllipse(QPointF(x, y), 8, 8)
        painter.end()


def _polygon(xy: np.ndarray) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in xy if np.isfinite(x)])


class ContestedTools(QObject):
    """Watches ``globe``'s mouse events (before the node tools); ``snapshot()`` is the instant shown
    and ``layout()`` the network's satellites."""

    select_requested = Signal(list)  # object refs to select (a new threat or event)

    def __init__(
        self,
        globe: GlobeWidget,
        document: ScenarioDocument,
        clock: Clock,
        snapshot: Callable[[], Snapshot | None],
        layout: Callable[[], NetworkLayout | None],
        status_bar: QStatusBar,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.globe, self.document, self.clock = globe, document, clock
        self.snapshot, self.layout, self.status_bar = snapshot, layout, status_bar
        self.draft: list[tuple[float, float]] = []  # (lat, lon) of the track being placed
        self.jam_draft: tuple[float, float, float] | None = None  # lat, lon, radius_km being drawn
        self.picked: list[int] = []  # satellites picked on the globe, for "Destroy selected"
        self._press: QPointF | None = None
        self._dragged: tuple[int, int] | None = None  # (threat, waypoint) being dragged
        self._drags = 0  # each drag is its own undo step
        self.kind_box = QComboBox()
        self.kind_box.addItems(list(THREAT_TYPICAL))
        self.kind_box.setCurrentText("hypersonic_glide")
        self.kind_box.setToolTip("Kind of threat placed (its typical speed sets the waypoint times)")
        self.modes = QActionGroup(self)
        self.modes.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.threat_action = self._mode("Threat track", "threat", "Click waypoints on the globe; "
                                         "double-click or Enter ends, Esc cancels")  # fmt: skip
        self.jam_action = self._mode(
            "Jammer", "jam", "Click the jammer's centre on the globe and drag the radius"
        )
        self.modes.triggered.connect(self._mode_toggled)
        self.destroy_action = QAction(kind_icon("destroy"), "Destroy selected satellites now", self)
        self.destroy_action.setShortcut(QKeySequence("Shift+Del"))
        self.destroy_action.setToolTip("A destroy event at the clock's time for the satellites clicked on "
                                       "the globe (Ctrl+click picks several)")  # fmt: skip
        self.destroy_action.triggered.connect(self.destroy_picked)
        self.overlay = ToolOverlay(self)
        globe.frame_shown.connect(self.overlay.update)
        self._keys = [QShortcut(QKeySequence(key), globe.window()) for key in ("Return", "Enter", "Escape")]
        for shortcut, slot in zip(
            self._keys, (self.finish_track, self.finish_track, self.cancel), strict=True
        ):
            shortcut.activated.connect(slot)
            shortcut.setEnabled(False)
        globe.installEventFilter(self)

    def _mode(self, text: str, icon: str, tip: str) -> QAction:
        action = QAction(kind_icon(icon), text, self)
        action.setCheckable(True)
        action.setToolTip(tip)
        self.modes.addAction(action)
        return action

    def build_toolbar(self, window: QMainWindow) -> QToolBar:
        """The "Contested" toolbar: threat kind and track placement, jammer, destroy."""
        bar = QToolBar("Contested", window)
        bar.setObjectName("contested_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addWidget(QLabel(" Threat: "))
        bar.addWidget(self.kind_box)
        bar.addActions([self.threat_action, self.jam_action, self.destroy_action])
        return bar

    @property
    def scenario(self) -> Scenario:
        return self.document.scenario

    # ------------------------------------------------------------------ edits
    def _add(self, kind: str, build: Callable[[], object], text: str) -> bool:
        """Append the item ``build()`` makes to the ``kind`` list (one undo step) and select it."""
        try:
            after, ref = with_item(self.scenario, kind, build())
        except EditError as err:
            self.status_bar.showMessage(f"{text} is not possible: {'; '.join(err.problems)}", 8000)
            return False
        self.document.apply(after, text)
        self.select_requested.emit([ref])
        return True

    def add_threat(self, kind: str, points: list[tuple[float, float]]) -> bool:
        """A threat of ``kind`` through ``points`` (lat, lon), starting at the clock's time."""
        return self._add(
            "threats", lambda: new_threat(self.scenario, kind, points, self.clock.t_s), "Add threat"
        )

    def move_waypoint(self, threat: int, waypoint: int, lat_deg: float, lon_deg: float) -> None:
        """Move a threat's waypoint; the moves of one drag merge into one undo step."""
        try:
            after = with_threat_waypoint(self.scenario, threat, waypoint, lat_deg, lon_deg)
        except EditError as err:
            self.status_bar.showMessage("; ".join(err.problems), 6000)
            return
        path = ("threats", threat, "waypoints", waypoint)
        self.document.apply(after, f"Move waypoint {waypoint + 1} of {self.scenario.threats[threat].name}",
                            merge_key=(path, ("drag", self._drags)))  # fmt: skip

    def add_jammer(self, lat_deg: float, lon_deg: float, radius_km: float) -> bool:
        """A jammer from the clock's time for 10 minutes (editable in its properties)."""
        return self._add(
            "events",
            lambda: jam_event(self.scenario, lat_deg, lon_deg, radius_km, self.clock.t_s),
            "Add jammer",
        )

    def destroy(self, satellites: list[int]) -> bool:
        """A destroy event at the clock's time naming ``satellites`` (indices in the network)."""
        layout = self.layout()
        names = [layout.sats.names[i] for i in satellites] if layout is not None else []
        text = f"Destroy {len(names)} satellite{'s' if len(names) != 1 else ''}"
        return self._add("events", lambda: destroy_event(self.scenario, names, self.clock.t_s), text)

    def destroy_picked(self) -> None:
        if not self.picked:
            self.status_bar.showMessage(
                "Click satellites on the globe first (Ctrl+click adds), then destroy them.", 6000
            )
            return
        if self.destroy(self.picked):
            self.picked = []
            self.overlay.update()

    def outage(self, ref: tuple[str, int], whole_operator: bool, cause: str) -> bool:
        """An outage of a constellation (or its whole operator) or a node, from now to the end."""
        kind, index = ref
        item = getattr(self.scenario, kind)[index]
        if kind == "nodes":
            what = {"nodes": [item.name]}
        elif whole_operator and item.operator:
            what = {"operators": [item.operator]}
        else:
            what = {"constellations": [item.name]}
        return self._add(
            "events",
            lambda: outage_event(self.scenario, self.clock.t_s, cause, **what),
            f"Add {cause} outage",
        )

    def request_outage(self, ref: tuple[str, int], whole_operator: bool) -> None:
        """Ask for the cause, then add the outage (from the tree's context menu)."""
        question = "Cause of the outage (from now to the end):"
        window = self.globe.window()
        cause, ok = QInputDialog.getItem(window, "Outage", question, list(OUTAGE_CAUSES), 0, False)
        if ok:
            self.outage(ref, whole_operator, cause)

    # ------------------------------------------------------------------ modes
    def _mode_toggled(self, action: QAction) -> None:
        self.draft, self.jam_draft = [], None
        active = self.modes.checkedAction() is not None
        for shortcut in self._keys:
            shortcut.setEnabled(active)
        self.status_bar.showMessage(action.toolTip() if action.isChecked() else "")
        self.overlay.update()

    def cancel(self) -> None:
        """Leave the tool (Esc): the track or jammer being drawn is dropped."""
        action = self.modes.checkedAction()
        if action is not None:
            action.setChecked(False)
            self._mode_toggled(action)

    def finish_track(self) -> None:
        """End the track being placed (double-click or Enter) and add the threat."""
        if not self.threat_action.isChecked():
            return
        points = self.draft
        if len(points) < 2:
            self.status_bar.showMessage("A threat track needs at least two waypoints: click more.", 5000)
            return
        if self.add_threat(self.kind_box.currentText(), points):
            self.cancel()

    # ------------------------------------------------------------------ mouse
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.globe:
            return super().eventFilter(watched, event)
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self.overlay.setGeometry(self.globe.rect())
            return False
        if kind not in (
            QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease,
            QEvent.Type.MouseButtonDblClick,
        ):  # fmt: skip
            return False
        if event.button() == Qt.MouseButton.RightButton or event.buttons() & Qt.MouseButton.RightButton:
            return self._right_button(kind, event)
        mode = self.modes.checkedAction()
        if mode is self.threat_action:
            return self._placing_track(kind, event)
        if mode is self.jam_action:
            return self._drawing_jammer(kind, event)
        return self._browsing(kind, event)

    def _moved(self, event) -> float:
        return (event.position() - self._press).manhattanLength() if self._press is not None else 0.0

    def _placing_track(self, kind: QEvent.Type, event) -> bool:
        """Every click adds a waypoint; a double click ends the track."""
        if kind == QEvent.Type.MouseButtonDblClick:
            self._press = None
            self.finish_track()
        elif kind == QEvent.Type.MouseButtonPress:
            self._press = event.position()
        elif kind == QEvent.Type.MouseButtonRelease and self._press is not None:
            if self._moved(event) <= CLICK_TOLERANCE_PX:
                where = self.globe.latlon_at(event.position().x(), event.position().y())
                if where is None:
                    self.status_bar.showMessage("Click on the Earth to add a waypoint.", 4000)
                else:
                    self.draft.append(where)
                    self.status_bar.showMessage(f"{len(self.draft)} waypoint(s): double-click or Enter ends.")
                    self.overlay.update()
            self._press = None
        return True

    def _drawing_jammer(self, kind: QEvent.Type, event) -> bool:
        """Press at the centre, drag out the radius, release to add the jammer."""
        x, y = event.position().x(), event.position().y()
        if kind == QEvent.Type.MouseButtonPress:
            where = self.globe.latlon_at(x, y)
            self.jam_draft = None if where is None else (*where, 0.0)
        elif self.jam_draft is not None and kind in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease):
            where = self.globe.latlon_at(x, y)
            lat, lon, radius = self.jam_draft
            if where is not None:
                radius = ground_distance_km((lat, lon), where)
                self.jam_draft = (lat, lon, radius)
                self.status_bar.showMessage(f"Jammer radius {radius:.0f} km")
            self.overlay.update()
            if kind == QEvent.Type.MouseButtonRelease:
                self.jam_draft = None
                if radius < 1.0:
                    self.status_bar.showMessage("Drag from the centre to give the jammer a radius.", 5000)
                elif self.add_jammer(lat, lon, radius):
                    self.cancel()
        return True

    def _browsing(self, kind: QEvent.Type, event) -> bool:
        """No tool on: a press on a threat's waypoint drags it; a click on a satellite picks it."""
        pos = event.position()
        if kind == QEvent.Type.MouseButtonPress:
            self._press = pos
            self._dragged = self._waypoint_at(pos.x(), pos.y())
            if self._dragged is not None:
                self._drags += 1
            return self._dragged is not None
        if kind == QEvent.Type.MouseMove and self._dragged is not None:
            where = self.globe.latlon_at(pos.x(), pos.y())
            if where is not None:
                self.move_waypoint(*self._dragged, *where)
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            dragged, self._dragged = self._dragged, None
            if dragged is None and self._moved(event) <= CLICK_TOLERANCE_PX:
                self._pick(pos.x(), pos.y(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier))
            self._press = None
            return dragged is not None
        return False

    def _pick(self, x: float, y: float, add: bool) -> None:
        picked = self.globe.pick(x, y)
        satellite = picked[1] if picked is not None and picked[0] == "satellite" else None
        if not add:
            self.picked = []
        if satellite is not None and satellite not in self.picked:
            self.picked.append(satellite)
        self.overlay.update()

    def _waypoint_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The (threat, waypoint) drawn within ``GRAB_RADIUS_PX`` of pixel (x, y), if any."""
        for h, threat in enumerate(self.scenario.threats):
            points = np.array([(w.lat_deg, w.lon_deg, w.alt_m) for w in threat.waypoints])
            xy = self.globe.project(geodetic_to_ecef(points[:, 0], points[:, 1], points[:, 2]))
            waypoint = nearest_within(xy, x, y, GRAB_RADIUS_PX)
            if waypoint is not None:
                return h, waypoint
        return None

    def _right_button(self, kind: QEvent.Type, event) -> bool:
        """A right click (no drag: that zooms) opens the globe's context menu."""
        if kind == QEvent.Type.MouseButtonPress:
            self._press = event.position()
        elif kind == QEvent.Type.MouseButtonRelease and self._press is not None:
            if self._moved(event) <= CLICK_TOLERANCE_PX:
                menu = QMenu(self.globe)
                menu.addActions([self.destroy_action, self.threat_action, self.jam_action])
                self.destroy_action.setEnabled(bool(self.picked))
                menu.exec(self.globe.mapToGlobal(event.position().toPoint()))
                self.destroy_action.setEnabled(True)
            self._press = None
        return False
