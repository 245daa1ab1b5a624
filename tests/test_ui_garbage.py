"""Garbage collection on the GUI thread: cycles are freed, full collections stay rare."""

from __future__ import annotations

import gc
import weakref

import pytest

from sdn_desktop.ui.garbage import GuiThreadCollector


class Cycle:
    def __init__(self):
        self.me = self


@pytest.fixture
def collector(qapp):
    """A collector driven by hand (its timer is too slow to fire during a test)."""
    collector = GuiThreadCollector(interval_ms=3_600_000)
    yield collector
    collector.deleteLater()


def churn(collector: GuiThreadCollector, rounds: int) -> None:
    """Allocate young objects past the gen-0 threshold and let the collector run, ``rounds`` times."""
    for _ in range(rounds):
        young = [[] for _ in range(2 * collector.thresholds[0])]
        collector.collect()
        del young


def test_automatic_collection_is_off_and_start_up_objects_are_frozen(collector):
    assert not gc.isenabled()
    assert gc.get_freeze_count() > 1000  # modules, classes and functions imported so far


def test_a_reference_cycle_is_freed_by_the_collector(collector):
    cycle = Cycle()
    alive = weakref.ref(cycle)
    del cycle
    assert alive() is not None  # only the cyclic collector can free it
    churn(collector, 1)
    assert alive() is None


def test_the_oldest_generation_is_collected_once_it_grew_by_a_quarter(collector):
    rounds = 2 * collector.thresholds[1]  # enough gen-1 collections to promote survivors
    before = collector.full_collections
    survivors = [[] for _ in range(max(20_000, len(gc.get_objects(generation=2))))]
    churn(collector, rounds)
    assert collector.full_collections == before + 1
    # Short-lived objects only: the oldest generation does not grow, however many collections pass
    # (pyqtgraph's collector would walk it again after every 10 collections of the middle one).
    churn(collector, 12 * rounds)
    assert collector.full_collections == before + 1
    assert len(survivors) >= 20_000
