"""Load, validate, migrate and atomically save scenario files."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .files import UnreadableFile, atomic_write_text, read_limited
from .jsondoc import DocumentError, parse_document
from .limits import MAX_SCENARIO_BYTES
from .model import EVENT_KINDS, FORMAT_NAME, FORMAT_VERSION, FieldProblem, Scenario
from .values import printable


class ScenarioError(Exception):
    """A scenario that cannot be used; the message names the file and the field."""

    def __init__(self, source: str | os.PathLike, problems: list[str]):
        self.source = printable(str(source))
        self.problems = [printable(p) for p in problems]  # never a terminal escape or lone surrogate
        super().__init__("\n".join(f"{self.source}: {p}" for p in self.problems))


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added threats, events and what sensors see; a v1 document is a v2 one whose sensors
    see what the defaults say (field_of_regard 55 deg / 4000 km, detection 3 deg / 4800 km)."""
    return {**doc, "version": 2}


# version -> function turning a document of that version into one of version + 1
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def field_path(loc: tuple) -> str:
    """A field's location as ``constellations[2].source.planes`` (pydantic's union tags left out)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif (part in ("walker", "tle", "omm") and out.endswith("source")) or (
            part in EVENT_KINDS and out.startswith("events[") and out.endswith("]")
        ):
            continue  # the union tag pydantic adds
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def named_path(loc: tuple, data: Any) -> str:
    """Like ``constellations[2].source.planes`` but with the object's name: ``constellations[2] 'Kuiper'``."""
    path = field_path(loc)
    node = data
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and isinstance(node, dict) and isinstance(node.get("name"), str):
            prefix = field_path(loc[: i + 1])
            return path.replace(prefix, f"{prefix} '{node['name']}'", 1)
    return path


def format_validation_error(err: ValidationError, data: Any) -> list[str]:
    problems = []
    for e in err.errors():
        msg = e["msg"].removeprefix("Value error, ")
        problem = e.get("ctx", {}).get("error")
        if isinstance(problem, FieldProblem):
            e = {**e, "loc": e["loc"] + problem.loc}
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] == "missing":
            msg = "required field is missing"
        problems.append(f"{named_path(e['loc'], data)}: {msg}")
    return problems


def scenario_from_dict(data: Any, source: str | os.PathLike = "<scenario>") -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(source, ["the document is not a JSON object"])
    if data.get("format") != FORMAT_NAME:
        raise ScenarioError(source, [f"format: expected '{FORMAT_NAME}', found {data.get('format')!r}"])
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ScenarioError(source, [f"version: expected a positive integer, found {version!r}"])
    if version > FORMAT_VERSION:
        raise ScenarioError(
            source,
            [
                f"version: the file is format version {version}, written by a newer SDN Desktop; "
                f"this one reads versions up to {FORMAT_VERSION}"
            ],
        )
    while version < FORMAT_VERSION:
        data = MIGRATIONS[version](data)
        version = data["version"]
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(source, format_validation_error(err, data)) from None


def load_scenario(path: str | os.PathLike) -> Scenario:
    path = Path(path)
    try:
        text = read_limited(path, MAX_SCENARIO_BYTES, "scenario files").decode("utf-8")
    except UnreadableFile as err:
        raise ScenarioError(path, [str(err)]) from None
    except UnicodeDecodeError as err:
        raise ScenarioError(path, [f"cannot read: {err}"]) from None
    try:
        data = parse_document(text)
    except DocumentError as err:
        problems = [m if loc is None else f"{named_path(loc, err.document)}: {m}" for loc, m in err.problems]
        raise ScenarioError(path, problems) from None
    return scenario_from_dict(data, path)


def scenario_to_json(scenario: Scenario) -> str:
    """The canonical text of a scenario: stable key order, 2-space indent, trailing newline."""
    data = scenario.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"  # never NaN/Infinity


def save_scenario(scenario: Scenario, path: str | os.PathLike) -> None:
    atomic_write_text(path, scenario_to_json(scenario))


def json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "SDN Desktop scenario"
    return schema
