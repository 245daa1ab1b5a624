"""The latency plot and the route table with budgets, events and reasons; File > Export report / CZML."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QFileDialog

from sdn_desktop.cli import main
from sdn_desktop.scenario import load_scenario, save_scenario
from sdn_desktop.scenario.model import DestroyEvent, JamEvent, LatLon, PlaneSelection
from sdn_desktop.ui.main_window import MainWindow

SCENARIO = Path(__file__).parent / "data" / "report_chains.json"  # "Track to ship" has a 110 ms budget
JAM = JamEvent(
    name="C2 jammer",
    from_s=600.0,
    until_s=900.0,
    center=LatLon(lat_deg=38.8, lon_deg=-104.7),
    radius_km=300.0,
)
STRIKE = DestroyEvent(name="ASAT", at_s=1200.0, planes=[PlaneSelection(constellation="Shell", planes=[0, 1])])


@pytest.fixture(scope="module")
def contested_file(tmp_path_factory) -> Path:
    """The report test scenario with a jammer on the C2 node and an ASAT strike."""
    path = tmp_path_factory.mktemp("plots") / "contested.json"
    save_scenario(load_scenario(SCENARIO).model_copy(update={"events": [JAM, STRIKE]}), path)
    return path


@pytest.fixture(scope="module")
def shared_window(qapp, module_qsettings, contested_file):
    """One window for the module, the contested scenario open."""
    win = MainWindow(module_qsettings)
    win.show()
    assert win.open_path(contested_file)
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()


@pytest.fixture
def window(shared_window, qtbot):
    """The shared window with the results of the contested scenario in; a test's edits are undone."""
    win = shared_window
    qtbot.waitUntil(lambda: win.analysis.series is not None and win.analysis.is_idle(), timeout=30000)
    yield win
    while win.document.undo_stack.canUndo():
        win.document.undo_stack.undo()
    win.document.undo_stack.setClean()


def show_time(qtbot, window, t_s: float) -> None:
    window.clock.set_time(t_s)
    qtbot.waitUntil(lambda: window.snapshot is not None and window.snapshot.t_s == t_s, timeout=20000)


def test_budget_line_and_the_spans_over_it(window):
    plot, series = window.plot, window.analysis.series
    assert set(plot.budget_lines) == {"Track to ship"}  # the other chain has no budget
    line = plot.budget_lines["Track to ship"]
    assert line.value() == 110.0 and line.isVisible()
    assert line.pen.style() == pg.QtCore.Qt.PenStyle.DashLine
    assert line.pen.color().name() == "#ff4081"
    latency = series.chain_latency_ms("Track to ship")
    over = np.nan_to_num(latency) > 110.0
    assert over.any() and not over.all()  # the scenario exercises both
    fill = plot.over_budget["Track to ship"]
    assert fill.isVisible() and fill.opts["fillLevel"] == 110.0
    shaded = fill.yData > 110.0
    assert np.array_equal(shaded, over)
    spans = [s for s in plot.hover_spans if "over its 110 ms budget" in s.text]
    first = int(np.argmax(over))
    assert plot.span_at(plot._epoch + series.t_s[first] + 1.0, 111.0) in spans


def test_events_are_a_band_and_a_line_at_their_times(window):
    plot = window.plot
    band, strike = plot.event_items["C2 jammer"], plot.event_items["ASAT"]
    assert isinstance(band, pg.LinearRegionItem) and band.isVisible()
    assert band.getRegion() == pytest.approx((plot._epoch + 600.0, plot._epoch + 900.0))
    assert [label.toPlainText() for label in band.labels if label.isVisible()] == ["C2 jammer"]
    assert isinstance(strike, pg.InfiniteLine) and strike.value() == pytest.approx(plot._epoch + 1200.0)
    assert [label.toPlainText() for label in strike.labels if label.isVisible()] == ["ASAT"]
    assert plot.span_at(plot._epoch + 700.0, 50.0).text.startswith("C2 jammer (jam)")


def test_unreachable_spans_carry_their_reason(window):
    plot, t = window.plot, window.analysis.series.t_s
    jammed = [s for s in plot.down if s.label == "no_access (C2)"]
    assert {s.chain for s in jammed} == {"Track to ship", "Radar to C2"}
    for chain in ("Track to ship", "Radar to C2"):  # every step of the jammer's window
        steps = {i for s in jammed if s.chain == chain for i in range(s.first, s.stop)}
        assert set(np.flatnonzero((t >= 600.0) & (t < 900.0))) <= steps
    span = jammed[0]
    hover = plot.span_at(plot._epoch + t[span.first] + 1.0, plot.viewRange()[1][0] + 1e-6)
    assert hover is not None and "no_access (C2)" in hover.text
    assert "no_access" in plot.getPlotItem().titleLabel.text


def test_route_table_shows_the_reason_of_a_jammed_leg(window, qtbot):
    table = window.routes
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    reason, latency = headers.index("Reason"), headers.index("Latency (ms)")
    show_time(qtbot, window, 750.0)
    rows = {table.item(r, 1).text(): r for r in range(table.rowCount())}
    assert table.item(rows["1: Radar → C2"], reason).text() == "no_access (C2)"
    assert table.item(rows["1: Radar → C2"], 2).text() == "NO"
    show_time(qtbot, window, 0.0)
    assert table.item(rows["1: Radar → C2"], reason).text() == ""
    series = window.analysis.series
    ti = int(np.argmax(np.nan_to_num(series.chain_latency_ms("Track to ship")) > 110.0))
    show_time(qtbot, window, float(series.t_s[ti]))
    cell = table.item(rows["2: C2 → Ship"], latency)
    assert cell.foreground().color().name() == "#ffab40"
    assert "over its 110 ms budget" in cell.toolTip()


def exported(qtbot, window, monkeypatch, action_text: str, out: Path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == action_text)
    action.trigger()
    (run,) = window.exports.runs
    with qtbot.waitSignal(run.finished_with, timeout=120000) as result:
        pass
    return result.args


def test_export_report_from_the_menu_equals_the_cli_report(window, qtbot, monkeypatch, tmp_path):
    """The report of the scenario as edited (here: unsaved, without the strike) equals the CLI's."""
    window.document.apply(window.scenario.model_copy(update={"events": [JAM]}), "Remove the strike")
    qtbot.waitUntil(lambda: window.analysis.is_idle(), timeout=20000)
    ok, message = exported(qtbot, window, monkeypatch, "Export r&eport...", tmp_path / "app.json")
    assert ok, message
    assert "wrote" in message and "app.json" in message
    saved = tmp_path / "contested.json"
    save_scenario(window.scenario, saved)
    assert main(["report", str(saved), "-o", str(tmp_path / "cli.json")]) == 0
    app, cli = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("app", "cli"))
    del app["generated_utc"], cli["generated_utc"]
    assert app == cli
    assert any(o["reason"] == "no_access" for o in app["chains"][0]["outages"])


def test_export_czml_and_a_failure_names_the_file(window, qtbot, monkeypatch, tmp_path, message_box):
    ok, message = exported(qtbot, window, monkeypatch, "Export C&ZML...", tmp_path / "scene.czml")
    assert ok, message
    packets = json.loads((tmp_path / "scene.czml").read_text())
    assert packets[0]["id"] == "document" and len(packets) > 100
    ok, message = exported(qtbot, window, monkeypatch, "Export r&eport...", tmp_path / "missing" / "r.html")
    assert not ok and "missing" in message
    assert message_box and "contested.json" in message_box[-1] and "r.html" in message_box[-1]


@pytest.fixture
def message_box(monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    return shown
