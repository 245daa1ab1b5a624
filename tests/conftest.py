"""Shared fixtures: a small scenario built in code, and Qt settings kept out of the user's home."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sdn_desktop.scenario import (
    Constellation,
    Geodetic,
    KillChain,
    Node,
    Scenario,
    TimeWindow,
    WalkerSource,
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


@pytest.fixture
def temp_qsettings(tmp_path):
    """QSettings that write into ``tmp_path`` instead of the user's configuration."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    return QSettings(str(tmp_path / "settings" / "sdn-desktop.ini"), QSettings.Format.IniFormat)
