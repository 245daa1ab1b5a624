"""Recorder and the record/snapshot commands: decode what was written; nothing left after errors."""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from sdn_desktop.cli import main
from sdn_desktop.engine import Network
from sdn_desktop.engine.layout import network_layout
from sdn_desktop.recording import RecordingCancelled, RecordingError, record, snapshot_png
from sdn_desktop.render import GlobeView
from sdn_desktop.scenario import load_scenario

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "sdn_backbone_demo.json"
SIZE = (320, 240)


@pytest.fixture(scope="module")
def demo():
    return load_scenario(DEMO)


def read_mp4(path: Path) -> tuple[dict, list[np.ndarray]]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    frames = [np.frombuffer(f, np.uint8).reshape(height, width, 3) for f in reader]
    return meta, frames


def holds_earth_and_overlay(frame: np.ndarray) -> bool:
    """Blue ocean in the middle of the frame, light overlay text in the top-left corner."""
    h, w = frame.shape[:2]
    middle = frame[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4, :3].astype(int)
    ocean = (middle[..., 2] > middle[..., 0] + 15) & (middle[..., 2] > 40)
    corner = frame[: h // 6, : w // 3, :3]
    text = (corner > 150).all(axis=-1)
    return ocean.mean() > 0.05 and text.sum() > 30


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_mp4_has_the_frames_size_and_rate_asked_for(demo, tmp_path):
    out = tmp_path / "movie.mp4"
    seen = []
    result = record(
        demo,
        DEMO.parent,
        out,
        fps=10,
        size=SIZE,
        duration_s=120,
        speed=60,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert result.frames == 20 and result.fps == 10 and out.exists()
    assert seen[-1] == (20, 20) and len(seen) == 20
    meta, frames = read_mp4(out)
    assert meta["size"] == SIZE and meta["fps"] == 10 and meta["pix_fmt"].startswith("yuv420p")
    assert len(frames) == 20
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 1.0
    assert holds_earth_and_overlay(frames[len(frames) // 2])
    assert leftovers(tmp_path) == ["movie.mp4"]


def test_gif_and_png_sequence(demo, tmp_path):
    gif = record(demo, DEMO.parent, tmp_path / "clip.gif", fps=20, size=SIZE, duration_s=30, speed=100)
    with Image.open(gif.path) as image:
        assert image.size == SIZE and image.n_frames == 6 == gif.frames
        assert image.info["duration"] == 50  # 20 fps in 10 ms steps
        image.seek(3)
        assert holds_earth_and_overlay(np.asarray(image.convert("RGB")))
    assert gif.warnings == []
    rounded = record(demo, DEMO.parent, tmp_path / "rounded.gif", fps=30, size=SIZE, duration_s=2, speed=60)
    assert rounded.fps == pytest.approx(100 / 3) and "10 ms" in rounded.warnings[0]
    frames = record(
        demo, DEMO.parent, tmp_path / "frames", fps=5, size=SIZE, duration_s=40, speed=50, camera="orbit"
    )
    names = leftovers(frames.path)
    assert names == [f"frame_{i:05d}.png" for i in range(4)]
    first, last = (np.asarray(Image.open(frames.path / n)) for n in (names[0], names[-1]))
    assert first.shape == (SIZE[1], SIZE[0], 3) and np.abs(first.astype(int) - last.astype(int)).mean() > 1.0
    assert sorted(leftovers(tmp_path)) == ["clip.gif", "frames", "rounded.gif"]


@pytest.mark.parametrize(
    "name, options, message",
    [
        ("movie.avi", {}, "unknown output format"),
        ("movie.mp4", {"size": (0, 240)}, "out of range"),
        ("movie.mp4", {"size": (321, 240)}, "even"),
        ("movie.mp4", {"size": (100000, 240)}, "out of range"),
        ("movie.mp4", {"fps": 0}, "fps must be greater than 0"),
        ("movie.mp4", {"speed": -1}, "speed"),
        ("movie.mp4", {"camera": "follow:Nobody"}, "no node or satellite named 'Nobody'"),
        ("movie.mp4", {"start_s": 4000.0, "duration_s": None}, "past the end"),
        ("no such folder/movie.mp4", {}, "does not exist"),
    ],
)
def test_bad_arguments_raise_one_line_and_write_nothing(demo, tmp_path, name, options, message):
    with pytest.raises(RecordingError, match=message) as err:
        record(demo, DEMO.parent, tmp_path / name, **{"size": SIZE, "duration_s": 10, **options})
    assert "\n" not in str(err.value)
    assert leftovers(tmp_path) == []


def test_a_folder_that_cannot_be_written(demo, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    with pytest.raises(RecordingError):
        record(demo, DEMO.parent, blocker / "movie.mp4", size=SIZE, duration_s=10)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(RecordingError, match="not an empty folder"):
        record(demo, DEMO.parent, tmp_path / "full", size=SIZE, duration_s=10)
    assert leftovers(tmp_path) == ["a file", "full"] and leftovers(tmp_path / "full") == ["keep.txt"]


@pytest.mark.parametrize("name", ["movie.mp4", "movie.gif", "frames"])
def test_cancel_leaves_nothing_behind(demo, tmp_path, name):
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(RecordingCancelled):
        record(
            demo,
            DEMO.parent,
            tmp_path / name,
            fps=10,
            size=SIZE,
            duration_s=600,
            speed=60,
            cancelled=cancelled,
        )
    assert leftovers(tmp_path) == []


def test_snapshot_is_the_frame_the_view_draws(demo, tmp_path):
    out = snapshot_png(
        demo, DEMO.parent, tmp_path / "still.png", t_s=300.0, size=SIZE, camera="follow:C2 Colorado"
    )
    written = np.asarray(Image.open(out))
    network = Network(demo, DEMO.parent)
    view = GlobeView(size=SIZE)
    view.set_scenario(demo, network_layout(network))
    view.reset_camera()
    view.set_camera_mode("follow", ("node", [n.name for n in demo.nodes].index("C2 Colorado")))
    view.update(network.snapshot(300.0))
    drawn = view.render()[..., :3]
    view.canvas.close()
    assert written.shape == drawn.shape and np.array_equal(written, drawn)
    with pytest.raises(RecordingError, match=".png"):
        snapshot_png(demo, DEMO.parent, tmp_path / "still.jpg", t_s=0.0, size=SIZE)


def test_record_and_snapshot_commands(tmp_path, capsys):
    movie = tmp_path / "cli.mp4"
    argv = ["record", str(DEMO), "-o", str(movie), "--size", "320x240", "--fps", "10", "--duration", "30"]
    assert main([*argv, "--speed", "30", "--start", "2026-11-22T00:10:00Z", "--camera", "orbit"]) == 0
    meta, frames = read_mp4(movie)
    assert len(frames) == 10 and meta["size"] == SIZE
    err = capsys.readouterr().err
    assert "10/10 frames" in err and "\r" in err
    still = tmp_path / "cli.png"
    assert main(["snapshot", str(DEMO), "-o", str(still), "--at", "60", "--size", "320x240"]) == 0
    assert Image.open(still).size == SIZE
    for bad in (
        ["--size", "320x241"],
        ["--size", "big"],
        ["--fps", "0"],
        ["--start", "2020-01-01T00:00:00Z"],
    ):
        target = tmp_path / "bad.mp4"
        assert main(["record", str(DEMO), "-o", str(target), "--duration", "10", *bad]) == 2
        message = capsys.readouterr().err.strip()
        assert message.startswith("sdn-desktop record:") and "\n" not in message
        assert not target.exists()
    assert main(["record", str(DEMO), "-o", str(tmp_path / "bad.webm")]) == 2
    assert sorted(leftovers(tmp_path)) == ["cli.mp4", "cli.png"]


def test_the_recorder_process_reports_progress_and_a_cancel_leaves_nothing(demo, tmp_path):
    from sdn_desktop.recording_process import RecorderProcess, RecorderProcessError

    process = RecorderProcess()
    try:
        job = {"base_dir": str(DEMO.parent), "size": SIZE, "fps": 5, "duration_s": 20, "speed": 10}
        seen = []
        gif = {**job, "out_path": str(tmp_path / "done.gif")}
        result = process.record(demo, gif, lambda *p: seen.append(p))
        assert result.frames == 10 and seen == [(k, 10) for k in range(1, 11)]
        with pytest.raises(RecorderProcessError) as err:  # cancelled after the second frame
            process.record(
                demo, {**job, "out_path": str(tmp_path / "cancelled.mp4"), "duration_s": 600},
                lambda done, total: done == 2 and process.cancel(),
            )  # fmt: skip
        assert err.value.cancelled
        with pytest.raises(RecorderProcessError, match="unknown output format") as err:  # and its reason
            process.record(demo, {**job, "out_path": str(tmp_path / "movie.avi")}, lambda *p: None)
        assert err.value.error_type == "RecordingError" and not err.value.cancelled
    finally:
        process.close()
    assert leftovers(tmp_path) == ["done.gif"]
