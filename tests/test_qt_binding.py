"""The Qt binding itself: an app that emits signals for hours must not corrupt Python's objects."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    ticked = Signal(float)


def test_emitting_signals_keeps_reference_counts(qapp):
    # PySide6 6.12.0 dropped a reference to True on every emit(): Python aborted ("bool_dealloc")
    # once a few thousand signals had been emitted. pyproject.toml excludes it.
    emitter = Emitter()
    received = []
    emitter.ticked.connect(received.append)
    before = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    for k in range(200):
        emitter.ticked.emit(float(k))
    after = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    assert len(received) == 200
    assert all(abs(a - b) < 20 for a, b in zip(after, before, strict=True)), (before, after)
