"""The main window: object tree, properties, 3D globe, latency plot, route table, time toolbar."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QWidget,
)
from superqt.utils import qthrottled, signals_blocked

from ..engine import Network, Snapshot, TimeSeries
from ..render.state import GlobeState
from ..render.view import GlobeView
from ..resources import APP_NAME
from ..scenario import KillChain, Scenario, read_tle_file
from ..scenario.edits import (
    ROLE_NAMES,
    EditError,
    FieldPath,
    chains_using,
    duplicated,
    new_node,
    new_scenario,
    next_chain_color,
    taken_names,
    tle_constellation,
    unique_name,
    with_item,
    with_replaced,
    without,
)
from .clock import Clock, TimeToolbar
from .compute import Analysis
from .contested_tools import ContestedTools
from .dialogs import ChainDialog, WalkerDialog, counted, show_tle_report
from .document import ScenarioDocument
from .exports import Exports
from .fields import readable_problem
from .files import ScenarioFiles
from .globe import GlobeWidget
from .globe_tools import GlobeTools
from .help import HelpMenu
from .map_dock import MapPanel
from .plots import LatencyPlot, RouteTable
from .properties import PropertyPanel
from .record import RecordDialog, RecordRun, show_result
from .resilience_dock import ResilienceDock, critical_targets
from .tree import ObjectRef, ObjectTree

ORBIT_FRAME_MS = 40
PROGRESS_INTERVAL_MS = 250


class MainWindow(QMainWindow):
    """The editor. ``open_path`` loads a scenario; every edit goes through ``document`` (undoable)."""

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings or QSettings()
        self.document = ScenarioDocument(new_scenario(), parent=self)
        self.analysis = Analysis(self)
        self.clock = Clock(self)
        self.globe = GlobeWidget(self)
        self.setCentralWidget(self.globe)
        self.snapshot: Snapshot | None = None
        self.files = ScenarioFiles(self.document, self.settings, self)
        self.exports = Exports(self, self.document)
        self.globe_tools = GlobeTools(
            self.globe, self.document, self.analysis, lambda: self.snapshot, self.statusBar(), self
        )
        self.contested = ContestedTools(
            self.globe, self.document, self.clock, lambda: self.snapshot, lambda: self.analysis.network,
            self.statusBar(), self,
        )  # fmt: skip
        self.map_panel = MapPanel(self)  # the 2D map: fed and synchronised like the globe
        self.globe_tools.watch(self.map_panel.map)
        self._new_network: Network | None = None  # built, not yet on the globe (see _snapshot_ready)
        self._aim_camera = False  # a newly opened scenario: face its nodes once it is on the globe
        self.chain_dialog: ChainDialog | None = None  # the kill chain dialog open last, while it is open

        self.tree = ObjectTree()
        self.tree.setMinimumWidth(230)
        self.properties = PropertyPanel(self._apply_field)
        self.plot = LatencyPlot()
        self.routes = RouteTable()
        self.resilience = ResilienceDock(self.document)
        self._build_docks()
        self._build_status_bar()
        self.time_toolbar = TimeToolbar(self.clock, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.time_toolbar)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.globe_tools.build_toolbar(self))
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.contested.build_toolbar(self))
        self._build_menus()
        self._connect()
        if not self.files.restore_window():
            self.resize(1500, 920)
            QTimer.singleShot(0, self._default_dock_sizes)
        self._show_loaded(self.document.scenario)
        self._orbit_timer = QTimer(self, interval=ORBIT_FRAME_MS)
        self._orbit_timer.timeout.connect(self._orbit_tick)
        self._orbit_clock = 0.0

    # ------------------------------------------------------------------ construction
    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tree_dock = self._dock(
            "Objects", "objects_dock", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.properties_dock = self._dock(
            "Properties", "properties_dock", self.properties, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.plot_dock = self._dock(
            "Latency", "latency_dock", self.plot, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.routes_dock = self._dock(
            "Routes", "routes_dock", self.routes, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.splitDockWidget(self.plot_dock, self.routes_dock, Qt.Orientation.Horizontal)
        self.resilience_dock = self._dock(
            "Resilience", "resilience_dock", self.resilience, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.tabifyDockWidget(self.routes_dock, self.resilience_dock)
        self.routes_dock.raise_()
        self.map_dock = self._dock("Map", "map_dock", self.map_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(self.routes_dock, self.map_dock, Qt.Orientation.Horizontal)

    def _default_dock_sizes(self) -> None:
        """First run: room for object names, the properties form and the route paths."""
        self.resizeDocks([self.tree_dock, self.properties_dock], [280, 350], Qt.Orientation.Horizontal)
        self.resizeDocks([self.plot_dock], [300], Qt.Orientation.Vertical)
        docks = [self.plot_dock, self.routes_dock, self.map_dock]
        self.resizeDocks(docks, [3, 3, 4], Qt.Orientation.Horizontal)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("Computing routes %p%")
        self.progress.hide()
        self.compute_label = QLabel()
        self.compute_label.setToolTip("Wall time of the last latency computation")
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.compute_label)

    def _action(self, menu, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        return action

    def _build_menus(self) -> None:
        SK = QKeySequence.StandardKey
        file = self.menuBar().addMenu("&File")
        self._action(file, "&New", self.files.new_file, SK.New)
        self._action(file, "&Open...", self.files.open_dialog, SK.Open)
        recent_menu = file.addMenu("Open &Recent")
        recent_menu.aboutToShow.connect(lambda: self.files.fill_recent_menu(recent_menu))
        self._action(file, "&Save", self.files.save, SK.Save)
        self._action(file, "Save &As...", self.files.save_as, SK.SaveAs)
        self._action(file, "&Close", self.files.close_file, SK.Close)
        file.addSeparator()
        self._action(file, "Import &TLE constellation...", self.import_tle)
        self._action(file, "Record &animation...", self.record_animation, "Ctrl+R")
        self._action(file, "Export r&eport...", lambda: self.exports.export_report())
        self._action(file, "Export C&ZML...", lambda: self.exports.export_czml())
        file.addSeparator()
        self._action(file, "&Quit", self.close, SK.Quit)

        edit = self.menuBar().addMenu("&Edit")
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(SK.Undo)
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(SK.Redo)
        edit.addActions([undo, redo])
        edit.addSeparator()
        self._action(edit, "Add &Walker constellation...", self.add_walker)
        self._action(edit, "Add &kill chain...", self.add_chain)
        add_node = edit.addMenu("Add &node")
        for role, name in ROLE_NAMES.items():
            self._action(add_node, f"{name} at 0°, 0°", lambda _c=False, r=role: self.add_node(r, 0.0, 0.0))
        self.duplicate_action = self._action(
            edit, "D&uplicate", lambda: self.duplicate(self.tree.selected_refs()), "Ctrl+D"
        )
        self.delete_action = self._action(
            edit, "&Delete", lambda: self.delete(self.tree.selected_refs()), SK.Delete
        )
        edit.addSeparator()
        contested = self.contested
        edit.addActions([contested.destroy_action, contested.threat_action, contested.jam_action])
        for action in (self.duplicate_action, self.delete_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.tree.addAction(action)

        view = self.menuBar().addMenu("&View")
        layers = view.addMenu("&Layers")
        self.layer_actions: dict[str, QAction] = {}
        for name in GlobeView.LAYERS:
            label = name.replace("_", " ").capitalize().replace("Isl", "ISL")
            action = self._action(
                layers, label, lambda on, n=name: self.globe.set_layer_visible(n, on), checkable=True
            )
            self.layer_actions[name] = action
        frames = view.addMenu("&Frame")
        frame_group = QActionGroup(self)
        self.frame_actions: dict[str, QAction] = {}
        for frame, label in (("earth_fixed", "Earth-fixed"), ("inertial", "Inertial")):
            action = self._action(
                frames, label, lambda _c=False, f=frame: self.globe.set_frame(f), checkable=True
            )
            frame_group.addAction(action)
            self.frame_actions[frame] = action
        self._show_globe_state(self.globe.state)
        self._action(view, "&Reset camera", self._reset_camera, "Ctrl+0")
        self._action(view, "&Orbit camera", self._start_orbit)
        self._action(view, "Restart &globe", self.globe.restart)
        view.addSeparator()
        for dock in (self.tree_dock, self.properties_dock, self.plot_dock, self.routes_dock):
            view.addAction(dock.toggleViewAction())
        view.addAction(self.resilience_dock.toggleViewAction())
        view.addAction(self.map_dock.toggleViewAction())
        view.addAction(self.time_toolbar.toggleViewAction())
        self.help_menu = HelpMenu(self)

    def _show_globe_state(self, state: GlobeState) -> None:
        """Menus set from the globe's one state (layers shown, frame), whoever changed it."""
        for name, action in self.layer_actions.items():
            with signals_blocked(action):
                action.setChecked(state.layer_visible(name))
        for frame, action in self.frame_actions.items():
            with signals_blocked(action):
                action.setChecked(state.frame == frame)
        critical_shown = state.layer_visible("critical")
        self.resilience.set_show_on_globe(critical_shown)
        if self.map_panel.map.state.layer_visible("critical") != critical_shown:  # the map follows
            self.map_panel.map.set_layer_visible("critical", critical_shown)

    def _connect(self) -> None:
        doc = self.document
        self.globe.state_changed.connect(self._show_globe_state)
        doc.changed.connect(self._show_changed)
        doc.loaded.connect(self._show_loaded)
        doc.path_changed.connect(lambda _p: self._update_title())
        doc.undo_stack.cleanChanged.connect(lambda clean: self.setWindowModified(not clean))
        self.tree.selection_changed.connect(self._selection_changed)
        self.tree.add_requested.connect(self._add_requested)
        self.tree.duplicate_requested.connect(self.duplicate)
        self.tree.delete_requested.connect(self.delete)
        self.tree.focus_requested.connect(self.focus)
        self.tree.edit_chain_requested.connect(self.edit_chain_nodes)
        self.properties.chain_nodes_requested.connect(self.edit_chain_nodes)
        self.globe_tools.place_requested.connect(self.add_node)
        self.globe_tools.move_requested.connect(self._apply_field)
        self.globe_tools.select_requested.connect(self.tree.select)
        self.contested.select_requested.connect(self.tree.select)
        self.tree.outage_requested.connect(self.contested.request_outage)
        self.clock.time_changed.connect(self._time_changed)
        self.plot.time_picked.connect(self.clock.set_time)
        self.analysis.network_ready.connect(self._network_ready)
        self.analysis.series_ready.connect(self._series_ready)
        self.analysis.snapshot_ready.connect(self._snapshot_ready)
        self.analysis.progress.connect(qthrottled(self._progress, PROGRESS_INTERVAL_MS, parent=self))
        self.analysis.busy_changed.connect(self.progress.setVisible)
        self.analysis.failed.connect(self._computation_failed)
        self.resilience.satellite_chosen.connect(self.select_satellite)
        self.resilience.critical_changed.connect(self._mark_critical)
        self.resilience.show_on_globe_changed.connect(lambda on: self.globe.set_layer_visible("critical", on))

    # ------------------------------------------------------------------ scenario shown
    @property
    def scenario(self) -> Scenario:
        return self.document.scenario

    def _show_loaded(self, scenario: Scenario) -> None:
        self.clock.pause()
        self.clock.set_window(scenario.time.start, scenario.time.duration_s, scenario.time.step_s)
        self.clock.set_time(0.0)
        self.analysis.request_snapshot(0.0)
        self.tree.set_scenario(scenario)
        self.tree.select([("scenario", 0)])
        self.plot.set_waiting(scenario)
        self.routes.setRowCount(0)
        self._update_title()
        self._aim_camera = True
        self._recompute(scenario)

    def _show_changed(self, scenario: Scenario) -> None:
        self.clock.set_window(scenario.time.start, scenario.time.duration_s, scenario.time.step_s)
        self.tree.set_scenario(scenario)
        self.properties.refresh(scenario)
        self._recompute(scenario)
        self._mark_critical(self.resilience.marked_critical())

    def _recompute(self, scenario: Scenario) -> None:
        """Start the engine on ``scenario``; an edit that cannot change routes only recolours."""
        if self.analysis.set_scenario(scenario, self.document.base_dir):
            self.status_label.setText("Computing routes and latencies...")
        elif not self.analysis.pending and self._new_network is None:
            self.globe.set_scenario(scenario, self.analysis.network)
            self.map_panel.map.set_scenario(scenario, self.analysis.network)
            if self.snapshot is not None:
                self.globe.show_snapshot(self.snapshot)
                self.map_panel.map.show_snapshot(self.snapshot)
                self.routes.set_snapshot(scenario, self.snapshot)
            if self.analysis.series is not None:
                self.plot.set_series(scenario, self.analysis.series)
                self.plot.set_time(self.clock.t_s)

    def _network_ready(self, network: Network) -> None:
        """Keep the new Network until its first snapshot, so the globe redraws once, not twice."""
        self._new_network = network

    def _snapshot_ready(self, snapshot: Snapshot) -> None:
        if self._new_network is not None:
            self.globe.set_scenario(self.scenario, self._new_network)
            self.map_panel.map.set_scenario(self.scenario, self._new_network)
            self._new_network = None
            for name, action in self.layer_actions.items():
                self.globe.set_layer_visible(name, action.isChecked())
            self._mark_critical(self.resilience.marked_critical())
            if self._aim_camera:
                self._aim_camera = False
                self._reset_camera()
        self.snapshot = snapshot
        self.globe.show_snapshot(snapshot)
        self.map_panel.map.show_snapshot(snapshot)
        self._sync_globe_selection()
        self.routes.set_snapshot(self.scenario, snapshot)

    def _series_ready(self, series: TimeSeries) -> None:
        self.plot.set_series(self.scenario, series)
        self.plot.set_time(self.clock.t_s)
        steps, legs = len(series.t_s), len(series.legs)
        self.compute_label.setText(
            f"Last computation: {self.analysis.last_seconds:.2f} s ({steps} steps × {legs} legs)"
        )
        text = (
            f"{len(self.analysis.network.sats):,} satellites, {len(self.scenario.nodes)} nodes, "
            f"{len(self.scenario.chains)} kill chains"
        )
        if series.warnings:
            text += f"  ⚠ {len(series.warnings)} warnings (hover)"
        self.status_label.setText(text)
        self.status_label.setToolTip("\n".join(series.warnings))
        self.status_label.setStyleSheet("")

    def _progress(self, done: int, total: int) -> None:
        """Throttled to the latest value every PROGRESS_INTERVAL_MS: each repaint recomposes the GL view."""
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _computation_failed(self, message: str) -> None:
        self.status_label.setText(f"Computation failed: {message.splitlines()[0]}")
        self.status_label.setToolTip(message)
        self.status_label.setStyleSheet("color: #ff6e6e;")

    def _time_changed(self, t_s: float) -> None:
        self.analysis.request_snapshot(t_s)
        self.plot.set_time(t_s)

    def _update_title(self) -> None:
        name = self.document.path.name if self.document.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(not self.document.undo_stack.isClean())

    # ------------------------------------------------------------------ selection, camera
    def _selection_changed(self, refs: list[ObjectRef]) -> None:
        self.properties.show_selection(self.scenario, refs, self.document.try_set_fields)
        self._sync_globe_selection()

    def _sync_globe_selection(self) -> None:
        """Ring the selected node or constellation on the globe and the map (once they know about it)."""
        refs = self.tree.selected_refs()
        target = self._camera_target(refs[0]) if len(refs) == 1 else None
        for view in (self.globe, self.map_panel.map):
            try:
                view.set_selection(*(target or (None, None)))
            except ValueError:  # the view still shows the scenario before the edit
                view.set_selection(None)

    def _camera_target(self, ref: ObjectRef) -> tuple[str, int] | None:
        kind, index = ref
        if kind == "nodes":
            return ("node", index)
        network = self.analysis.network
        if kind == "constellations" and network is not None and index < len(network.sats.ranges):
            return ("satellite", self.globe_tools.satellite_in(network.sats.ranges[index]))
        return None

    def select_satellite(self, name: str) -> None:
        """Select a satellite named outside the globe (a critical one in the resilience dock) as a click
        on the globe would, and ring it."""
        network = self.analysis.network
        names = list(network.sats.names) if network is not None else []
        if name not in names:
            self.statusBar().showMessage(f"{name} is not in the scenario shown now.", 6000)
            return
        index = names.index(name)
        constellation = next(i for i, r in enumerate(network.sats.ranges) if index in r)
        self.tree.select([("constellations", constellation)])
        self.globe.set_selection("satellite", index)
        self.statusBar().showMessage(self.globe_tools.satellite_details(index), 10000)

    def _mark_critical(self, records: list[dict]) -> None:
        """Mark a resilience study's critical elements on the globe and the map, found by name in the
        scenario the globe shows (again once a new network reaches the globe)."""
        network, shown = self.analysis.network, self.globe.scenario
        if network is None or shown is None or self._new_network is not None:
            return
        targets, links = critical_targets(records, list(network.sats.names), [n.name for n in shown.nodes])
        for view in (self.globe, self.map_panel.map):
            try:
                view.set_critical(targets, links)
            except ValueError:  # the view still shows the scenario before the edit
                view.set_critical(())

    def focus(self, ref: ObjectRef) -> None:
        target = self._camera_target(ref)
        try:
            self.globe.set_camera_mode("follow", target=target)
        except ValueError:
            self.statusBar().showMessage("Wait for the computation to finish, then focus again.", 4000)

    def _start_orbit(self) -> None:
        """Turn the camera slowly around the Earth until another camera mode is chosen."""
        self.globe.set_camera_mode("orbit")
        self._orbit_clock = time.perf_counter()
        self._orbit_timer.start()

    def _orbit_tick(self) -> None:
        if self.globe.camera_mode != "orbit":
            self._orbit_timer.stop()
            return
        now = time.perf_counter()
        self.globe.advance_camera(now - self._orbit_clock)
        self._orbit_clock = now

    def _reset_camera(self) -> None:
        self.globe.set_camera_mode("fixed")
        self.globe.reset_camera()

    def keyPressEvent(self, event) -> None:
        tools = self.globe_tools
        if event.key() == Qt.Key.Key_Escape and (tools.stop_placing() or tools.stop_chain_picking()):
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ edits
    def _apply_field(self, path: FieldPath, value) -> list[str] | None:
        return self.document.try_set_fields([path], value)

    def _apply(self, after: Scenario, text: str, select: list[ObjectRef] | None = None) -> None:
        self.document.apply(after, text)
        if select is not None:
            self.tree.select(select)

    def _try(self, text: str, build: Callable[[], tuple[Scenario, list[ObjectRef] | None]]) -> None:
        """Apply the scenario ``build()`` returns and select its objects, or show why it is invalid."""
        try:
            after, select = build()
            self.document.refuse_over_limit(after)
        except EditError as err:
            self._refused(text, err)
            return
        self._apply(after, text, select)

    def _refused(self, text: str, err: EditError) -> None:
        problems = "\n".join(readable_problem(p) for p in err.problems)
        QMessageBox.warning(self, APP_NAME, f"{text} is not possible:\n{problems}")

    def _try_adding(self, kind: str, item: BaseModel) -> None:
        """Append ``item`` to the ``kind`` list and select it, or show why it is invalid."""

        def build() -> tuple[Scenario, list[ObjectRef]]:
            after, ref = with_item(self.scenario, kind, item)
            return after, [ref]

        self._try(f"Add {item.name}", build)

    def add_node(self, role: str, lat_deg: float, lon_deg: float) -> None:
        """A new fixed ground node of ``role`` at the given point, selected for editing."""
        node = new_node(self.scenario, role, lat_deg, lon_deg)
        self._try_adding("nodes", node)
        self.status_label.setText(f"Placed {node.name} at {lat_deg:.3f}°, {lon_deg:.3f}°")

    def _add_requested(self, what: str) -> None:
        if what == "constellation":
            self.add_walker()
        elif what == "tle":
            self.import_tle()
        elif what == "chain":
            self.add_chain()
        else:
            self.add_node(what, 0.0, 0.0)

    def add_walker(self) -> None:
        dialog = WalkerDialog(unique_name("Shell", taken_names(self.scenario)), self)
        if dialog.exec() and (constellation := dialog.constellation()) is not None:
            self._try_adding("constellations", constellation)

    def import_tle(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import TLE file", str(self.document.base_dir), "TLE files (*.tle *.txt);;All files (*)"
        )
        if path:
            self.import_tle_file(Path(path))

    def import_tle_file(self, path: Path) -> None:
        """Add a constellation from a TLE file and report what was read and skipped."""
        try:
            tle = read_tle_file(path)
        except OSError as err:
            QMessageBox.critical(self, "TLE import", f"Cannot read {path}:\n{err}")
            return
        if tle.records:
            self._try_adding("constellations", tle_constellation(self.scenario, path, self.document.base_dir))
        show_tle_report(self, tle, bool(tle.records))

    def add_chain(self) -> None:
        if len(self.scenario.nodes) + sum(c.sensor for c in self.scenario.constellations) < 2:
            QMessageBox.information(
                self, APP_NAME, "A kill chain needs at least two nodes: place a sensor and a shooter first."
            )
            return
        name = unique_name("Chain", {c.name for c in self.scenario.chains})
        color = next_chain_color(self.scenario)
        draft = KillChain.model_construct(
            name=name, color=color, nodes=[], switching_delay_ms=0.1, sensors=[]
        )
        self._open_chain_dialog(draft, "Add kill chain", lambda chain: self._try_adding("chains", chain))

    def edit_chain_nodes(self, index: int) -> None:
        """Edit the chain at ``index``: its nodes (reorder, add, remove, pick from the tree), name, colour."""
        chain = self.scenario.chains[index]

        def replace(new: KillChain) -> None:
            names = [c.name for c in self.scenario.chains]
            if chain.name not in names:
                QMessageBox.warning(self, APP_NAME, f"The kill chain {chain.name} was deleted meanwhile.")
                return
            ref = ("chains", names.index(chain.name))
            self._try(f"Edit {chain.name}", lambda: (with_replaced(self.scenario, ref, new), None))

        self._open_chain_dialog(chain, f"Kill chain: {chain.name}", replace)

    def _open_chain_dialog(self, chain: KillChain, title: str, accepted: Callable[[KillChain], None]) -> None:
        """A chain dialog that stays open beside the window, so nodes can be picked in the tree."""
        dialog = ChainDialog(self.scenario, chain, title, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def offer(refs: list[ObjectRef]) -> None:
            picked = [(k, i) for k, i in refs if k in ("nodes", "constellations", "threats")]
            dialog.offer_picked([getattr(self.scenario, k)[i].name for k, i in picked])

        self.tree.selection_changed.connect(offer)
        self._connect_chain_picking(dialog)
        dialog.finished.connect(lambda _r: self.tree.selection_changed.disconnect(offer))
        dialog.accepted.connect(lambda: dialog.result_chain is not None and accepted(dialog.result_chain))
        self.chain_dialog = dialog
        dialog.show()

    def _connect_chain_picking(self, dialog: ChainDialog) -> None:
        """The dialog's *Pick on globe* switches the globe tools' chain picking (for this dialog) on and
        off; Esc, another dialog picking, placing a node or closing the dialog switch it off."""
        tools = self.globe_tools

        def toggled(on: bool) -> None:
            if on:
                tools.start_chain_picking(dialog.add_node)
            elif tools.picking_chain:
                tools.stop_chain_picking()

        def stopped(add: Callable[[str], bool]) -> None:
            if add == dialog.add_node:
                with signals_blocked(dialog.pick_on_globe):
                    dialog.pick_on_globe.setChecked(False)

        def finished(_result: int) -> None:
            tools.chain_picking_stopped.disconnect(stopped)
            if dialog.pick_on_globe.isChecked():
                tools.stop_chain_picking()
            if self.chain_dialog is dialog:
                self.chain_dialog = None

        dialog.picking_toggled.connect(toggled)
        tools.chain_picking_stopped.connect(stopped)
        dialog.finished.connect(finished)

    def duplicate(self, refs: list[ObjectRef]) -> None:
        refs = [r for r in refs if r[0] != "scenario"]
        if not refs:
            return
        self._try(f"Duplicate {_names(self.scenario, refs)}", lambda: duplicated(self.scenario, refs))

    def delete(self, refs: list[ObjectRef]) -> None:
        refs = [r for r in refs if r[0] != "scenario"]
        if not refs:
            return
        users = chains_using(self.scenario, refs)
        keep = self._ask_about_chains(_names(self.scenario, refs), users) if users else False
        if keep is None:
            return
        try:
            after, dropped = without(self.scenario, refs, keep_chains=keep)
        except EditError as err:
            self._refused(f"Deleting {_names(self.scenario, refs)}", err)
            return
        text = f"Delete {_names(self.scenario, refs)}"
        if dropped:
            text += f" and {'kill chain' if len(dropped) == 1 else 'kill chains'} {', '.join(dropped)}"
        kept = [name for name in users if name not in dropped]
        if kept:
            text += f" (kept in {', '.join(kept)} without {'it' if len(refs) == 1 else 'them'})"
        self._apply(after, text, [])
        self.status_label.setText(text)

    def _ask_about_chains(self, deleted: str, users: list[str]) -> bool | None:
        """Whether chains using deleted objects stay (without them); None: cancel the delete."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            APP_NAME,
            f"{counted(len(users), 'kill chain').capitalize()} {'uses' if len(users) == 1 else 'use'} "
            f"{deleted}: {', '.join(users)}.\nDelete {'it' if len(users) == 1 else 'them'} too, or keep "
            f"{'it' if len(users) == 1 else 'them'} without {deleted}?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        delete = box.addButton("Delete chains too", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(f"Keep chains without {deleted}", QMessageBox.ButtonRole.AcceptRole)
        box.exec()
        return {delete: False, keep: True}.get(box.clickedButton())

    def record_animation(self) -> None:
        """Ask for the recording settings, then record in a child process with a progress dialog."""
        refs = self.tree.selected_refs()
        target = self._camera_target(refs[0]) if len(refs) == 1 else None
        follow = None
        if target and target[0] == "node":
            follow = self.scenario.nodes[target[1]].name
        elif target and self.analysis.network is not None:
            follow = self.analysis.network.sats.names[target[1]]
        dialog = RecordDialog(
            self.scenario, self.document.base_dir, self.clock.t_s, follow, self,
            scenario_path=self.document.path, settings=self.settings,
        )  # fmt: skip
        if dialog.exec():
            run = RecordRun(self.scenario, dialog.job(), self)
            run.finished_with.connect(lambda ok, text: show_result(self, ok, text))

    # ------------------------------------------------------------------ files
    def open_path(self, path: Path) -> bool:
        """Load ``path``; a bad file shows its problems and leaves the current scenario open."""
        return self.files.open_path(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.files.close()
        self.clock.pause()
        self.analysis.stop()
        self.globe.shutdown()
        self.map_panel.map.shutdown()
        event.accept()


def _names(scenario: Scenario, refs: list[ObjectRef]) -> str:
    """The objects at ``refs`` by name: "Radar", "Radar, C2", or "5 objects" for many."""
    if len(refs) > 3:
        return counted(len(refs), "object")
    return ", ".join(getattr(scenario, kind)[index].name for kind, index in refs)
