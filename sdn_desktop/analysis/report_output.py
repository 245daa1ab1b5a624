"""A :class:`Report` as text: one self-contained HTML file (pictures as data: URIs), JSON or Markdown."""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import jinja2

from .report import Report
from .report_figures import ReportFigures

FORMATS = {".html": "html", ".htm": "html", ".json": "json", ".md": "md"}


def report_format(path: str | os.PathLike) -> str:
    """ "html", "json" or "md" from the file name; ValueError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unknown report format '{suffix or Path(path).name}': use .html, .json or .md")
    return FORMATS[suffix]


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=1) + "\n"


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100.0 * value:.2f} %"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{seconds:.1f} s"


def _environment(report: Report, autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sdn_desktop.analysis", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    start = datetime.fromisoformat(report.scenario.start_utc.replace("Z", "+00:00"))
    env.filters["utc"] = lambda s: (start + timedelta(seconds=s)).strftime("%H:%M:%S")
    env.filters["number"] = _number
    env.filters["share"] = _share
    env.filters["duration"] = _duration
    env.filters["cell"] = lambda text: str(text).replace("|", "\\|")
    return env


def render_markdown(report: Report) -> str:
    return _environment(report, autoescape=False).get_template("report.md.j2").render(r=report)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(report: Report, figures: ReportFigures) -> str:
    """One HTML file with every picture embedded; it prints one chain per page."""
    pictures = {
        "latency": _data_uri(figures.latency),
        "availability": _data_uri(figures.availability),
        "map": _data_uri(figures.map),
        "chain_latency": {k: _data_uri(v) for k, v in figures.chain_latency.items()},
        "chain_availability": {k: _data_uri(v) for k, v in figures.chain_availability.items()},
    }
    template = _environment(report, autoescape=True).get_template("report.html.j2")
    return template.render(r=report, pictures=pictures)
