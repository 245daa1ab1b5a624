"""The main window: object tree, properties, 3D globe, latency plot, route table, time toolbar."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QToolBar,
    QWidget,
)

from ..engine import Network, Snapshot, TimeSeries
from ..engine.frames import ecef_to_geodetic
from ..render.view import GlobeView
from ..scenario import (
    Constellation,
    Geodetic,
    KillChain,
    Node,
    Scenario,
    ScenarioError,
    TimeWindow,
    TleSource,
    read_tle_file,
)
from .clock import Clock, TimeToolbar
from .compute import Analysis
from .dialogs import ChainDialog, WalkerDialog, show_tle_report
from .document import EditError, FieldPath, ScenarioDocument, derive, taken_names, unique_name, without
from .globe import GlobeWidget
from .icons import node_icon
from .plots import LatencyPlot, RouteTable
from .properties import PropertyPanel
from .record import RecordDialog, RecordRun, show_result
from .tree import ObjectRef, ObjectTree

APP_NAME = "SDN Desktop"
MAX_RECENT = 8
ROLE_NAMES = {"sensor": "Sensor", "shooter": "Shooter", "c2": "C2", "gateway": "Gateway"}
SCENARIO_FILTER = "SDN scenarios (*.json);;All files (*)"
CLICK_TOLERANCE_PX = 4
ORBIT_FRAME_MS = 40
DRAG_EDIT_INTERVAL_S = 0.15  # a dragged node is re-placed (and its routes recomputed) this often
PROGRESS_INTERVAL_S = 0.25


def new_scenario() -> Scenario:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return Scenario(name="Untitled", time=TimeWindow(start=today, duration_s=3600.0, step_s=10.0))


class MainWindow(QMainWindow):
    """The editor. ``open_path`` loads a scenario; every edit goes through ``document`` (undoable)."""

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings or QSettings()
        self.document = ScenarioDocument(new_scenario(), parent=self)
        self.analysis = Analysis(self)
        self.clock = Clock(self)
        self.globe = GlobeWidget(self)
        self.globe.installEventFilter(self)
        self.setCentralWidget(self.globe)
        self.snapshot: Snapshot | None = None
        self._press_pos: QPointF | None = None
        self._dragged_node: int | None = None
        self._last_drag_edit = 0.0
        self._last_progress = 0.0
        self._new_network: Network | None = None  # built, not yet on the globe (see _snapshot_ready)
        self._aim_camera = False  # a newly opened scenario: face its nodes once it is on the globe

        self.tree = ObjectTree()
        self.tree.setMinimumWidth(230)
        self.properties = PropertyPanel(self._apply_field)
        self.plot = LatencyPlot()
        self.routes = RouteTable()
        self._build_docks()
        self._build_status_bar()
        self.time_toolbar = TimeToolbar(self.clock, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.time_toolbar)
        self._build_place_toolbar()
        self._build_menus()
        self._connect()
        self._restore_settings()
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

    def _default_dock_sizes(self) -> None:
        """First run: room for object names, the properties form and the route paths."""
        self.resizeDocks([self.tree_dock, self.properties_dock], [280, 350], Qt.Orientation.Horizontal)
        self.resizeDocks([self.plot_dock], [250], Qt.Orientation.Vertical)
        self.resizeDocks([self.plot_dock, self.routes_dock], [2, 3], Qt.Orientation.Horizontal)

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

    def _build_place_toolbar(self) -> None:
        bar = QToolBar("Place", self)
        bar.setObjectName("place_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addWidget(QLabel(" Place on globe: "))
        self.place_group = QActionGroup(self)
        self.place_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.place_actions: dict[str, QAction] = {}
        for role, name in ROLE_NAMES.items():
            action = QAction(node_icon(role, None), name, self)
            action.setCheckable(True)
            action.setToolTip(f"Place a {name} node: then click on the globe")
            action.setData(role)
            self.place_group.addAction(action)
            bar.addAction(action)
            self.place_actions[role] = action
        self.place_group.triggered.connect(self._placement_toggled)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

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
        self._action(file, "&New", self.new_file, SK.New)
        self._action(file, "&Open...", self.open_dialog, SK.Open)
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(file, "&Save", self.save, SK.Save)
        self._action(file, "Save &As...", self.save_as, SK.SaveAs)
        file.addSeparator()
        self._action(file, "Import &TLE constellation...", self.import_tle)
        self._action(file, "Record &animation...", self.record_animation, "Ctrl+R")
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
            action.setChecked(True)
            self.layer_actions[name] = action
        frames = view.addMenu("&Frame")
        frame_group = QActionGroup(self)
        for frame, label in (("earth_fixed", "Earth-fixed"), ("inertial", "Inertial")):
            action = self._action(
                frames, label, lambda _c=False, f=frame: self.globe.set_frame(f), checkable=True
            )
            action.setChecked(frame == "earth_fixed")
            frame_group.addAction(action)
        self._action(view, "&Reset camera", self._reset_camera, "Ctrl+0")
        self._action(view, "&Orbit camera", self._start_orbit)
        view.addSeparator()
        for dock in (self.tree_dock, self.properties_dock, self.plot_dock, self.routes_dock):
            view.addAction(dock.toggleViewAction())
        view.addAction(self.time_toolbar.toggleViewAction())

    def _connect(self) -> None:
        doc = self.document
        doc.changed.connect(self._show_changed)
        doc.loaded.connect(self._show_loaded)
        doc.path_changed.connect(lambda _p: self._update_title())
        doc.undo_stack.cleanChanged.connect(lambda clean: self.setWindowModified(not clean))
        self.tree.selection_changed.connect(self._selection_changed)
        self.tree.add_requested.connect(self._add_requested)
        self.tree.duplicate_requested.connect(self.duplicate)
        self.tree.delete_requested.connect(self.delete)
        self.tree.focus_requested.connect(self.focus)
        self.properties.chain_nodes_requested.connect(self.edit_chain_nodes)
        self.clock.time_changed.connect(self._time_changed)
        self.plot.time_picked.connect(self.clock.set_time)
        self.analysis.network_ready.connect(self._network_ready)
        self.analysis.series_ready.connect(self._series_ready)
        self.analysis.snapshot_ready.connect(self._snapshot_ready)
        self.analysis.progress.connect(self._progress)
        self.analysis.busy_changed.connect(self.progress.setVisible)
        self.analysis.failed.connect(self._computation_failed)

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

    def _recompute(self, scenario: Scenario) -> None:
        """Start the engine on ``scenario``; an edit that cannot change routes only recolours."""
        if self.analysis.set_scenario(scenario, self.document.base_dir):
            self.status_label.setText("Computing routes and latencies...")
        elif not self.analysis.pending and self._new_network is None:
            self.globe.set_scenario(scenario, self.analysis.network)
            if self.snapshot is not None:
                self.globe.show_snapshot(self.snapshot)
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
            self._new_network = None
            for name, action in self.layer_actions.items():
                self.globe.set_layer_visible(name, action.isChecked())
            if self._aim_camera:
                self._aim_camera = False
                self._reset_camera()
        self.snapshot = snapshot
        self.globe.show_snapshot(snapshot)
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
        """Show progress at most every PROGRESS_INTERVAL_S: each repaint recomposes the GL view."""
        now = time.perf_counter()
        if done < total and now - self._last_progress < PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
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
        self.properties.show_selection(self.scenario, refs, self._apply_to_all)
        self._sync_globe_selection()

    def _apply_to_all(self, paths: list[FieldPath], value) -> list[str] | None:
        """Set one field of several objects as one undoable edit; the problems if that is invalid."""
        try:
            self.document.set_fields(paths, value)
        except EditError as err:
            return err.problems
        return None

    def _sync_globe_selection(self) -> None:
        """Ring the selected node or constellation on the globe (once the globe knows about it)."""
        refs = self.tree.selected_refs()
        target = self._camera_target(refs[0]) if len(refs) == 1 else None
        try:
            self.globe.set_selection(*(target or (None, None)))
        except ValueError:  # the globe still shows the scenario before the edit
            self.globe.set_selection(None)

    def _camera_target(self, ref: ObjectRef) -> tuple[str, int] | None:
        kind, index = ref
        if kind == "nodes":
            return ("node", index)
        network = self.analysis.network
        if kind == "constellations" and network is not None and index < len(network.sats.ranges):
            return ("satellite", network.sats.ranges[index].start)
        return None

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

    # ------------------------------------------------------------------ globe clicks
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Clicks on the globe pick or place; a drag that starts on a fixed node moves it."""
        if watched is not self.globe:
            return super().eventFilter(watched, event)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
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
                self._globe_clicked(event.position().x(), event.position().y())
            elif dragged is not None:
                self._move_node(dragged, event.position())
            return dragged is not None
        return super().eventFilter(watched, event)

    def _fixed_node_at(self, pos: QPointF) -> int | None:
        """Index of the node with a fixed position under ``pos`` (not in placement mode)."""
        if self.place_group.checkedAction() is not None:
            return None
        picked = self.globe.pick(pos.x(), pos.y())
        if picked is None or picked[0] != "node" or self.scenario.nodes[picked[1]].position is None:
            return None
        return picked[1]

    def _move_node(self, index: int, pos: QPointF) -> None:
        """Put a dragged node under the cursor; the edits of one drag merge into one undo step."""
        where = self.globe.latlon_at(pos.x(), pos.y())
        if where is None:
            return
        self._last_drag_edit = time.perf_counter()
        alt = self.scenario.nodes[index].position.alt_m
        lat, lon = (round(v, 4) for v in where)
        self._apply_field(("nodes", index, "position"), {"lat_deg": lat, "lon_deg": lon, "alt_m": alt})

    def _globe_clicked(self, x: float, y: float) -> None:
        role = self.place_group.checkedAction().data() if self.place_group.checkedAction() else None
        if role is not None:
            where = self.globe.latlon_at(x, y)
            if where is None:
                self.statusBar().showMessage("Click on the Earth to place the node.", 4000)
                return
            self.add_node(role, *where)
            return
        picked = self.globe.pick(x, y)
        if picked is None:
            return
        kind, index = picked
        if kind == "node":
            self.tree.select([("nodes", index)])
        elif self.analysis.network is not None:
            ranges = self.analysis.network.sats.ranges
            ci = next((i for i, r in enumerate(ranges) if index in r), None)
            if ci is not None:
                self.tree.select([("constellations", ci)])
                self.statusBar().showMessage(self._satellite_details(index), 10000)

    def _satellite_details(self, index: int) -> str:
        """One line about a satellite at the displayed instant: where it is and what it links to."""
        sats = self.analysis.network.sats
        text = f"Satellite {sats.names[index]} (plane {sats.plane[index]}, slot {sats.slot[index]})"
        snap = self.snapshot
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

    def _placement_toggled(self, action: QAction) -> None:
        if action.isChecked():
            self.statusBar().showMessage(
                f"Placing {action.text()} nodes: click on the globe (Esc or the button again to stop)."
            )
        else:
            self.statusBar().clearMessage()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.place_group.checkedAction():
            self.place_group.checkedAction().setChecked(False)
            self.statusBar().clearMessage()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ edits
    def _apply_field(self, path: FieldPath, value) -> list[str] | None:
        return self._apply_to_all([path], value)

    def _apply(self, after: Scenario, text: str, select: list[ObjectRef] | None = None) -> None:
        self.document.apply(after, text)
        if select is not None:
            self.tree.select(select)

    def _try(self, build, text: str, select: list[ObjectRef] | None = None) -> bool:
        """Apply the scenario ``build()`` returns, or show why it is invalid."""
        try:
            after = build()
        except EditError as err:
            QMessageBox.warning(self, APP_NAME, f"{text} is not possible:\n" + "\n".join(err.problems))
            return False
        self._apply(after, text, select)
        return True

    def add_node(self, role: str, lat_deg: float, lon_deg: float) -> None:
        """A new fixed ground node of ``role`` at the given point, selected for editing."""
        name = unique_name(
            f"{ROLE_NAMES[role]} {sum(n.role == role for n in self.scenario.nodes) + 1}",
            taken_names(self.scenario),
        )
        node = Node(
            name=name, role=role, position=Geodetic(lat_deg=round(lat_deg, 4), lon_deg=round(lon_deg, 4))
        )
        index = len(self.scenario.nodes)
        self._try(
            lambda: derive(self.scenario, lambda d: d["nodes"].append(node.model_dump())),
            f"Add {name}",
            [("nodes", index)],
        )
        self.status_label.setText(f"Placed {name} at {lat_deg:.3f}°, {lon_deg:.3f}°")

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
            self._add_constellation(constellation)

    def _add_constellation(self, constellation: Constellation) -> None:
        index = len(self.scenario.constellations)
        self._try(
            lambda: derive(self.scenario, lambda d: d["constellations"].append(constellation.model_dump())),
            f"Add {constellation.name}",
            [("constellations", index)],
        )

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
        added = False
        if tle.records:
            try:
                relative = str(path.resolve().relative_to(self.document.base_dir.resolve()))
            except ValueError:
                relative = str(path.resolve())
            name = unique_name(path.stem, taken_names(self.scenario))
            constellation = Constellation(
                name=name, color="#ce93d8", source=TleSource(path=relative), isl={"pattern": "none"}
            )
            self._add_constellation(constellation)
            added = True
        show_tle_report(self, tle, added)

    def add_chain(self) -> None:
        if len(self.scenario.nodes) + sum(c.sensor for c in self.scenario.constellations) < 2:
            QMessageBox.information(
                self, APP_NAME, "A kill chain needs at least two nodes: place a sensor and a shooter first."
            )
            return
        name = unique_name("Chain", {c.name for c in self.scenario.chains})
        draft = KillChain.model_construct(name=name, color="#ff5252", nodes=[], switching_delay_ms=0.1)
        dialog = ChainDialog(self.scenario, draft, "Add kill chain", self)
        if dialog.exec() and dialog.result_chain is not None:
            chain = dialog.result_chain.model_dump()
            index = len(self.scenario.chains)
            self._try(
                lambda: derive(self.scenario, lambda d: d["chains"].append(chain)),
                f"Add {name}",
                [("chains", index)],
            )

    def edit_chain_nodes(self, index: int) -> None:
        chain = self.scenario.chains[index]
        dialog = ChainDialog(self.scenario, chain, f"Kill chain: {chain.name}", self)
        if dialog.exec() and dialog.result_chain is not None:
            new = dialog.result_chain.model_dump()
            self._try(
                lambda: derive(self.scenario, lambda d: d["chains"].__setitem__(index, new)),
                f"Edit {chain.name}",
            )

    def duplicate(self, refs: list[ObjectRef]) -> None:
        refs = [r for r in refs if r[0] != "scenario"]
        if not refs:
            return

        def build() -> Scenario:
            def mutate(data: dict) -> None:
                taken = taken_names(self.scenario) | {c.name for c in self.scenario.chains}
                for kind, index in refs:
                    item = dict(data[kind][index])
                    item["name"] = unique_name(f"{item['name']} copy", taken)
                    taken.add(item["name"])
                    data[kind].append(item)

            return derive(self.scenario, mutate)

        counts = {k: len(getattr(self.scenario, k)) for k in ("constellations", "nodes", "chains")}
        new_refs = []
        for kind, _ in refs:
            new_refs.append((kind, counts[kind]))
            counts[kind] += 1
        self._try(build, f"Duplicate {len(refs)} object(s)", new_refs)

    def delete(self, refs: list[ObjectRef]) -> None:
        refs = [r for r in refs if r[0] != "scenario"]
        if not refs:
            return
        after, dropped = without(self.scenario, refs)
        names = [getattr(self.scenario, k)[i].name for k, i in refs]
        self._apply(after, f"Delete {', '.join(names)}", [])
        if dropped:
            self.status_label.setText(f"Deleted with them (they used a deleted node): {', '.join(dropped)}")

    def record_animation(self) -> None:
        """Ask for the recording settings, then record in a child process with a progress dialog."""
        refs = self.tree.selected_refs()
        target = self._camera_target(refs[0]) if len(refs) == 1 else None
        follow = None
        if target and target[0] == "node":
            follow = self.scenario.nodes[target[1]].name
        elif target and self.analysis.network is not None:
            follow = self.analysis.network.sats.names[target[1]]
        dialog = RecordDialog(self.scenario, self.document.base_dir, self.clock.t_s, follow, self)
        if dialog.exec():
            run = RecordRun(self.scenario, dialog.job(), self)
            run.finished_with.connect(lambda ok, text: show_result(self, ok, text))

    # ------------------------------------------------------------------ files
    def new_file(self) -> None:
        if self.maybe_save():
            self.document.reset(new_scenario(), None)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open scenario", str(self.document.base_dir), SCENARIO_FILTER
        )
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> bool:
        """Load ``path``; a bad file shows its problems and leaves the current scenario open."""
        try:
            self.document.open(Path(path))
        except ScenarioError as err:
            box = QMessageBox(
                QMessageBox.Icon.Critical,
                "Cannot open scenario",
                f"{Path(path).name} is not a usable scenario:\n\n" + "\n".join(err.problems[:8]),
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setDetailedText(str(err))
            box.exec()
            return False
        self._add_recent(self.document.path)
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        start = str(self.document.path or self.document.base_dir / f"{self.scenario.name or 'scenario'}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario as", start, SCENARIO_FILTER)
        return self._save_to(Path(path)) if path else False

    def _save_to(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except OSError as err:
            QMessageBox.critical(self, "Cannot save", f"Saving {path} failed:\n{err}")
            return False
        self._add_recent(self.document.path)
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def maybe_save(self) -> bool:
        """True if the caller may discard the current scenario (saved, discarded or unchanged)."""
        if self.document.undo_stack.isClean():
            return True
        SB = QMessageBox.StandardButton
        answer = QMessageBox.warning(
            self,
            APP_NAME,
            "The scenario has unsaved changes.\nDo you want to save them?",
            SB.Save | SB.Discard | SB.Cancel,
            SB.Save,
        )
        if answer == SB.Save:
            return self.save()
        return answer == SB.Discard

    # ------------------------------------------------------------------ settings
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _add_recent(self, path: Path) -> None:
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        self.settings.setValue("recent_files", files[:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for name in self.recent_files():
            self.recent_menu.addAction(name, lambda p=name: self.maybe_save() and self.open_path(Path(p)))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 920)
            QTimer.singleShot(0, self._default_dock_sizes)
        state = self.settings.value("window_state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.clock.pause()
        self.analysis.stop()
        self.globe.shutdown()
        event.accept()
