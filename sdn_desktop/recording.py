"""Movies and stills of a scenario: MP4 (H.264), GIF or a PNG sequence, for the GUI and the CLI.

Every frame is ``GlobeView.render()`` (or, with ``view_kind="map"``, ``MapView.render()``, the 2D map)
of ``Network.snapshot(t)``, the code the app draws with. The
engine runs one frame ahead in a child process (which also gives the view its ``NetworkLayout``)
and encoding runs in a thread behind a bounded queue, so both overlap drawing.
Output is written beside the target under a temporary name and renamed on success; on an error or
a cancel nothing is left behind.
"""

from __future__ import annotations

import abc
import os
import queue
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from .engine import Network, SatelliteSourceError, Snapshot
from .engine.layout import NetworkLayout, network_layout
from .engine.process import EngineProcess, EngineProcessError
from .scenario import Scenario
from .scenario.files import replace_with, temporary_beside

MIN_SIDE_PX = 16
MAX_SIDE_PX = 8192
MAX_FPS = 240.0
MAX_FRAMES = 1_000_000
GIF_MIN_DELAY_CS = 2  # GIF delays are in 1/100 s; browsers play delays under 20 ms at 10 fps
QUEUE_FRAMES = 6
PNG_COMPRESS_LEVEL = 3
H264_OPTIONS = ["-preset", "veryfast", "-crf", "20", "-movflags", "+faststart"]
VIEW_KINDS = ("globe", "map")


class RecordingError(Exception):
    """A recording that cannot be made; the message is one line."""


class RecordingCancelled(Exception):
    """The ``cancelled`` callback said stop; nothing was written."""


