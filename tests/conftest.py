"""Shared fixtures: a small scenario built in code, Qt settings kept out of the user's home, and the
Hypatia network built once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sdn_desktop.scenario import (
    Constellation,
    Geodetic,
    KillChain,
    Node,
    Scenario,
    TimeWindow,
    WalkerSource,
    load_scenario,
    save_scenario,
)


@pytest.fixture
def small_scenario() -> Scenario:
    """36 satellites (6 planes x 6), a sensor, a C2 node, a shooter and one kill chain; 21 steps."""
    shell = Constellation(
        name="Shell",
        color="#4fc3f7",
        source=WalkerSource(planes=6, sats_per_plane=6, phasing=1, inclination_deg=60.0, altitude_km=1200.0),
    )
    nodes = [
        Node(
            name="Radar", role="sensor", position=Geodetic(lat_deg=50.0, lon_deg=0.0), min_elevation_deg=5.0
        ),
        Node(name="C2", role="c2", position=Geodetic(lat_deg=40.0, lon_deg=-100.0), min_elevation_deg=5.0),
        Node(
            name="Battery",
            role="shooter",
            position=Geodetic(lat_deg=35.0, lon_deg=140.0),
            min_elevation_deg=5.0,
        ),
    ]
    chain = KillChain(name="Track", color="#ff4081", nodes=["Radar", "C2", "Battery"])
    return Scenario(
        name="Small test",
        time=TimeWindow(start=datetime(2026, 1, 1, tzinfo=UTC), duration_s=600.0, step_s=30.0),
        constellations=[shell],
        nodes=nodes,
        chains=[chain],
    )


@pytest.fixture
def small_scenario_file(tmp_path, small_scenario):
    path = tmp_path / "small.json"
    save_scenario(small_scenario, path)
    return path


def qsettings_in(folder: Path):
    """QSettings that write into ``folder`` instead of the user's configuration."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return QSettings(str(folder / "sdn-desktop.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True, scope="session")
def user_data_in_temp(tmp_path_factory):
    """Autosaves (the user's data folder, ``$XDG_DATA_HOME``) go to a temporary folder, never home."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("user-data")))
        yield


@pytest.fixture
def temp_qsettings(tmp_path):
    return qsettings_in(tmp_path / "settings")


@pytest.fixture(scope="module")
def module_qsettings(tmp_path_factory):
    """Settings shared by the tests of one module (for a window they share)."""
    return qsettings_in(tmp_path_factory.mktemp("settings"))


@pytest.fixture(scope="module")
def shared_window(request, qapp, module_qsettings):
    """One main window for a module's tests (its engine, globe and map processes start once), sized
    ``WINDOW_SIZE`` when the module sets it."""
    from sdn_desktop.ui.main_window import MainWindow

    win = MainWindow(module_qsettings)
    if (size := getattr(request.module, "WINDOW_SIZE", None)) is not None:
        win.resize(*size)
    win.show()
    yield win
    win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()


@pytest.fixture(scope="session")
def hypatia_network():
    """The shipped Hypatia Kuiper-630 scenario's Network, built once (tests must not change it)."""
    from sdn_desktop.engine import Network

    path = Path(__file__).resolve().parent.parent / "scenarios" / "hypatia_kuiper630.json"
    return Network(load_scenario(path), path.parent)


@pytest.fixture
def make_document(qapp):
    """``make_document(scenario)``: a ScenarioDocument deleted (with its undo history) after the test.
    Left to the cyclic collector, its undo commands and their C++ stack are freed in an order that
    can crash the next ``gc.collect()``."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from sdn_desktop.ui.document import ScenarioDocument

    documents = []

    def make(scenario):
        documents.append(ScenarioDocument(scenario))
        return documents[-1]

    yield make
    for document in documents:
        document.undo_stack.clear()
        document.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def answers(monkeypatch):
    """Modal message boxes are not shown: the button whose text is next in ``answers`` is clicked
    (OK when none is left; for the static ``warning``/``critical``, the next StandardButton is the
    answer); ``answers.shown`` holds each box's text."""
    from PySide6.QtWidgets import QMessageBox

    class Answers(list):
        shown: list[str]

    given = Answers()
    given.shown = []

    def exec_(box):
        given.shown.append(box.text() + "\n" + box.detailedText())
        wanted = given.pop(0) if given else None
        for button in box.buttons():
            if wanted is not None and button.text() == wanted:
                button.click()
                return 0
        return QMessageBox.StandardButton.Ok

    def static(_parent, _title, text, *_args, **_kw):
        given.shown.append(text)
        return given.pop(0) if given else QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, static)
    return given
