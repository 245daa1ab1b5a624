"""The object tree: scenario -> constellations, sensors, shooters, C2 nodes, gateways, kill chains,
threats and events."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeWidget, QTreeWidgetItem, QWidget

from ..scenario import Scenario
from ..styles import ROLE_STYLES
from .icons import kind_icon, node_icon

# A selectable object: ("scenario", 0), ("constellations", i), ("nodes", i), ("chains", i),
# ("threats", i) or ("events", i).
ObjectRef = tuple[str, int]
ROLE_GROUPS = (("sensor", "Sensors"), ("shooter", "Shooters"), ("c2", "C2 nodes"), ("gateway", "Gateways"))
REF_ROLE = Qt.ItemDataRole.UserRole


class ObjectTree(QTreeWidget):
    """Shows the scenario's objects; emits the selection and context-menu requests as ObjectRefs."""

    selection_changed = Signal(list)  # list[ObjectRef]
    add_requested = Signal(str)  # "constellation", "tle", "chain" or a node role
    duplicate_requested = Signal(list)
    delete_requested = Signal(list)
    focus_requested = Signal(object)  # ObjectRef
    outage_requested = Signal(object, bool)  # a constellation's or node's ObjectRef; its whole operator
    edit_chain_requested = Signal(int)  # index of a kill chain

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.itemSelectionChanged.connect(lambda: self.selection_changed.emit(self.selected_refs()))
        self._items: dict[ObjectRef, QTreeWidgetItem] = {}

    def set_scenario(self, scenario: Scenario) -> None:
        """Rebuild the tree, keeping the selection and the expanded state."""
        selected = self.selected_refs()
        self.blockSignals(True)
        self.clear()
        self._items = {}
        root = self._item(self, scenario.name or "Untitled", kind_icon("scenario"), ("scenario", 0))
        constellations = self._group(root, "Constellations", "constellation")
        for i, c in enumerate(scenario.constellations):
            label = f"{c.name}  ({_sat_count(c)})" + ("  [sensor]" if c.sensor else "")
            self._item(constellations, label, kind_icon("constellation", c.color), ("constellations", i))
        for role, title in ROLE_GROUPS:
            group = self._group(root, title, role)
            for i, node in enumerate(scenario.nodes):
                if node.role == role:
                    label = f"{node.name}  ({node.platform})"
                    self._item(group, label, node_icon(role, node.color), ("nodes", i))
        chains = self._group(root, "Kill chains", "chain")
        for i, chain in enumerate(scenario.chains):
            label = f"{chain.name}  ({' -> '.join(chain.nodes)})"
            self._item(chains, label, kind_icon("chain", chain.color), ("chains", i))
        threats = self._group(root, "Threats", "threat")
        for i, threat in enumerate(scenario.threats):
            label = f"{threat.name}  ({threat.kind.replace('_', ' ')})"
            self._item(threats, label, kind_icon("threat", threat.color), ("threats", i))
        events = self._group(root, "Events", "jam")
        for i, event in enumerate(scenario.events):
            self._item(events, f"{event.name}  ({event_when(event)})", kind_icon(event.kind), ("events", i))
        self.expandAll()
        for ref in selected:
            if ref in self._items:
                self._items[ref].setSelected(True)
        self.blockSignals(False)
        if [r for r in selected if r in self._items] != selected:
            self.selection_changed.emit(self.selected_refs())

    def select(self, refs: list[ObjectRef]) -> None:
        self.blockSignals(True)
        self.clearSelection()
        for ref in refs:
            if ref in self._items:
                self._items[ref].setSelected(True)
                self.scrollToItem(self._items[ref])
        if refs and refs[0] in self._items:
            self.setCurrentItem(self._items[refs[0]], 0, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.blockSignals(False)
        self.selection_changed.emit(self.selected_refs())

    def selected_refs(self) -> list[ObjectRef]:
        return [tuple(item.data(0, REF_ROLE)) for item in self.selectedItems() if item.data(0, REF_ROLE)]

    def _item(self, parent, text: str, icon, ref: ObjectRef | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setIcon(0, icon)
        if ref is not None:
            item.setData(0, REF_ROLE, ref)
            self._items[ref] = item
        return item

    def _group(self, root: QTreeWidgetItem, title: str, kind: str) -> QTreeWidgetItem:
        icon = node_icon(kind, None) if kind in ROLE_STYLES else kind_icon(kind)
        item = self._item(root, title, icon, None)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        return item

    def _context_menu(self, pos) -> None:
        refs = self.selected_refs()
        menu = QMenu(self)
        add = menu.addMenu("Add")
        add.addAction("Walker constellation...", lambda: self.add_requested.emit("constellation"))
        add.addAction("Constellation from TLE file...", lambda: self.add_requested.emit("tle"))
        for role, title in ROLE_GROUPS:
            add.addAction(f"{title[:-1]} (at 0°, 0°)", lambda r=role: self.add_requested.emit(r))
        add.addAction("Kill chain...", lambda: self.add_requested.emit("chain"))
        objects = [r for r in refs if r[0] != "scenario"]
        dup = menu.addAction("Duplicate", lambda: self.duplicate_requested.emit(objects))
        delete = menu.addAction("Delete", lambda: self.delete_requested.emit(objects))
        dup.setEnabled(bool(objects))
        delete.setEnabled(bool(objects))
        if len(refs) == 1 and refs[0][0] == "chains":
            menu.addAction("Edit kill chain...", lambda: self.edit_chain_requested.emit(refs[0][1]))
        focus = menu.addAction("Focus camera", lambda: self.focus_requested.emit(refs[0]))
        focus.setEnabled(len(refs) == 1 and refs[0][0] in ("constellations", "nodes"))
        if len(refs) == 1 and refs[0][0] in ("constellations", "nodes"):
            menu.addSeparator()
            menu.addAction("Outage...", lambda: self.outage_requested.emit(refs[0], False))
            if refs[0][0] == "constellations":
                menu.addAction("Outage of its operator...", lambda: self.outage_requested.emit(refs[0], True))
        menu.exec(self.viewport().mapToGlobal(pos))


def event_when(event) -> str:
    """What an event is and when it acts: "destroy at 900 s", "jam 1500-2100 s", "outage from 2400 s"."""
    if event.kind == "destroy":
        return f"{event.kind} at {event.at_s:g} s"
    if event.until_s is None:
        return f"{event.kind} from {event.from_s:g} s"
    return f"{event.kind} {event.from_s:g}-{event.until_s:g} s"


def _sat_count(constellation) -> str:
    source = constellation.source
    if source.kind == "walker":
        return f"{source.satellite_count} sats"
    return "TLE"
