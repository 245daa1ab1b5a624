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
from pydantic import ValidationError

from .engine import SatelliteSourceError
from .scenario import Scenario, ScenarioError, atomic_write_text, json_schema, load_scenario
from .scenario.io import field_path
from .scenario.limits import MAX_DURATION_S, LimitError, check_steps, check_work, step_count
from .scenario.model import TimeWindow
from .scenario.values import printable
from .scenario.work import check_scenario_work


class UsageError(Exception):
    """A bad command-line value; printed as one line, exit status 2."""


def _eprint(*parts: str) -> None:
    print(*map(printable, parts), file=sys.stderr)


def _say(line: str) -> None:
    """Print one line to stdout with control codes and lone surrogates escaped."""
    print(printable(line))


def _limit_problem(source: str, err: LimitError) -> str:
    return f"{source}: {field_path(err.loc)}: {err}"


def _write_or_print(output: str | None, text: str) -> int:
    """``text`` into the file ``output`` (atomically), or onto stdout; exit status 0."""
    if output:
        atomic_write_text(output, text)
    else:
        sys.stdout.write(text)
    return 0


# ------------------------------------------------------------------ validate
def cmd_validate(args: argparse.Namespace) -> int:
    from .engine import Network

    status = 0
    for name in args.files:
        try:
            scenario = load_scenario(name)
            network = Network(scenario, Path(name).resolve().parent)  # checks the limits (LimitError)
            network.snapshot(0.0)  # reports SGP4 errors at the start
        except ScenarioError as err:
            for problem in err.problems:
                _say(f"{err.source}: {problem}")
            status = 1
            continue
        except SatelliteSourceError as err:
            _say(f"{name}: {err}")
            status = 1
            continue
        except LimitError as err:
            _say(_limit_problem(name, err))
            status = 1
            continue
        except Exception as err:  # last resort: one line, and the batch goes on
            _say(f"{name}: internal error: {type(err).__name__}: {err}")
            status = 1
            continue
        for warning in network.warnings + network.contested_warnings():
            _say(f"{name}: warning: {warning}")
        _say(
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
    scenario = scenario.model_copy(update={"time": _checked_window(window)})
    if args.at:
        try:
            times = np.array([float(x) for x in args.at.split(",") if x.strip()])
        except ValueError:
            raise UsageError(f"--at: '{args.at}' is not a comma-separated list of seconds") from None
        if len(times) == 0 or (times < 0).any():
            raise UsageError("--at: give one or more non-negative offsets in seconds")
        _check_offsets("--at", times)
        return scenario, times
    return scenario, None


WINDOW_FLAGS = {"start": "--start", "duration_s": "--duration", "step_s": "--step"}


def _checked_window(window: TimeWindow) -> TimeWindow:
    """``window`` validated as a scenario's would be (limits included); errors name the option."""
    try:
        return TimeWindow.model_validate(window.model_dump())
    except ValidationError as err:
        first = err.errors()[0]
        flag = WINDOW_FLAGS.get(first["loc"][0] if first["loc"] else "step_s", "--step")
        raise UsageError(f"{flag}: {first['msg'].removeprefix('Value error, ')}") from None


def _check_offsets(flag: str, times: np.ndarray) -> None:
    """Offsets after the start: finite, at most the longest duration, no more than the step limit."""
    if not np.isfinite(times).all() or (times > MAX_DURATION_S).any():
        raise UsageError(f"{flag}: offsets must be finite and at most {MAX_DURATION_S:,.0f} s")
    try:
        check_steps(len(times))
    except LimitError as err:
        raise UsageError(f"{flag}: {err}") from None


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
    steps = len(times) if times is not None else step_count(scenario.time.duration_s, scenario.time.step_s)
    check_work(len(network.sats), len(scenario.nodes), len(network.legs), steps)
    series = network.run(times)
    for warning in series.warnings:
        _eprint(f"{args.file}: warning: {warning}")
    text = _format_records(series.records(), args.format)
    return _write_or_print(args.output, text)


def cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(json_schema(), indent=2) + "\n"
    return _write_or_print(args.output, text)


# ------------------------------------------------------------------ resilience
def _attrition_levels(text: str) -> tuple[float, ...]:
    """--attrition START:STOP:STEP (inclusive), or a comma-separated list of fractions."""
    try:
        if ":" in text:
            start, stop, step = (float(x) for x in text.split(":"))
            if step <= 0 or stop < start:
                raise ValueError
            count = int(np.floor((stop - start) / step + 1e-9)) + 1
            levels = [round(start + i * step, 10) for i in range(count)]
        else:
            levels = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--attrition: '{text}' is not START:STOP:STEP like 0:0.5:0.05 or a list") from None
    bad = [x for x in levels if not 0.0 <= x <= 1.0]
    if not levels or bad:
        raise UsageError(f"--attrition: levels are fractions from 0 to 1, got {bad[0] if bad else text}")
    return tuple(sorted(set(levels)))


def cmd_resilience(args: argparse.Namespace) -> int:
    from .analysis import ResilienceOptions, run_resilience
    from .analysis.resilience_output import format_sections

    scenario = load_scenario(args.file)
    scenario, times = _analysis_times(args, scenario)
    trials = _positive("--trials", args.trials)
    if trials is None or trials != int(trials):
        raise UsageError(f"--trials: must be a whole number of at least 1, got {args.trials}")
    try:
        seed = int(args.seed)
    except ValueError:
        raise UsageError(f"--seed: '{args.seed}' is not a whole number") from None
    if seed < 0:
        raise UsageError(f"--seed: must be 0 or more, got {args.seed}")
    options = ResilienceOptions(
        trials=int(trials),
        levels=_attrition_levels(args.attrition),
        mode=args.mode,
        seed=seed,
        times=None if times is None else tuple(float(t) for t in times),
        events=not args.no_events,
    )
    runner = _resilience_runner(args)
    bar = ProgressBar(f"resilience {Path(args.file).name}", units=("trials", "trials/s"))
    try:
        result = run_resilience(
            scenario, Path(args.file).resolve().parent, options, progress=bar, run_chunks=runner
        )
    finally:
        bar.close()
        if runner is not None:
            runner.close()
    text = format_sections(result.to_records(), args.format)
    return _write_or_print(args.output, text)


def _resilience_runner(args: argparse.Namespace):
    """A Dask runner for --workers / --scheduler, or None to run here."""
    if args.workers is None and not args.scheduler:
        return None
    from .analysis.distributed import ClusterError, DaskRunner

    if args.workers is not None and args.scheduler:
        raise UsageError("give --workers or --scheduler, not both")
    workers = None
    if args.workers is not None:
        workers = _positive("--workers", args.workers)
        if workers != int(workers):
            raise UsageError(f"--workers: must be a whole number, got {args.workers}")
    try:
        return DaskRunner(workers=None if workers is None else int(workers), scheduler=args.scheduler)
    except ClusterError as err:
        raise UsageError(f"--scheduler: {err}" if args.scheduler else f"--workers: {err}") from None


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

    def __init__(self, label: str, stream=None, units: tuple[str, str] = ("frames", "fps")):
        self.label = label
        self.units = units  # what is counted, and its rate
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
        count, per_second = self.units
        self.stream.write(
            f"\r{self.label} [{bar}] {done}/{total} {count} {rate:5.1f} {per_second}, {eta:4.0f} s left "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.drawn_at >= 0:
            self.stream.write("\n")
            self.stream.flush()


def cmd_record(args: argparse.Namespace) -> int:
    from .recording import RecordingError, record

    scenario = load_scenario(args.file)
    check_scenario_work(scenario, Path(args.file).resolve().parent)  # before the engine process starts
    options = {
        "fps": _positive("--fps", args.fps) or 30.0,
        "size": _parse_size(args.size),
        "start_s": _start_offset(args.start, scenario),
        "duration_s": _positive("--duration", args.duration),
        "speed": _positive("--speed", args.speed) or 60.0,
        "camera": args.camera,
        "view_kind": args.view,
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
    _check_offsets("--at", np.array([at]))
    try:
        path = snapshot_png(
            scenario, Path(args.file).resolve().parent, args.output, at, _parse_size(args.size), args.camera,
            view_kind=args.view,
        )  # fmt: skip
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


# ------------------------------------------------------------------ report
def cmd_report(args: argparse.Namespace) -> int:
    from .analysis.report import build_report
    from .analysis.report_output import render_json, render_markdown, report_format
    from .engine import Network

    try:
        fmt = report_format(args.output) if args.output else "md"
    except ValueError as err:
        raise UsageError(f"-o: {err}") from None
    scenario, _ = _analysis_times(args, load_scenario(args.file))
    network = Network(scenario, Path(args.file).resolve().parent)
    bar = ProgressBar("routing", units=("steps", "steps/s"))
    try:
        series = network.run(progress=bar)
    finally:
        bar.close()
    for warning in series.warnings:
        _eprint(f"{args.file}: warning: {warning}")
    report = build_report(network, series, reasons=series.reason)
    if fmt == "html":
        from .analysis.report_figures import draw_figures
        from .analysis.report_output import render_html

        bar = ProgressBar("drawing", units=("pictures", "per s"))
        try:
            text = render_html(report, draw_figures(network, series, report, progress=bar))
        finally:
            bar.close()
    else:
        text = render_json(report) if fmt == "json" else render_markdown(report)
    if not args.output:
        sys.stdout.write(text)
        return 0
    atomic_write_text(args.output, text)
    print(f"wrote {args.output} ({len(report.chains)} chains, {len(series.t_s)} steps)")
    return 0


# ------------------------------------------------------------------ export
def _export_links(text: str) -> tuple[str, ...]:
    from .export import LINK_KINDS

    kinds = tuple(k.strip() for k in text.split(",") if k.strip() and k.strip() != "none")
    unknown = [k for k in kinds if k not in LINK_KINDS]
    if unknown:
        raise UsageError(f"--links: '{unknown[0]}' is not one of {', '.join(LINK_KINDS)} or none")
    return kinds


def _export_elements(args: argparse.Namespace, network, omm_form: str | None) -> list[tuple[str, str]]:
    from .export import ExportError, omm_text, scenario_element_sets, tle_text

    elements = scenario_element_sets(network)
    written = []
    if args.tle:
        try:
            text = tle_text(elements)
        except ExportError as err:
            raise UsageError(f"--tle: {err}") from None
        atomic_write_text(args.tle, text)
        written.append((args.tle, f"{len(elements)} satellites"))
    if args.omm:
        atomic_write_text(args.omm, omm_text(elements, omm_form))
        written.append((args.omm, f"{len(elements)} satellites"))
    return written


def _export_czml(
    args: argparse.Namespace, network, links: tuple[str, ...], sample_step: float
) -> tuple[str, str]:
    from .export import scenario_czml

    bar = ProgressBar(f"exporting {Path(args.czml).name}", units=("steps", "steps/s"))
    try:
        document = scenario_czml(
            network, sample_step_s=sample_step, frame=args.frame, links=links, progress=bar
        )
    finally:
        bar.close()
    atomic_write_text(args.czml, document.dumps())
    return args.czml, f"{len(document.packets)} packets"


def cmd_export(args: argparse.Namespace) -> int:
    from .engine import Network
    from .export import OMM_FORMS

    if not (args.czml or args.tle or args.omm):
        raise UsageError("give at least one of --czml, --tle and --omm")
    omm_form = Path(args.omm).suffix.lower() if args.omm else None
    if omm_form is not None and omm_form not in OMM_FORMS:
        raise UsageError(f"--omm: '{args.omm}' must end in {', '.join(OMM_FORMS)} (the OMM form)")
    links = _export_links(args.links)
    sample_step = _positive("--sample-step", args.sample_step) or 120.0
    scenario, _ = _analysis_times(args, load_scenario(args.file))
    network = Network(scenario, Path(args.file).resolve().parent)
    written = []
    try:
        if args.tle or args.omm:
            written += _export_elements(args, network, omm_form)
        if args.czml:
            written.append(_export_czml(args, network, links, sample_step))
    finally:
        for warning in network.warnings:
            _eprint(f"{args.file}: warning: {warning}")
    for path, what in written:
        print(f"wrote {path} ({what}, {Path(path).stat().st_size / 1e6:.1f} MB)")
    return 0


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

    p = sub.add_parser("resilience", help="attrition sweep, vendor outages, concentration, critical elements")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--trials", default="200", help="random trials per level (default 200)")
    p.add_argument("--attrition", default="0:0.5:0.05", help="START:STOP:STEP or a list (default 0:0.5:0.05)")
    p.add_argument(
        "--mode",
        choices=("random", "targeted", "planes", "operators"),
        default="random",
        help="what each level destroys: random satellites (default), the satellites carrying the most"
        " routes first, whole orbital planes, or whole vendors",
    )
    p.add_argument("--seed", default="0", help="random seed (default 0); same seed, same output")
    p.add_argument("--start", help="ISO 8601 UTC start (default: the scenario's)")
    p.add_argument("--duration", help="seconds (default: the scenario's)")
    p.add_argument("--step", help="seconds between steps (default: the scenario's)")
    p.add_argument("--at", help="comma-separated seconds after the start, instead of steps")
    p.add_argument("--workers", help="run the trials on a local Dask cluster of N worker processes")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="run the trials on this Dask scheduler (tcp://host:8786)"
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("-o", "--output", help="write to this file (atomically) instead of stdout")
    p.add_argument(
        "--no-events", action="store_true", help="ignore the events: attrition on the undisturbed network"
    )
    p.set_defaults(func=cmd_resilience)

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
    p.add_argument("--view", choices=("globe", "map"), default="globe", help="the 3D globe or the 2D map")
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("snapshot", help="render one frame to a PNG")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png")
    p.add_argument("--at", help="seconds after the scenario start (default 0)")
    p.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT in pixels (default 1280x720)")
    p.add_argument("--camera", default="fixed", help=camera_help)
    p.add_argument("--view", choices=("globe", "map"), default="globe", help="the 3D globe or the 2D map")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("report", help="kill-chain report: availability, budgets, outages, path changes")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "-o",
        "--output",
        help="report.html (self-contained), report.json or report.md (default: Markdown on stdout)",
    )
    p.add_argument("--start", help="ISO 8601 UTC start (default: the scenario's)")
    p.add_argument("--duration", help="seconds (default: the scenario's)")
    p.add_argument("--step", help="seconds between steps (default: the scenario's)")
    p.set_defaults(func=cmd_report, at=None)
    p = sub.add_parser("export", help="CZML for Cesium; the constellations' mean elements as TLE or OMM")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--czml", metavar="OUT.czml", help="satellites, nodes, links and routes over time")
    p.add_argument("--tle", metavar="OUT.tle", help="every satellite's mean elements as a 3-line TLE file")
    p.add_argument("--omm", metavar="OUT.json|.xml|.csv", help="the same as CCSDS OMM (form by suffix)")
    p.add_argument("--start", help="ISO 8601 UTC start (default: the scenario's)")
    p.add_argument("--duration", help="seconds (default: the scenario's)")
    p.add_argument("--step", help="seconds between link and route steps (default: the scenario's)")
    p.add_argument("--sample-step", help="seconds between CZML position samples (default 120)")
    p.add_argument("--frame", choices=("fixed", "inertial"), default="fixed", help="CZML satellite positions")
    p.add_argument("--links", default="isl,cross,ground", help="CZML link kinds: isl,cross,ground or none")
    p.set_defaults(func=cmd_export, at=None)

    p = sub.add_parser("gui", help="open the desktop app (the default)")
    p.add_argument("file", nargs="?", metavar="FILE")
    p.set_defaults(func=cmd_gui)
    return parser


COMMANDS = (
    "validate", "analyze", "schema", "gui", "record", "snapshot", "report", "export", "resilience",
    "-h", "--help",
)  # fmt: skip


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
    except LimitError as err:
        _eprint(_limit_problem(getattr(args, "file", ""), err))
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
    except Exception as err:  # last resort: one line instead of a traceback
        where = getattr(args, "file", None) or ""
        _eprint(f"sdn-desktop {args.command}: {where}: internal error: {type(err).__name__}: {err}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