@dataclass
class Recording:
    """What was written: the path, the number of frames and the frame rate the file plays at."""

    path: Path
    frames: int
    fps: float
    size: tuple[int, int]
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- argument checks
def output_format(path: str | os.PathLike) -> str:
    """ "mp4", "gif" or "png" (a folder of frame_00000.png ...) from the target's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".mp4", ".gif"):
        return suffix[1:]
    if suffix == "" or path.is_dir():
        return "png"
    raise RecordingError(f"unknown output format '{suffix}': use .mp4, .gif or a folder for PNG frames")


def check_size(size, fmt: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise RecordingError(f"size must be two integers (width, height), got {size!r}") from None
    if not (MIN_SIDE_PX <= width <= MAX_SIDE_PX and MIN_SIDE_PX <= height <= MAX_SIDE_PX):
        raise RecordingError(
            f"size {width}x{height} is out of range: each side must be {MIN_SIDE_PX} to {MAX_SIDE_PX} pixels"
        )
    if fmt == "mp4" and (width % 2 or height % 2):
        raise RecordingError(f"size {width}x{height}: H.264 (yuv420p) needs an even width and height")
    return width, height


def _check_positive(name: str, value: float, upper: float | None = None) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise RecordingError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise RecordingError(f"{name} must be greater than 0, got {value:g}")
    if upper is not None and value > upper:
        raise RecordingError(f"{name} must be at most {upper:g}, got {value:g}")
    return value


def frame_times(start_s: float, duration_s: float, speed: float, fps: float) -> np.ndarray:
    """Simulated seconds of every frame: ``speed`` simulated seconds per second of video."""
    count = max(1, int(round(duration_s / speed * fps)))
    if count > MAX_FRAMES:
        raise RecordingError(
            f"{count:,} frames is too many (at most {MAX_FRAMES:,}); raise speed or lower fps"
        )
    return start_s + np.arange(count) * (speed / fps)


def camera_setting(
    spec: str, scenario: Scenario, layout: NetworkLayout
) -> tuple[str, tuple[str, int] | None]:
    """ "fixed", "orbit" or "follow:NAME" (a node or satellite name) as a GlobeView camera mode."""
    if spec in ("fixed", "orbit"):
        return spec, None
    if spec.startswith("follow:"):
        name = spec.removeprefix("follow:")
        nodes = [node.name for node in scenario.nodes]
        if name in nodes:
            return "follow", ("node", nodes.index(name))
        if name in layout.sats.names:
            return "follow", ("satellite", layout.sats.names.index(name))
        raise RecordingError(f"camera follow: no node or satellite named '{name}'")
    raise RecordingError(f"camera must be fixed, orbit or follow:NAME, got '{spec}'")


# ---------------------------------------------------------------------------- writers
class _FrameWriter(abc.ABC):
    """Writes frames to a temporary path beside ``target``; ``commit`` renames it into place."""

    def __init__(self, target: Path):
        self.target = target
        self.tmp: Path | None = None

    @abc.abstractmethod
    def write(self, frame: np.ndarray) -> None:
        """Append one (H, W, 3 or 4) uint8 frame."""

    @abc.abstractmethod
    def finish(self) -> None:
        """Flush everything to the temporary path."""

    def discard(self) -> None:
        """Stop and remove the temporary output."""
        if self.tmp is not None and self.tmp.exists():
            shutil.rmtree(self.tmp) if self.tmp.is_dir() else self.tmp.unlink()

    def commit(self) -> None:
        replace_with(self.tmp, self.target)
        self.tmp = None


def _temp_file(target: Path, folder: bool = False) -> Path:
    try:
        return temporary_beside(target, suffix="" if folder else target.suffix, folder=folder)
    except OSError as err:
        raise RecordingError(f"cannot write '{target}': {err.strerror or err}") from None


class _Mp4Writer(_FrameWriter):
    """H.264 through imageio-ffmpeg; the encoder starts with the first frame."""

    def __init__(self, target: Path, size: tuple[int, int], fps: float):
        super().__init__(target)
        self.tmp = _temp_file(target)
        self._size, self._fps = size, fps
        self._encoder = None

    def _start(self) -> None:
        import imageio_ffmpeg

        try:
            self._encoder = imageio_ffmpeg.write_frames(
                str(self.tmp), self._size, fps=Fraction(self._fps).limit_denominator(1001), codec="libx264",
                quality=None, macro_block_size=2, output_params=list(H264_OPTIONS), ffmpeg_log_level="error",
            )  # fmt: skip
            self._encoder.send(None)
        except Exception as err:
            raise RecordingError(f"cannot start the H.264 encoder: {err}") from err

    def write(self, frame: np.ndarray) -> None:
        if self._encoder is None:
            self._start()
        self._encoder.send(np.ascontiguousarray(frame[..., :3]))

    def finish(self) -> None:
        if self._encoder is not None:
            self._encoder.close()

    def discard(self) -> None:
        try:
            self.finish()
        except Exception:  # an encoder that already failed has nothing left to flush
            pass
        super().discard()


class _GifWriter(_FrameWriter):
    def __init__(self, target: Path, delay_ms: int):
        super().__init__(target)
        self.tmp = _temp_file(target)
        self._delay_ms = delay_ms
        self._frames: list[Image.Image] = []

    def write(self, frame: np.ndarray) -> None:
        rgb = Image.fromarray(np.ascontiguousarray(frame[..., :3]))
        self._frames.append(
            rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        )

    def finish(self) -> None:
        first, *rest = self._frames
        first.save(self.tmp, format="GIF", save_all=True, append_images=rest, duration=self._delay_ms, loop=0)
        self._frames.clear()


class _PngWriter(_FrameWriter):
    def __init__(self, target: Path):
        super().__init__(target)
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise RecordingError(f"'{target}' already exists and is not an empty folder")
        self.tmp = _temp_file(target, folder=True)
        self._count = 0

    def write(self, frame: np.ndarray) -> None:
        path = self.tmp / f"frame_{self._count:05d}.png"
        Image.fromarray(np.ascontiguousarray(frame[..., :3])).save(path, compress_level=PNG_COMPRESS_LEVEL)
        self._count += 1

    def finish(self) -> None:
        """Every frame is a complete file as soon as it is written."""

    def commit(self) -> None:
        if self.target.is_dir():
            self.target.rmdir()  # checked empty at the start
        super().commit()


# ---------------------------------------------------------------------------- threads
def _snapshots(engine: EngineProcess, times: np.ndarray) -> Iterator[Snapshot]:
    """The snapshots of ``times`` from the engine process, each requested before the previous one
    is drawn (so the engine computes while the view draws)."""
    times = [float(t) for t in times]
    if times:
        engine.request(times[0])
    for following in [*times[1:], None]:
        try:
            snapshot = engine.receive()
        except EngineProcessError as err:
            raise RecordingError(f"engine: {err}") from None
        if following is not None:
            engine.request(following)
        yield snapshot


class _BackgroundWriter:
    """Feeds a ``_FrameWriter`` from a bounded queue in a thread, so encoding overlaps rendering."""

    def __init__(self, writer: _FrameWriter, depth: int):
        self.writer = writer
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(depth)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while (frame := self._queue.get()) is not None:
                if self.error is None:
                    self.writer.write(frame)
            if self.error is None:
                self.writer.finish()
        except BaseException as err:  # reported by put() / close()
            self.error = err
            while self._queue.get() is not None:  # keep the producer unblocked until it stops
                pass

    def put(self, frame: np.ndarray) -> None:
        while True:
            self._raise_error()
            try:
                self._queue.put(frame, timeout=0.1)
                return
            except queue.Full:
                continue

    def _raise_error(self) -> None:
        if self.error is not None:
            raise RecordingError(f"writing '{self.writer.target}' failed: {self.error}") from self.error

    def close(self) -> None:
        """Wait for every queued frame to be written; raise if writing failed."""
        self._queue.put(None)
        self._thread.join()
        self._raise_error()

    def abort(self) -> None:
        self.error = self.error or RecordingCancelled()
        self._queue.put(None)
        self._thread.join()


# ---------------------------------------------------------------------------- recording
def check_view_kind(view_kind: str, camera: str) -> None:
    """The view to record is "globe" or "map"; the map has no camera modes."""
    if view_kind not in VIEW_KINDS:
        raise RecordingError(f"view must be globe or map, got '{view_kind}'")
    if view_kind == "map" and camera != "fixed":
        raise RecordingError(f"camera {camera}: the map shows the whole Earth (camera modes are the globe's)")


def _prepare_map(scenario: Scenario, layout: NetworkLayout, size, overlays: dict | None):
    """A MapView of the whole map; without any overlay part, its status strip is hidden."""
    from .render.map_view import MapView

    view = MapView(size=size)
    view.set_scenario(scenario, layout)
    if overlays is not None:
        view.set_layer_visible("status", any(overlays.values()))
    return view


def _prepare_view(
    view, scenario: Scenario, layout: NetworkLayout, size, camera: str, overlays: dict | None, kind: str
):
    from .render import GlobeView

    if kind == "map":
        return _prepare_map(scenario, layout, size, overlays)
    mode, target = camera_setting(camera, scenario, layout)
    if view is None:
        view = GlobeView(size=size)
        view.set_scenario(scenario, layout)
        view.reset_camera()
    else:
        view.set_scenario(scenario, layout)
    if overlays is not None:
        view.set_overlay(**overlays)
    view.set_camera_mode(mode, target)
    return view


def playback_fps(fmt: str, fps: float) -> tuple[float, list[str]]:
    """The frame rate a file of format ``fmt`` really plays at, and a note when it is not ``fps``.

    GIF stores frame delays in whole 10 ms steps, and browsers slow down delays under 20 ms.
    """
    if fmt != "gif":
        return fps, []
    played = 100.0 / max(GIF_MIN_DELAY_CS, round(100.0 / fps))
    if abs(played - fps) < 1e-9:
        return fps, []
    return played, [
        f"GIF frame delays are whole 10 ms steps (20 ms at least): {fps:g} fps plays at {played:.4g} fps"
    ]


def _make_writer(fmt: str, target: Path, size: tuple[int, int], fps: float) -> _FrameWriter:
    if not target.parent.is_dir():
        raise RecordingError(f"folder '{target.parent}' does not exist")
    if fmt == "mp4":
        return _Mp4Writer(target, size, fps)
    if fmt == "gif":
        return _GifWriter(target, int(round(1000.0 / fps)))
    return _PngWriter(target)


def record(
    scenario: Scenario,
    base_dir: str | os.PathLike,
    out_path: str | os.PathLike,
    fps: float = 30,
    size: tuple[int, int] = (1280, 720),
    start_s: float = 0.0,
    duration_s: float | None = None,
    speed: float = 60.0,
    camera: str = "fixed",
    overlays: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    view=None,
    view_kind: str = "globe",
) -> Recording:
    """Record ``duration_s`` simulated seconds from ``start_s`` at ``speed`` simulated seconds per
    second of video into ``out_path`` (.mp4, .gif, or a folder of PNG frames).

    ``camera``: "fixed", "orbit" or "follow:NAME"; ``overlays``: keywords of ``GlobeView.set_overlay``;
    ``view``: a GlobeView to draw with (its camera and layers are kept), else a new hidden one;
    ``view_kind``: "globe", or "map" for the 2D map (camera "fixed" only).
    Raises RecordingError (bad arguments, unwritable folder, encoder failure) or RecordingCancelled.
    """
    target = Path(out_path).expanduser().absolute()
    fmt = output_format(target)
    size = check_size(size, fmt)
    fps = _check_positive("fps", fps, MAX_FPS)
    speed = _check_positive("speed", speed)
    start_s = float(start_s)
    if not np.isfinite(start_s) or start_s < 0:
        raise RecordingError(f"start must be at or after the scenario start, got {start_s:g} s")
    if duration_s is None:
        duration_s = scenario.time.duration_s - start_s
        if duration_s <= 0:
            raise RecordingError("start is past the end of the scenario window; give a duration")
    duration_s = _check_positive("duration", duration_s)
    check_view_kind(view_kind, camera)
    fps, notes = playback_fps(fmt, fps)
    times = frame_times(start_s, duration_s, speed, fps)
    engine = EngineProcess()
    try:
        layout = _load(engine, scenario, base_dir)
        camera_setting(camera, scenario, layout)  # a bad camera fails before anything is created
        writer = _make_writer(fmt, target, size, fps)
        background = _BackgroundWriter(writer, QUEUE_FRAMES)
        try:
            view = _prepare_view(view, scenario, layout, size, camera, overlays, view_kind)
            for done, snapshot in enumerate(_snapshots(engine, times), start=1):
                if cancelled is not None and cancelled():
                    raise RecordingCancelled()
                view.update(snapshot)
                background.put(view.render(size))
                if view_kind == "globe":
                    view.advance_camera(1.0 / fps)
                if progress is not None:
                    progress(done, len(times))
            background.close()
            writer.commit()
        except BaseException:
            background.abort()
            writer.discard()
            raise
    finally:
        engine.close()
    return Recording(target, len(times), fps, size, notes + engine.warnings)


def _load(engine: EngineProcess, scenario: Scenario, base_dir) -> NetworkLayout:
    """The scenario's network built in the engine process; its errors as this process would raise them."""
    try:
        return engine.load(scenario, base_dir)
    except EngineProcessError as err:
        if err.error_type == SatelliteSourceError.__name__:
            raise SatelliteSourceError(err.reason) from None
        raise RecordingError(f"engine: {err}") from None


