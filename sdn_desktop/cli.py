"""``sdn-desktop``: launch the app, or work headless (validate, analyze, schema, record, snapshot)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .engine import SatelliteSourceError
from .scenario import Scenario, ScenarioError, atomic_write_text, json_schema, load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "sdn_backbone_demo.json"


class UsageError(Exception):
    """A bad command-line value; printed as one line, exit status 2."""


def _eprint(*parts: str) -> None:
    print(*parts, file=sys.stderr)


# ------------------------------------------------------------------ validate
def cmd_validate(args: argparse.Namespace) -> int:
    from .engine import Network

    status = 0
    for name in args.files:
        try:
            scenario = load_scenario(name)
            network = Network(scenario, Path(name).resolve().parent)
            network.snapshot(0.0)  # reports SGP4 errors at the start
        except ScenarioError as err:
            for problem in err.problems:
                print(f"{err.source}: {problem}")
            status = 1
            continue
        except SatelliteSourceError as err:
            print(f"{name}: {err}")
            status = 1
            continue
        for warning in network.warnings + network.contested_warnings():
            print(f"{name}: warning: {warning}")
        print(
            f"{name}: ok ({len(network.sats)} satellites, {len(scenario.nodes)} nodes, "
            f"{len(scenario.chains)} chains)"
        )
    return status


# ------------------------------------------------------------------ analyze
def _parse_start(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--start: '{text}' is not an ISO 8601 time such as 2026-01-01T00:00:00Z") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _positive(flag: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{flag}: '{text}' is not a number") from None
    if not value > 0:
        raise UsageError(f"{flag}: must be greater than 0, got {text}")
    return value


def _analysis_times(args: argparse.Namespace, scenario: Scenario) -> tuple[Scenario, np.ndarray | None]:
    """Apply --start/--duration/--step to the scenario's window; --at picks instants instead."""
    changes = {}
    if args.start:
        changes["start"] = _parse_start(args.start)
    for flag, value, key in (("--duration", args.duration, "duration_s"), ("--step", args.step, "step_s")):
        if (number := _positive(flag, value)) is not None:
            changes[key] = number
    window = scenario.time.model_copy(update=changes)
    if window.step_s > window.duration_s:
        raise UsageError(f"--step ({window.step_s} s) is longer than the duration ({window.duration_s} s)")
    scenario = scenario.model_copy(update={"time": window})
    if args.at:
        try:
            times = np.array([float(x) for x in args.at.split(",") if x.strip()])
        except ValueError:
            raise UsageError(f"--at: '{args.at}' is not a comma-separated list of seconds") from None
        if len(times) == 0 or (times < 0).any():
            raise UsageError("--at: give one or more non-negative offsets in seconds")
        return scenario, times
    return scenario, None


def _cell(value, digits: int = 3) -> str:
    """A table or CSV cell: empty for None, fixed decimals for numbers."""
    if value is None:
        return ""
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


CONTESTED_COLUMNS = ["reason", "reason_node", "sensor", "threat_speed_km_s", "threat_moved_km"]


def _format_records(records: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(records, indent=1) + "\n"
    rows = [
        [
            r["time_utc"],
            f"{r['t_s']:g}",
            r["chain"],
            f"{r['leg'] + 1}",
            r["from"],
            r["to"],
            "yes" if r["reachable"] else "no",
            "" if r["latency_ms"] is None else f"{r['latency_ms']:.3f}",
            "" if r["hops"] is None else str(r["hops"]),
            *(_cell(r[key]) for key in CONTESTED_COLUMNS),
            " > ".join(r["path"]),
        ]
        for r in records
    ]
    header = ["time_utc", "t_s", "chain", "leg", "from", "to", "reachable", "latency_ms", "hops"]
    header += [*CONTESTED_COLUMNS, "path"]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buf.getvalue()
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def cmd_analyze(args: argparse.Namespace) -> int:
    from .engine import Network

    scenario = load_scenario(args.file)
    scenario, times = _analysis_times(args, scenario)
    if args.no_events:
        scenario = scenario.model_copy(update={"events": []})
    network = Network(scenario, Path(args.file).resolve().parent)
    series = network.run(times)
    for warning in series.warnings:
        _eprint(f"{args.file}: warning: {warning}")
    text = _format_records(series.records(), args.format)
    if args.output:
        atomic_write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.output:
        atomic_write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


# ------------------------------------------------------------------ record, snapshot
def _parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise UsageError(f"--size: '{text}' is not WIDTHxHEIGHT such as 1280x720")
    return int(match[1]), int(match[2])


def _start_offset(text: str | None, scenario: Scenario) -> float:
    """Seconds from the scenario start to --start (which must not be before it)."""
    if not text:
        return 0.0
    offset = (_parse_start(text) - scenario.time.start).total_seconds()
    if offset < 0:
        start = scenario.time.start.isoformat().replace("+00:00", "Z")
        raise UsageError(f"--start: {text} is before the scenario start {start}")
    return offset


class ProgressBar:
    """A one-line progress bar on stderr, redrawn with a carriage return at most 10 times a second."""

    WIDTH = 30

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.drawn_at = -1.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.drawn_at < 0.1:
            return
        self.drawn_at = now
        filled = int(self.WIDTH * done / max(total, 1))
        rate = done / max(now - self.started, 1e-9)
        eta = (total - done) / rate if rate > 0 else 0.0
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} frames {rate:5.1f} fps, {eta:4.0f} s left ")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn_at >= 0:
            self.stream.write("\n")
            self.stream.flush()


