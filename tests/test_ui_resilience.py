"""The Resilience dock as an analyst drives it: run in a child process, cancel, stale results, export,
failures, and a critical satellite selected in the main window."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from sdn_desktop.analysis import run_resilience
from sdn_desktop.cli import main
from sdn_desktop.scenario import Constellation, KillChain, TleSource, WalkerSource, save_scenario
from sdn_desktop.scenario.edits import new_scenario
from sdn_desktop.ui.document import ScenarioDocument
from sdn_desktop.ui.resilience_dock import CRITICAL_HEADERS, STALE_TEXT, ResilienceDock, fill_critical

RUN_TIMEOUT_MS = 90_000
TINY = {"trials": 3, "levels_pct": (0.0, 40.0, 20.0), "steps": 5, "seed": 1}


@pytest.fixture
def mesh_file(tmp_path, small_scenario):
    """The small scenario on a denser shell, with a second vendor's shell and a second, one-leg chain,
    so that the tables have numbers that differ from row to row; sparse enough that some satellites'
    loss alone costs availability (critical satellites to click)."""
    base = small_scenario
    shell = base.constellations[0]
    dense = shell.model_copy(
        update={
            "operator": "Vendor A",
            "source": shell.source.model_copy(
                update={"planes": 7, "sats_per_plane": 7, "altitude_km": 1300.0}
            ),
        }
    )
    relay = Constellation(
        name="Relay",
        color="#ffb74d",
        operator="Vendor B",
        source=WalkerSource(planes=4, sats_per_plane=6, phasing=1, inclination_deg=80.0, altitude_km=1100.0),
    )
    cue = KillChain(name="Cue", color="#ffd740", nodes=["Radar", "C2"])
    scenario = base.model_copy(update={"constellations": [dense, relay], "chains": [*base.chains, cue]})
    path = tmp_path / "mesh.json"
    save_scenario(scenario, path)
    return path


@pytest.fixture
def dock(qtbot, mesh_file):
    document = ScenarioDocument(new_scenario())
    document.open(mesh_file)
    widget = ResilienceDock(document)
    qtbot.addWidget(widget)
    widget.resize(1300, 420)
    widget.show()
    set_options(widget, **TINY)
    yield widget
    widget.cancel()


def set_options(dock, trials, levels_pct, steps, seed, mode="random") -> None:
    dock.mode.setCurrentIndex(dock.mode.findData(mode))
    for box, value in zip((dock.level_from, dock.level_to, dock.level_step), levels_pct, strict=True):
        box.setValue(value)
    dock.trials.setValue(trials)
    dock.steps.setValue(steps)
    dock.seed.setValue(seed)


def run_to_end(qtbot, dock) -> None:
    dock.run()
    assert dock.running
    qtbot.waitUntil(lambda: not dock.running, timeout=RUN_TIMEOUT_MS)


@pytest.fixture
def finished(qtbot, dock):
    """The dock after one tiny study, and the numbers run_resilience gives for the same options."""
    progress = []
    dock.run()
    dock.run_process.progress.connect(lambda done, total: progress.append((done, total)))
    qtbot.waitUntil(lambda: not dock.running, timeout=RUN_TIMEOUT_MS)
    assert dock.study is not None, dock.status.text()
    direct = run_resilience(dock.document.scenario, dock.document.base_dir, dock.options())
    return dock, json.loads(json.dumps(direct.to_records())), progress


def curve(band_item) -> tuple[np.ndarray, np.ndarray]:
    x, y = band_item.getData()
    return np.asarray(x), np.asarray(y)


def test_a_run_in_a_child_process_shows_the_numbers_of_run_resilience(finished):
    dock, direct, progress = finished
    assert dock.study.sections == direct
    assert progress[-1] == (TINY["trials"], TINY["trials"])
    assert "Done" in dock.status.text() and not dock.banner.isVisible()

    chains = dock.study.chains
    assert chains == ["Track", "Cue"]
    for k, chain in enumerate(chains):
        rows = [r for r in direct["attrition"] if r["chain"] == chain]
        x, y = curve(dock.curves.availability_bands[k].line)
        np.testing.assert_allclose(x, [0.0, 20.0, 40.0])
        np.testing.assert_allclose(y, [100 * r["availability"] for r in rows])
        _, lo = curve(dock.curves.availability_bands[k].lo)
        _, hi = curve(dock.curves.availability_bands[k].hi)
        np.testing.assert_allclose(lo, [100 * r["availability_lo"] for r in rows])
        np.testing.assert_allclose(hi, [100 * r["availability_hi"] for r in rows])
        _, p50 = curve(dock.curves.p50_bands[k].line)
        _, p95 = curve(dock.curves.p95_bands[k].line)
        np.testing.assert_allclose(p50, [np.nan if r["p50_ms"] is None else r["p50_ms"] for r in rows])
        np.testing.assert_allclose(p95, [np.nan if r["p95_ms"] is None else r["p95_ms"] for r in rows])
    assert dock.curves.availability_bands[0].line.opts["pen"].color().name() == "#ff4081"  # Track's colour

    outage = dock.outage
    headers = [outage.verticalHeaderItem(r).text() for r in range(outage.rowCount())]
    assert headers == [
        "Operator: Vendor A",
        "Operator: Vendor B",
        "Constellation: Shell",
        "Constellation: Relay",
    ]
    for r in direct["outage"]:
        row = headers.index(f"{r['removed_kind'].capitalize()}: {r['removed']}")
        text = outage.item(row, chains.index(r["chain"])).text()
        assert text == f"{100 * r['availability']:.1f} %  ({100 * r['availability_change']:+.1f})"
    worst = min(direct["outage"], key=lambda r: r["availability_change"])
    best = max(direct["outage"], key=lambda r: r["availability_change"])
    assert worst["availability_change"] < -0.5 and best["availability_change"] == 0.0
    red = outage.item(
        headers.index(f"Operator: {worst['removed']}"), chains.index(worst["chain"])
    ).background()
    green = outage.item(
        headers.index(f"Operator: {best['removed']}"), chains.index(best["chain"])
    ).background()
    assert red.color().red() > red.color().green() and green.color().green() > green.color().red()

    concentration = dock.concentration
    columns = [concentration.horizontalHeaderItem(c).text() for c in range(concentration.columnCount())]
    assert columns == ["Vendor A", "Vendor B", "HHI hops", "HHI length"]
    for r in direct["concentration"]:
        row = chains.index(r["chain"])
        assert (
            concentration.item(row, columns.index(r["operator"]))
            .text()
            .startswith(f"{100 * r['hop_share']:.0f} %")
        )
        assert concentration.item(row, 2).text() == f"{r['hhi_hops']:.3f}"

    critical = dock.critical
    assert direct["critical"] and all(r["availability_loss"] > 0 for r in direct["critical"])
    assert critical.rowCount() == len(direct["critical"])
    for row, r in enumerate(direct["critical"]):
        assert critical.item(row, 2).text() == r["element"]
        assert critical.item(row, 3).text() == f"{100 * r['availability_loss']:.2f} pp"
    assert dock.redundancy.rowCount() == len(direct["redundancy"])
    for row, r in enumerate(direct["redundancy"]):
        assert dock.redundancy.item(row, 2).text() == str(r["disjoint_min"])


def test_cancel_stops_the_child_and_keeps_the_previous_results(qtbot, finished):
    dock, direct, _ = finished
    shown = dock.study
    set_options(dock, trials=5000, levels_pct=(0.0, 50.0, 5.0), steps=21, seed=2)
    dock.run()
    process = dock.run_process
    qtbot.waitUntil(lambda: dock.progress.value() >= 1, timeout=RUN_TIMEOUT_MS)  # really under way
    dock.cancel_button.click()
    assert not dock.running and dock.run_button.isEnabled()
    assert process.waitForFinished(5000)
    assert dock.study is shown and dock.study.sections == direct
    assert "Cancelled" in dock.status.text() and "previous run" in dock.status.text()
    assert dock.outage.rowCount() == 4


def test_an_edit_marks_the_results_stale_and_undo_makes_them_current(qtbot, finished, tmp_path):
    dock, direct, _ = finished
    document = dock.document
    document.set_field(("nodes", 0, "min_elevation_deg"), 12.0)
    assert dock.stale and dock.banner.isVisible()
    assert STALE_TEXT.rpartition(" - ")[0] in dock.banner.text()
    assert dock.study.sections == direct and dock.critical.rowCount() == len(direct["critical"])
    document.undo_stack.undo()
    assert not dock.stale and not dock.banner.isVisible()

    other = tmp_path / "other.json"
    save_scenario(document.scenario.model_copy(update={"name": "Other"}), other)
    document.open(other)
    assert dock.stale and "another scenario" in dock.banner.text()
    assert dock.study.sections == direct


def test_export_writes_the_records_of_the_cli_and_a_picture_of_the_curves(finished, tmp_path, mesh_file):
    dock, _, _ = finished
    options = dock.options()
    cli_args = [
        "resilience", str(mesh_file), "--trials", str(options.trials), "--attrition", "0:0.4:0.2",
        "--mode", options.mode, "--seed", str(options.seed), "--at", ",".join(map(repr, options.times)),
    ]  # fmt: skip
    for kind in ("json", "csv"):
        ours, theirs = tmp_path / f"dock.{kind}", tmp_path / f"cli.{kind}"
        dock.export(ours, kind)
        assert main([*cli_args, "--format", kind, "-o", str(theirs)]) == 0
        assert ours.read_bytes() == theirs.read_bytes()
    picture = tmp_path / "curves.png"
    dock.export(picture, "png")
    with Image.open(picture) as image:
        assert image.format == "PNG" and image.width >= 1600
        pixels = np.asarray(image.convert("RGB"))
    track = np.array([0xFF, 0x40, 0x81])
    assert (np.abs(pixels.astype(int) - track).sum(axis=2) < 30).sum() > 200  # the Track curve is drawn
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_failing_run_shows_why_and_the_app_goes_on(qtbot, dock, tmp_path):
    scenario = dock.document.scenario
    broken = scenario.model_copy(
        update={
            "constellations": [
                *scenario.constellations,
                Constellation(name="Lost", source=TleSource(path="missing-shell.tle")),
            ]
        }
    )
    path = tmp_path / "broken.json"
    save_scenario(broken, path)
    dock.document.open(path)
    run_to_end(qtbot, dock)
    assert dock.study is None
    assert "Run failed" in dock.status.text() and "missing-shell.tle" in dock.status.text()
    assert dock.run_button.isEnabled() and not dock.cancel_button.isEnabled()


def test_a_crashed_child_is_reported(qtbot, dock):
    set_options(dock, trials=5000, levels_pct=(0.0, 50.0, 5.0), steps=21, seed=0)
    dock.run()
    qtbot.waitUntil(lambda: dock.progress.value() >= 1, timeout=RUN_TIMEOUT_MS)
    os.kill(dock.run_process.processId(), signal.SIGKILL)
    qtbot.waitUntil(lambda: not dock.running, timeout=10_000)
    assert "Run failed: the resilience process crashed" in dock.status.text()


def test_the_window_marks_the_critical_elements_on_the_globe_and_a_click_selects_one(
    qtbot, temp_qsettings, mesh_file, monkeypatch
):
    from sdn_desktop.ui.main_window import MainWindow

    window = MainWindow(temp_qsettings)
    window.show()
    try:
        assert window.open_path(mesh_file)
        qtbot.waitUntil(
            lambda: window.analysis.series is not None and window.analysis.is_idle(), timeout=30_000
        )
        toggle = window.resilience_dock.toggleViewAction()
        view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
        assert toggle in view_menu.actions()
        window.resilience_dock.raise_()
        dock = window.resilience
        set_options(dock, **TINY)
        run_to_end(qtbot, dock)
        assert dock.study is not None, dock.status.text()

        records = dock.study.sections["critical"]
        names = list(window.analysis.network.sats.names)
        nodes = [node.name for node in window.scenario.nodes]
        index = {("satellite", name): i for i, name in enumerate(names)}
        index.update({("node", name): i for i, name in enumerate(nodes)})
        expected = tuple(
            (r["kind"], index[r["kind"], r["element"]]) for r in records if r["kind"] != "link"
        )  # in rank order within each kind
        assert any(kind == "satellite" for kind, _ in expected)
        state = window.globe.state
        assert state.critical == expected and state.layer_visible("critical")
        map_state = window.map_panel.map.state
        assert map_state.critical == expected and map_state.layer_visible("critical")
        assert len(state.critical_links) == sum(r["kind"] == "link" for r in records)

        layer_action = window.layer_actions["critical"]
        assert dock.show_on_globe.isChecked() and layer_action.isChecked()
        dock.show_on_globe.setChecked(False)
        assert not window.globe.state.layer_visible("critical") and not layer_action.isChecked()
        assert not window.map_panel.map.state.layer_visible("critical")
        layer_action.trigger()  # View -> Layers -> Critical
        assert window.globe.state.layer_visible("critical") and dock.show_on_globe.isChecked()
        assert window.map_panel.map.state.layer_visible("critical")

        radar = next(i for i, node in enumerate(window.scenario.nodes) if node.name == "Radar")
        assert window.document.try_set_fields([("nodes", radar, "position", "lat_deg")], 51.0) is None
        assert dock.stale and not dock.banner.isHidden()
        qtbot.waitUntil(lambda: window.analysis.is_idle() and window._new_network is None, timeout=30_000)
        assert window.globe.state.critical == expected  # stale results keep their marks

        rings = []
        monkeypatch.setattr(
            window.globe, "set_selection", lambda kind, index=None: rings.append((kind, index))
        )
        dock.tabs.setCurrentWidget(dock.critical.parentWidget())
        row = next(i for i, r in enumerate(dock.study.sections["critical"]) if r["kind"] == "satellite")
        name = dock.study.sections["critical"][row]["element"]
        table = dock.critical
        qtbot.mouseClick(
            table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(row, 2)).center()
        )
        index = list(window.analysis.network.sats.names).index(name)
        constellation = ["Shell", "Relay"].index(name.split()[0])
        assert window.tree.selected_refs() == [("constellations", constellation)]
        assert rings[-1] == ("satellite", index)
        assert window.statusBar().currentMessage().startswith(f"Satellite {name}")

        window.document.undo_stack.setClean()
        window.files.new_file()
        assert window.globe.state.critical == () and window.globe.state.critical_links == ()
    finally:
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()


def test_no_critical_element_is_said_in_one_row(qtbot):
    from PySide6.QtWidgets import QTableWidget  # noqa: PLC0415

    table = QTableWidget(0, len(CRITICAL_HEADERS))
    qtbot.addWidget(table)
    fill_critical(
        table, [{"kind": "node", "rank": 1, "element": "C2", "availability_loss": 0.5, "chains_hurt": "A"}]
    )
    assert table.rowCount() == 1 and table.columnSpan(0, 0) == 1
    fill_critical(table, [])
    assert table.rowCount() == 1 and table.columnSpan(0, 0) == len(CRITICAL_HEADERS)
    assert table.item(0, 0).text().startswith("No single satellite, node or link")
