"""Python's cyclic garbage collection, run on the GUI thread and without long pauses.

Left to itself, a collection runs in whichever thread allocates when one is due; in a worker thread
(those reading the engine and globe processes' answers) it could destroy Qt objects of the GUI
thread and crash. So automatic collection is
turned off and a GUI-thread timer collects instead.

A full collection walks every object that ever survived one: after start-up that is over 100,000
objects (modules, classes, widgets) and 70-110 ms here, long enough to freeze the window. Objects
alive when collection is taken over are frozen out of it (``gc.freeze``), and the oldest generation
is collected only once it has grown by a quarter since its last full collection - the rule Python
itself applies, which an explicit ``gc.collect(2)`` on every threshold (as pyqtgraph's
``GarbageCollector`` does) bypasses.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
FULL_GROWTH = 0.25  # a full collection once the oldest generation has grown by this fraction


class GuiThreadCollector(QObject):
    """Collects garbage on a GUI-thread timer: young generations when due, the oldest when it grew."""

    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None):
        super().__init__(parent)
        gc.disable()
        self.thresholds = gc.get_threshold()
        gc.collect()
        gc.freeze()
        self.full_collections = 0
        self._old_after_full = len(gc.get_objects(generation=2))
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> None:
        young, middle, _ = gc.get_count()
        if young <= self.thresholds[0]:
            return
        gc.collect(0)
        if middle < self.thresholds[1]:
            return
        gc.collect(1)
        if len(gc.get_objects(generation=2)) > (1.0 + FULL_GROWTH) * self._old_after_full:
            gc.collect(2)
            self.full_collections += 1
            self._old_after_full = len(gc.get_objects(generation=2))


_collector: GuiThreadCollector | None = None


def collect_garbage_in_gui_thread() -> GuiThreadCollector:
    """Take over garbage collection for the process (once; later calls return the same collector)."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector()
    return _collector