def cmd_record(args: argparse.Namespace) -> int:
    from .recording import RecordingError, record

    scenario = load_scenario(args.file)
    options = {
        "fps": _positive("--fps", args.fps) or 30.0,
        "size": _parse_size(args.size),
        "start_s": _start_offset(args.start, scenario),
        "duration_s": _positive("--duration", args.duration),
        "speed": _positive("--speed", args.speed) or 60.0,
        "camera": args.camera,
    }
    bar = ProgressBar(f"recording {Path(args.output).name}")
    try:
        result = record(scenario, Path(args.file).resolve().parent, args.output, progress=bar, **options)
    except RecordingError as err:
        raise UsageError(str(err)) from None
    finally:
        bar.close()
    for warning in result.warnings:
        _eprint(f"{args.file}: warning: {warning}")
    width, height = result.size
    print(
        f"wrote {result.path} ({result.frames} frames, {width}x{height}, {result.fps:g} fps, "
        f"{result.frames / result.fps:.1f} s)"
    )
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from .recording import RecordingError, snapshot_png

    scenario = load_scenario(args.file)
    at = 0.0 if args.at is None else _non_negative("--at", args.at)
    try:
        path = snapshot_png(
            scenario, Path(args.file).resolve().parent, args.output, at, _parse_size(args.size), args.camera
        )
    except RecordingError as err:
        raise UsageError(str(err)) from None
    print(f"wrote {path}")
    return 0


def _non_negative(flag: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{flag}: '{text}' is not a number") from None
    if not value >= 0:
        raise UsageError(f"{flag}: must be 0 or more, got {text}")
    return value


def cmd_gui(args: argparse.Namespace) -> int:
    from .ui.app import run_app

    return run_app(args.file)


# ------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sdn-desktop",
        description="Design, animate and analyse LEO data-transport meshes. "
        "With no command (or a FILE), opens the desktop app.",
    )
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("validate", help="check scenario files; exit 1 if any is invalid")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("analyze", help="routes and latencies of every chain leg over time")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--start", help="ISO 8601 UTC start (default: the scenario's)")
    p.add_argument("--duration", help="seconds (default: the scenario's)")
    p.add_argument("--step", help="seconds between steps (default: the scenario's)")
    p.add_argument("--at", help="comma-separated seconds after the start, instead of steps")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("-o", "--output", help="write to this file (atomically) instead of stdout")
    p.add_argument("--no-events", action="store_true", help="ignore the events: the undisturbed baseline")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_schema)

    camera_help = "fixed (default), orbit, or follow:NAME (a node or satellite)"
    p = sub.add_parser("record", help="record a movie: .mp4 (H.264), .gif, or a folder of PNG frames")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.mp4, OUT.gif or OUTDIR")
    p.add_argument("--fps", help="frames per second of video (default 30)")
    p.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT in pixels (default 1280x720)")
    p.add_argument("--start", help="ISO 8601 UTC time to start at (default: the scenario start)")
    p.add_argument("--duration", help="simulated seconds to record (default: to the scenario end)")
    p.add_argument("--speed", help="simulated seconds per second of video (default 60)")
    p.add_argument("--camera", default="fixed", help=camera_help)
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("snapshot", help="render one frame to a PNG")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png")
    p.add_argument("--at", help="seconds after the scenario start (default 0)")
    p.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT in pixels (default 1280x720)")
    p.add_argument("--camera", default="fixed", help=camera_help)
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("file", nargs="?", metavar="FILE")
    p.set_defaults(func=cmd_gui)
    return parser


COMMANDS = ("validate", "analyze", "schema", "gui", "record", "snapshot", "-h", "--help")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        argv = ["gui", *argv]
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as err:
        for problem in err.problems:
            _eprint(f"{err.source}: {problem}")
        return 1
    except SatelliteSourceError as err:
        _eprint(f"{getattr(args, 'file', '')}: {err}")
        return 1
    except UsageError as err:
        _eprint(f"sdn-desktop {args.command}: {err}")
        return 2
    except OSError as err:
        where = getattr(args, "output", None) or err.filename or ""
        _eprint(f"sdn-desktop {args.command}: {where}: {err.strerror or err}")
        return 1
    except KeyboardInterrupt:
        _eprint("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
