"""Mouse tools on the globe: a click selects what is under it, places a node in placement mode, or adds
what is under it to the kill chain being edited while picking for a chain; a drag that starts on a
fixed node moves it. Edits and selections are asked for by signals."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMainWindow, QStatusBar, QToolBar

from ..engine import Snapshot
from ..engine.frames import ecef_to_geodetic
from ..render.projection import nearest_within
from ..scenario.edits import ROLE_NAMES
from .compute import Analysis
from .document import ScenarioDocument
from .globe import GlobeWidget
from .icons import node_icon

CLICK_TOLERANCE_PX = 4
CHAIN_PICK_HINT = (
    "Picking kill chain nodes: click a node, a sensor satellite or a threat on the globe or the map "
    "(Esc or Pick on globe again to stop)."
)
DRAG_EDIT_INTERVAL_S = 0.15  # a dragged node is re-placed (and its routes recomputed) this often


class GlobeTools(QObject):
    """Watches ``globe``'s mouse events; ``snapshot()`` is the instant the globe shows."""

    place_requested = Signal(str, float, float)  # role, lat_deg, lon_deg
    move_requested = Signal(object, object)  # field path of a node's position, the new position
    select_requested = Signal(list)  # object refs to select
    chain_picking_stopped = Signal(object)  # the ``add`` given to ``start_chain_picking``

    def __init__(
        self,
        globe: GlobeWidget,
        document: ScenarioDocument,
        analysis: Analysis,
        snapshot: Callable[[], Snapshot | None],
        status_bar: QStatusBar,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.globe = globe
        self.views = [globe]  # the widgets watched (``watch``); ``view``: the one last pressed on
        self.view = globe
        self.document = document
        self.analysis = analysis
        self.snapshot = snapshot
        self.status_bar = status_bar
        self._press_pos: QPointF | None = None
        self._dragged_node: int | None = None
        self._last_drag_edit = 0.0
        self.clicked_satellite: int | None = None  # picked by a click (its constellation is selected)
        self.place_group = QActionGroup(self)
        self.place_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.place_group.triggered.connect(self._placement_toggled)
        self.place_actions: dict[str, QAction] = {}
        self._chain_picker: ChainPicker | None = None  # while a kill chain dialog picks on the views
        self._window: QMainWindow | None = None  # and its place toolbar, once built
        self._bar: QToolBar | None = None
        globe.installEventFilter(self)

    def watch(self, view: GlobeWidget) -> None:
        """Give ``view`` (the 2D map) the same tools: it answers ``pick`` and ``latlon_at`` as the globe."""
        self.views.append(view)
        view.installEventFilter(self)

    def build_toolbar(self, window: QMainWindow) -> QToolBar:
        """The "Place on globe" toolbar: one checkable button per node role. When the toolbars of
        its row do not fit the window, it moves to a row of its own (Qt would hide its buttons)."""
        bar = QToolBar("Place", window)
        self._window, self._bar = window, bar
        window.installEventFilter(self)
        bar.setObjectName("place_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addWidget(QLabel(" Place on globe: "))
        for role, name in ROLE_NAMES.items():
            action = QAction(node_icon(role, None), name, self)
            action.setCheckable(True)
            action.setToolTip(f"Place a {name} node: then click on the globe")
            action.setData(role)
            self.place_group.addAction(action)
            bar.addAction(action)
            self.place_actions[role] = action
        return bar

    def stop_placing(self) -> bool:
        """Leave placement mode; False if it was not on."""
        action = self.place_group.checkedAction()
        if action is None:
            return False
        action.setChecked(False)
        self.status_bar.clearMessage()
        return True

    @property
    def picking_chain(self) -> bool:
        return self._chain_picker is not None

    def start_chain_picking(self, add: Callable[[str], bool]) -> None:
        """Until ``stop_chain_picking``, a click on a node, a sensor constellation's satellite or a
        threat calls ``add(name)`` (False: the chain cannot use it) instead of selecting."""
        self.stop_chain_picking()
        self.stop_placing()
        self._chain_picker = ChainPicker(self, add)
        self.status_bar.showMessage(CHAIN_PICK_HINT)

    def stop_chain_picking(self) -> bool:
        """Leave chain picking (``chain_picking_stopped`` says whose); False if it was not on."""
        picker, self._chain_picker = self._chain_picker, None
        if picker is None:
            return False
        picker.remove()
        self.status_bar.clearMessage()
        self.chain_picking_stopped.emit(picker.add)
        return True

    def _fit_toolbar(self) -> None:
        """Give the place toolbar a row of its own exactly when its row is too narrow for it."""
        window, bar = self._window, self._bar
        area = window.toolBarArea(bar)
        row = [b for b in window.findChildren(QToolBar) if window.toolBarArea(b) == area and b.isVisible()]
        wanted = sum(b.sizeHint().width() for b in row)
        broken = window.toolBarBreak(bar)
        if wanted > window.width() and not broken:
            window.insertToolBarBreak(bar)
        elif broken and wanted <= window.width():
            window.removeToolBarBreak(bar)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Clicks on the globe (or the map) pick or place; a drag that starts on a fixed node moves it.
        The window's resizes fit the place toolbar."""
        if watched not in self.views:
            if event.type() == QEvent.Type.Resize and watched is self._window:
                self._fit_toolbar()
            return super().eventFilter(watched, event)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self.view = watched
            self._press_pos = event.position()
            self._dragged_node = self._fixed_node_at(event.position())
            return self._dragged_node is not None  # the camera must not orbit under a node drag
        if kind == QEvent.Type.MouseMove and self._dragged_node is not None:
            if time.perf_counter() - self._last_drag_edit >= DRAG_EDIT_INTERVAL_S:
                self._move_node(self._dragged_node, event.position())
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._press_pos is not None:
            moved = (event.position() - self._press_pos).manhattanLength()
            dragged, self._dragged_node, self._press_pos = self._dragged_node, None, None
            if moved <= CLICK_TOLERANCE_PX:
                self._clicked(event.position().x(), event.position().y())
            elif dragged is not None:
                self._move_node(dragged, event.position())
            return dragged is not None
        return super().eventFilter(watched, event)

    def satellite_details(self, index: int) -> str:
        """One line about a satellite at the displayed instant: where it is and what it links to."""
        sats = self.analysis.network.sats
        text = f"Satellite {sats.names[index]} (plane {sats.plane[index]}, slot {sats.slot[index]})"
        snap = self.snapshot()
        if snap is None or index >= len(snap.sat_pos) or not snap.sat_active[index]:
            return text + ": not propagated at this time" if snap is not None else text
        lat, lon, alt_m = ecef_to_geodetic(snap.sat_pos[index])
        links = [int((pairs == index).any(axis=1).sum()) for pairs in (snap.isl, snap.cross)]
        ground = int((snap.ground[:, 1] == index).sum())
        routes = sorted({r.leg.chain for r in snap.routes if index in r.path})
        return (
            f"{text}: {abs(lat):.2f}°{'N' if lat >= 0 else 'S'} {abs(lon):.2f}°{'E' if lon >= 0 else 'W'}, "
            f"{alt_m / 1000:.0f} km; {links[0]} ISLs, {links[1]} cross-vendor, {ground} ground links"
            + (f"; carries {', '.join(routes)}" if routes else "")
        )

    def satellite_in(self, sats: range) -> int:
        """The satellite of ``sats`` (a constellation's) to ring: the one clicked, else the first."""
        return self.clicked_satellite if self.clicked_satellite in sats else sats.start

    def _fixed_node_at(self, pos: QPointF) -> int | None:
        """Index of the node with a fixed position under ``pos`` (not in placement mode)."""
        if self.place_group.checkedAction() is not None:
            return None
        picked = self.view.pick(pos.x(), pos.y())
        nodes = self.document.scenario.nodes
        if picked is None or picked[0] != "node" or nodes[picked[1]].position is None:
            return None
        return picked[1]

    def _move_node(self, index: int, pos: QPointF) -> None:
        """Put a dragged node under the cursor (its owner merges one drag's edits into one undo step)."""
        where = self.view.latlon_at(pos.x(), pos.y())
        if where is None:
            return
        self._last_drag_edit = time.perf_counter()
        alt = self.document.scenario.nodes[index].position.alt_m
        lat, lon = (round(v, 4) for v in where)
        self.move_requested.emit(("nodes", index, "position"), {"lat_deg": lat, "lon_deg": lon, "alt_m": alt})

    def _clicked(self, x: float, y: float) -> None:
        placing = self.place_group.checkedAction()
        if placing is not None:
            where = self.view.latlon_at(x, y)
            if where is None:
                self.status_bar.showMessage("Click on the Earth to place the node.", 4000)
                return
            self.place_requested.emit(placing.data(), *where)
            return
        picked = self.view.pick(x, y)
        if picked is None:
            return
        kind, index = picked
        if kind == "node":
            self.select_requested.emit([("nodes", index)])
        elif self.analysis.network is not None:
            ranges = self.analysis.network.sats.ranges
            ci = next((i for i, r in enumerate(ranges) if index in r), None)
            if ci is not None:
                self.clicked_satellite = index
                self.select_requested.emit([("constellations", ci)])
                self.status_bar.showMessage(self.satellite_details(index), 10000)

    def _placement_toggled(self, action: QAction) -> None:
        if action.isChecked():
            self.stop_chain_picking()
            self.status_bar.showMessage(
                f"Placing {action.text()} nodes: click on the globe (Esc or the button again to stop)."
            )
        else:
            self.status_bar.clearMessage()


class ChainPicker(QObject):
    """While a kill chain dialog picks on the globe and the map: an event filter on the views, before
    every other tool (the contested tools' waypoint grab too). A click on a node, a threat or a sensor
    satellite adds it to the chain through ``add``; a press on anything pickable is kept from the other
    tools and the camera, a press elsewhere is not (the globe still turns)."""

    def __init__(self, tools: GlobeTools, add: Callable[[str], bool]):
        super().__init__(tools)
        self.tools, self.add = tools, add
        self._press: QPointF | None = None
        self._held = False  # the press was on something: kept from the others until released
        for view in tools.views:
            view.installEventFilter(self)  # installed last, so asked first

    def remove(self) -> None:
        for view in self.tools.views:
            view.removeEventFilter(self)
        self.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self.tools.view = watched
            self._press = event.position()
            x, y = self._press.x(), self._press.y()
            self._held = self.tools.view.pick(x, y) is not None or self._threat_at(x, y) is not None
            return self._held
        if kind == QEvent.Type.MouseMove:
            return self._held
        if kind == QEvent.Type.MouseButtonRelease and self._press is not None:
            moved = (event.position() - self._press).manhattanLength()
            held, self._held, self._press = self._held, False, None
            if moved <= CLICK_TOLERANCE_PX:
                self._pick_for_chain(event.position().x(), event.position().y())
            return held
        return super().eventFilter(watched, event)

    def _pick_for_chain(self, x: float, y: float) -> None:
        """Add what is under (x, y) to the chain being edited, or say why nothing was added."""
        name, refused = self._chain_name_at(x, y)
        if name is not None and self.add(name):
            self.tools.status_bar.showMessage(f"Added {name} to the chain. {CHAIN_PICK_HINT}")
        else:
            self.tools.status_bar.showMessage(refused or f"A kill chain cannot use {name}.", 6000)

    def _chain_name_at(self, x: float, y: float) -> tuple[str | None, str | None]:
        """The name a chain would use for what is under (x, y) - a node, a threat, a sensor
        satellite's constellation - or None and why not."""
        scenario = self.tools.document.scenario
        picked = self.tools.view.pick(x, y)
        if picked is not None and picked[0] == "node":
            return scenario.nodes[picked[1]].name, None
        threat = self._threat_at(x, y)
        if threat is not None:
            return scenario.threats[threat].name, None
        network = self.tools.analysis.network
        if picked is None or network is None:
            return None, "Nothing to add there: click a node, a sensor satellite or a threat."
        ci = int(network.sats.constellation[picked[1]]) if picked[1] < len(network.sats) else None
        if ci is None or ci >= len(scenario.constellations):  # the network of an earlier scenario
            return None, "Wait for the computation to finish, then pick again."
        constellation = scenario.constellations[ci]
        if not constellation.sensor:
            return None, f"{constellation.name} carries no tracking sensors: a chain cannot use it."
        return constellation.name, None

    def _threat_at(self, x: float, y: float) -> int | None:
        """The threat drawn nearest to (x, y) within the pick radius, where it is at the instant shown."""
        snap = self.tools.snapshot()
        if snap is None or not 0 < len(snap.threat_pos) == len(self.tools.document.scenario.threats):
            return None  # none, or the instant of an earlier scenario
        return nearest_within(self.tools.view.project(snap.threat_pos), x, y)
