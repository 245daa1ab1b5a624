"""``record --view map`` and ``snapshot --view map``: the frames are MapView's frames of the engine's
snapshots (the demo crosses the date line and has a threat, a strike and a jammer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sdn_desktop.cli import main
from sdn_desktop.engine import Network
from sdn_desktop.engine.layout import network_layout
from sdn_desktop.recording import RecordingError, record
from sdn_desktop.render.map_view import MapView
from sdn_desktop.scenario import load_scenario

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "sdn_backbone_demo.json"
SIZE = (480, 270)
START_S = 1600.0  # threat in flight, strike done, jammer on


@pytest.fixture(scope="module")
def demo():
    return load_scenario(DEMO)


@pytest.fixture(scope="module")
def drawn_at_start(demo) -> np.ndarray:
    """MapView's own picture of the demo's snapshot at START_S."""
    network = Network(demo, DEMO.parent)
    view = MapView(size=SIZE)
    view.set_scenario(demo, network_layout(network))
    view.update(network.snapshot(START_S))
    image = view.render()[..., :3]
    view.canvas.close()
    return image


def test_recorded_map_frames_are_the_map_views_frames(demo, drawn_at_start, tmp_path):
    out = tmp_path / "frames"
    result = record(
        demo, DEMO.parent, out, fps=2, size=SIZE, start_s=START_S, duration_s=60, speed=30, view_kind="map"
    )
    frames = sorted(out.iterdir())
    assert result.frames == len(frames) == 4
    first = np.asarray(Image.open(frames[0]))
    assert first.shape == drawn_at_start.shape and np.array_equal(first, drawn_at_start)
    last = np.asarray(Image.open(frames[-1]))
    assert np.abs(first.astype(int) - last.astype(int)).mean() > 0.2  # the satellites moved


def test_map_commands(drawn_at_start, tmp_path, capsys):
    gif = tmp_path / "map.gif"
    argv = ["record", str(DEMO), "-o", str(gif), "--size", "480x270", "--fps", "5", "--duration", "20"]
    assert main([*argv, "--speed", "10", "--start", "2026-11-22T00:26:40Z", "--view", "map"]) == 0
    with Image.open(gif) as movie:
        assert movie.n_frames == 10 and movie.size == SIZE
        first = np.asarray(movie.convert("RGB"))
    assert np.abs(first.astype(int) - drawn_at_start.astype(int)).mean() < 3.0  # GIF: 256 colours
    still = tmp_path / "map.png"
    still_argv = ["snapshot", str(DEMO), "-o", str(still), "--at", "1600", "--size", "480x270"]
    assert main([*still_argv, "--view", "map"]) == 0
    assert np.array_equal(np.asarray(Image.open(still)), drawn_at_start)
    assert main(["snapshot", str(DEMO), "-o", str(still), "--view", "map", "--camera", "orbit"]) == 2
    assert "camera orbit" in capsys.readouterr().err
    with pytest.raises(RecordingError, match="globe or map"):
        record(demo, DEMO.parent, tmp_path / "x.gif", size=SIZE, duration_s=10, view_kind="mercator")
