"""Scenario files: canonical round trips, atomic saves, the JSON Schema, format versions and migrations."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from sdn_desktop.cli import main
from sdn_desktop.scenario import (
    ScenarioError,
    load_scenario,
    save_scenario,
    scenario_from_dict,
    scenario_to_json,
)
from sdn_desktop.scenario import io as scenario_io
from sdn_desktop.scenario.model import Scenario

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.json"))
EVERY_FIELD = Path(__file__).parent / "data" / "every_field.json"


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    """The schema as ``sdn-desktop schema -o FILE`` writes it."""
    path = tmp_path_factory.mktemp("schema") / "scenario.schema.json"
    assert main(["schema", "-o", str(path)]) == 0
    return json.loads(path.read_text())


def test_scenarios_are_shipped():
    assert {p.name for p in SHIPPED} >= {
        "hypatia_kuiper630.json",
        "sdn_backbone_demo.json",
        "iridium_next_real_tle.json",
    }


@pytest.mark.parametrize("path", [*SHIPPED, EVERY_FIELD], ids=lambda p: p.name)
def test_load_save_load_is_stable(path, tmp_path):
    first = load_scenario(path)
    copy = tmp_path / path.name
    save_scenario(first, copy)
    second = load_scenario(copy)
    assert second == first
    again = tmp_path / "again.json"
    save_scenario(second, again)
    assert again.read_bytes() == copy.read_bytes()
    assert copy.read_bytes().endswith(b"}\n") and b"\r" not in copy.read_bytes()


def test_every_field_fixture_is_canonical():
    """The fixture is saved text: loading and saving it again changes no byte."""
    assert scenario_to_json(load_scenario(EVERY_FIELD)).encode() == EVERY_FIELD.read_bytes()


def schema_properties(schema: dict) -> dict[str, set[str]]:
    """Object name -> property names, for the top level and every definition."""
    out = {"Scenario": set(schema["properties"])}
    out.update({name: set(d.get("properties", {})) for name, d in schema["$defs"].items()})
    return out


def keys_used(doc, defs: dict[str, set[str]]) -> dict[str, set[str]]:
    """Which properties of which object each dict of ``doc`` uses (matched by its set of keys)."""
    used: dict[str, set[str]] = {name: set() for name in defs}

    def walk(value):
        if isinstance(value, dict):
            for name, props in defs.items():
                if set(value) <= props and set(value) & props:
                    used[name] |= set(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(doc)
    return used


def test_every_field_fixture_covers_the_schema(schema):
    """A field added to the model must be added to tests/data/every_field.json too."""
    defs = schema_properties(schema)
    used = keys_used(json.loads(EVERY_FIELD.read_text()), defs)
    missing = {name: sorted(props - used[name]) for name, props in defs.items() if props - used[name]}
    assert not missing


# ------------------------------------------------------------------ atomic save
@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_save_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch, failing):
    target = tmp_path / "scenario.json"
    scenario = load_scenario(SHIPPED[0])
    save_scenario(scenario, target)
    before = target.read_bytes()
    changed = scenario.model_copy(update={"name": "changed"})

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError, match="No space left"):
        save_scenario(changed, target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.json"]


def test_save_replaces_the_file(tmp_path):
    target = tmp_path / "scenario.json"
    target.write_text("old and longer than the new content would ever be " * 1000)
    scenario = load_scenario(EVERY_FIELD)
    save_scenario(scenario, target)
    assert target.read_bytes() == EVERY_FIELD.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.json"]


# ------------------------------------------------------------------ JSON Schema
def check(value, schema: dict, root: dict, where: str = "$") -> list[str]:
    """A small JSON Schema checker for the keywords pydantic emits (used when jsonschema is absent)."""
    if "$ref" in schema:
        return check(value, root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root, where)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            passing = [s for s in schema[key] if not check(value, s, root, where)]
            if not passing or (key == "oneOf" and len(passing) > 1):
                return [f"{where}: matches {len(passing)} of {key}"]
    kinds = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    kind = schema.get("type")
    if kind in kinds and not isinstance(value, kinds[kind]):
        return [f"{where}: not {kind}"]
    if kind in ("number", "integer") and (isinstance(value, bool) or not isinstance(value, int | float)):
        return [f"{where}: not {kind}"]
    if kind == "integer" and not float(value).is_integer():
        return [f"{where}: not integer"]
    problems = []
    if "const" in schema and value != schema["const"]:
        problems.append(f"{where}: not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: not one of {schema['enum']}")
    for key, fails in (
        ("minimum", lambda v, b: v < b),
        ("maximum", lambda v, b: v > b),
        ("exclusiveMinimum", lambda v, b: v <= b),
        ("exclusiveMaximum", lambda v, b: v >= b),
        ("minLength", lambda v, b: len(v) < b),
        ("maxLength", lambda v, b: len(v) > b),
        ("minItems", lambda v, b: len(v) < b),
        ("maxItems", lambda v, b: len(v) > b),
        ("pattern", lambda v, b: not re.search(b, v)),
    ):
        if key in schema and fails(value, schema[key]):
            problems.append(f"{where}: fails {key} {schema[key]}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        problems += [f"{where}.{k}: required" for k in schema.get("required", []) if k not in value]
        if schema.get("additionalProperties") is False:
            problems += [f"{where}.{k}: not allowed" for k in value if k not in props]
        for k, v in value.items():
            if k in props:
                problems += check(v, props[k], root, f"{where}.{k}")
    if isinstance(value, list):
        fixed = schema.get("prefixItems", [])
        for i, v in enumerate(value):
            sub = fixed[i] if i < len(fixed) else schema.get("items")
            if isinstance(sub, dict):
                problems += check(v, sub, root, f"{where}[{i}]")
    return problems


def test_cli_schema_is_valid_json(capsys, tmp_path):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["$schema"].endswith("2020-12/schema")
    assert printed["title"] == "SDN Desktop scenario"
    assert {"time", "constellations", "nodes", "chains"} <= set(printed["properties"])
    out = tmp_path / "schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == printed


@pytest.mark.parametrize("path", [*SHIPPED, EVERY_FIELD], ids=lambda p: p.name)
def test_schema_accepts_the_shipped_scenarios(path, schema):
    doc = json.loads(path.read_text())
    assert check(doc, schema, schema) == []
    try:
        import jsonschema
    except ImportError:
        return
    jsonschema.Draft202012Validator(schema).validate(doc)


def test_schema_checker_has_teeth(schema):
    doc = json.loads(EVERY_FIELD.read_text())
    doc["constellations"][0]["colour"] = "#ffffff"
    doc["nodes"][0]["position"]["lat_deg"] = 91
    doc["time"].pop("start")
    problems = check(doc, schema, schema)
    assert any("colour: not allowed" in p for p in problems)
    assert "$.nodes[0].position: matches 0 of anyOf" in problems  # latitude above its maximum
    assert any("time.start: required" in p for p in problems)


# ------------------------------------------------------------------ format versions
def minimal(**changes) -> dict:
    doc = {"format": "sdn-scenario", "version": 1, "time": {"start": "2026-01-01T00:00:00Z"}}
    doc.update(changes)
    return doc


def test_newer_version_is_refused_with_a_clear_message():
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(minimal(version=3), "future.json")
    assert str(err.value) == (
        "future.json: version: the file is format version 3, written by a newer SDN Desktop; "
        "this one reads versions up to 2"
    )


@pytest.mark.parametrize("version", [0, -1, "1", 1.5, True, None])
def test_bad_version_is_refused(version):
    with pytest.raises(ScenarioError, match=r"bad\.json: version: expected a positive integer"):
        scenario_from_dict(minimal(version=version), "bad.json")


def test_wrong_format_is_refused():
    with pytest.raises(ScenarioError, match=r"x\.json: format: expected 'sdn-scenario', found 'kml'"):
        scenario_from_dict(minimal(format="kml"), "x.json")


def test_older_version_goes_through_the_migration_hooks(monkeypatch, tmp_path):
    """Pretend the current format is 3: a version-1 file is migrated by MIGRATIONS[1], then [2]."""
    calls = []

    def two_to_three(doc: dict) -> dict:
        calls.append(doc["version"])
        return {**doc, "version": 3, "name": doc.pop("name") + " (migrated)"}

    class ScenarioV3(Scenario):
        version: int = 3

    monkeypatch.setattr(scenario_io, "FORMAT_VERSION", 3)
    monkeypatch.setattr(scenario_io, "Scenario", ScenarioV3)
    monkeypatch.setitem(scenario_io.MIGRATIONS, 2, two_to_three)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(minimal(name="Old")))
    scenario = load_scenario(path)
    assert calls == [2]
    assert scenario.version == 3 and scenario.name == "Old (migrated)"


def test_version_1_sensors_get_the_documented_default_view(tmp_path):
    """v1 had no fields of regard: its sensors see what the documented defaults say (a 55 deg, 4000 km
    cone; a 3 deg, 4800 km volume all around); it is saved as v2 with them spelled out."""
    shell = {
        "kind": "walker", "planes": 2, "sats_per_plane": 3, "inclination_deg": 80.0, "altitude_km": 1000.0
    }  # fmt: skip
    doc = minimal(
        constellations=[{"name": "Tracking", "sensor": True, "source": shell}],
        nodes=[
            {"name": "Radar", "role": "sensor", "position": {"lat_deg": 1.0, "lon_deg": 2.0}},
            {"name": "Ship", "role": "shooter", "position": {"lat_deg": 3.0, "lon_deg": 4.0}},
        ],
        chains=[{"name": "Track", "nodes": ["Tracking", "Ship"]}],
    )
    original = json.dumps(doc)
    scenario = scenario_from_dict(doc, "v1.json")
    assert json.dumps(doc) == original and scenario.version == 2
    cone = scenario.constellations[0].field_of_regard
    assert (cone.half_angle_deg, cone.max_range_km) == (55.0, 4000.0)
    radar = scenario.nodes[0].detection
    assert (radar.min_elevation_deg, radar.max_range_km, radar.azimuth_from_deg) == (3.0, 4800.0, None)
    save_scenario(scenario, tmp_path / "v2.json")
    saved = json.loads((tmp_path / "v2.json").read_text())
    assert saved["version"] == 2 and saved["threats"] == [] and saved["events"] == []
    assert saved["constellations"][0]["field_of_regard"] == {"half_angle_deg": 55.0, "max_range_km": 4000.0}
    assert load_scenario(tmp_path / "v2.json") == scenario