def snapshot_png(
    scenario: Scenario,
    base_dir: str | os.PathLike,
    out: str | os.PathLike,
    t_s: float = 0.0,
    size: tuple[int, int] = (1280, 720),
    camera: str = "fixed",
    overlays: dict | None = None,
    view=None,
    view_kind: str = "globe",
) -> Path:
    """Write the frame at ``t_s`` simulated seconds as a PNG (atomically); returns its path."""
    target = Path(out).expanduser().absolute()
    if target.suffix.lower() != ".png":
        raise RecordingError(f"a snapshot is written as .png, got '{target.name}'")
    size = check_size(size, "png")
    t_s = float(t_s)
    if not np.isfinite(t_s) or t_s < 0:
        raise RecordingError(f"time must be at or after the scenario start, got {t_s:g} s")
    if not target.parent.is_dir():
        raise RecordingError(f"folder '{target.parent}' does not exist")
    check_view_kind(view_kind, camera)
    network = Network(scenario, base_dir)
    layout = network_layout(network)
    camera_setting(camera, scenario, layout)
    tmp = _temp_file(target)
    try:
        view = _prepare_view(view, scenario, layout, size, camera, overlays, view_kind)
        view.update(network.snapshot(t_s))
        Image.fromarray(view.render(size)[..., :3]).save(tmp, format="PNG")
        replace_with(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
