"""Property: `validate` of any mutation of a shipped scenario exits 0 or 1, prints no traceback and no
internal error, names the file and the field in every error, ends within a time bound and holds a
bounded amount of memory.

The mutations know nothing of the format: they change whatever JSON the shipped files hold (so new
fields are fuzzed as they appear). `make test` runs a few examples; `make fuzz` many
(SDN_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import signal
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdn_desktop.cli import main
from sdn_desktop.scenario import Scenario
from sdn_desktop.scenario.values import printable

ROOT = Path(__file__).resolve().parent.parent
SEED_FILES = [*sorted((ROOT / "scenarios").glob("*.json")), ROOT / "tests" / "data" / "every_field.json"]
EXAMPLES = int(os.environ.get("SDN_FUZZ_EXAMPLES", "12"))
TIME_BOUND_S = 30
MEMORY_BOUND_BYTES = 512 * 2**20
HUGE = "__huge_integer__"  # replaced in the text: json.dumps cannot write integers of 5,000 digits

# what an error line may start with after "FILE: ": a field of the document, or a file-level reason
FILE_LEVEL = re.compile(
    r"(line \d+ column \d+: invalid JSON|the document |cannot read: |file not found|is .* not a regular file"
    r"|constellation '|\(top level\))"
)


@dataclass(frozen=True)
class Seed:
    path: Path
    document: Any


SEEDS = [Seed(p, json.loads(p.read_text())) for p in SEED_FILES]


def locations(doc: Any) -> list[tuple]:
    """Every location in a JSON document down to 80 levels, the root included."""
    out, stack = [], [((), doc)]
    while stack:
        loc, node = stack.pop()
        out.append(loc)
        if len(loc) < 80:
            items = node.items() if isinstance(node, dict) else enumerate(node) if type(node) is list else ()
            stack += [((*loc, key), value) for key, value in items]
    return out


def nasty_text():
    odd = st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp", "Co"])
    return st.one_of(
        st.text(max_size=12),
        st.text(st.one_of(odd, st.characters()), max_size=12),
        st.sampled_from(
            ["", "\x1b[2J", "a\x00b", "/dev/zero", "/dev/stdin", "../" * 30 + "etc/passwd", "x" * 200,
             "2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "sdn-scenario"]
        ),
    )  # fmt: skip


def nasty_values():
    scalars = st.one_of(
        st.integers(),
        st.sampled_from([0, -1, 1, 2, 2**31, 2**53 + 1, 2**63, -(2**63), 2**64, 10**30, HUGE]),
        st.floats(),  # NaN and infinities included: json.dumps writes them as NaN/Infinity
        st.sampled_from([1e-300, 1e300, 1e308, -0.0, 0.001, 86400.0 * 31]),
        st.booleans(),
        st.none(),
        nasty_text(),
    )
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        nasty_text(), inner, max_size=3), max_leaves=6)  # fmt: skip


def get(doc: Any, loc: tuple) -> Any:
    for key in loc:
        doc = doc[key]
    return doc


@st.composite
def mutated_document(draw, seed: Seed) -> Any:
    doc = copy.deepcopy(seed.document)
    for _ in range(draw(st.integers(1, 4))):
        loc = draw(st.sampled_from(locations(doc)))
        value = get(doc, loc)
        kind = draw(st.sampled_from(["replace", "delete", "repeat", "nest", "scale", "add key"]))
        if kind == "replace" or not loc:
            new = draw(nasty_values())
        elif kind == "delete":
            parent = get(doc, loc[:-1])
            del parent[loc[-1]]
            continue
        elif kind == "repeat" and isinstance(value, list) and value:
            new = value * draw(st.sampled_from([2, 50, 1500]))
        elif kind == "nest":
            new = value
            for _ in range(draw(st.sampled_from([2, 70]))):
                new = [new]
        elif kind == "scale" and isinstance(value, int | float) and not isinstance(value, bool):
            new = value * draw(st.sampled_from([-1, 0, 10**6, 1e12, 0.5]))
        elif kind == "add key" and isinstance(value, dict):
            value[draw(nasty_text())] = draw(nasty_values())
            continue
        else:
            new = draw(nasty_values())
        if loc:
            get(doc, loc[:-1])[loc[-1]] = new
        else:
            doc = new
    return doc


@st.composite
def mutated_text(draw) -> tuple[Seed, bytes]:
    seed = draw(st.sampled_from(SEEDS))
    doc = draw(mutated_document(seed))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans())).replace(f'"{HUGE}"', "9" * 5000)
    edit = draw(st.sampled_from(["none", "truncate", "duplicate key", "deep", "deep here"]))
    if edit == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif edit == "deep":  # json.dumps cannot write 10,000 levels: nest by hand
        text = "[" * 10_000 + text + "]" * 10_000
    elif edit == "deep here":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + "[" * 10_000 + text[at:]
    elif edit == "duplicate key" and (keys := list(re.finditer(r'"(\w+)": ', text))):
        at = draw(st.sampled_from(keys))
        text = f"{text[: at.start()]}{at.group()}null, {text[at.start() :]}"
    return seed, text.encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[Path, Path]:
    """A scratch folder per seed folder, with links to what the seeds refer to (TLE files)."""
    out = {}
    for seed in SEEDS:
        parent = seed.path.parent
        if parent not in out:
            out[parent] = tmp_path_factory.mktemp("fuzz")
            for entry in parent.iterdir():
                (out[parent] / entry.name).symlink_to(entry)
    return out


class Overtime(BaseException):
    """Raised by the alarm: not an Exception, so no handler of the code under test swallows it."""


def validate(path: Path) -> tuple[int, str, str, int]:
    """Exit status, stdout, stderr and the peak of traced memory of `sdn-desktop validate path`."""

    def overtime(signum, frame):
        raise Overtime(f"validate took longer than {TIME_BOUND_S} s")

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, overtime)
    signal.alarm(TIME_BOUND_S)
    tracemalloc.start()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(path)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue(), peak


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(case=mutated_text())
def test_validate_survives_any_mutation(folders, case):
    seed, data = case
    path = folders[seed.path.parent] / "mutant.json"
    path.write_bytes(data)
    code, out, err, peak = validate(path)
    assert code in (0, 1), (code, out, err)
    assert "Traceback" not in out + err and "internal error" not in out + err, out + err
    assert err == "", err
    assert peak < MEMORY_BOUND_BYTES, f"{peak / 2**20:.0f} MiB traced"
    keys = {*Scenario.model_fields, *_top_keys(data)}
    fields = tuple(printable(k) + end for k in keys for end in (":", ".", "[", " '"))
    lines = out.splitlines()
    assert lines and all(line.isprintable() for line in lines), lines
    for line in lines:
        assert line.startswith(f"{path}: "), line
        said = line.removeprefix(f"{path}: ")
        if said.startswith(("ok (", "warning: ")):
            continue
        assert said.startswith(fields) or FILE_LEVEL.match(said), f"names no field: {line}"
    assert (code == 0) == any(": ok (" in line for line in lines)


def _top_keys(data: bytes) -> set[str]:
    """Top-level keys of the mutant (an unknown field is named as it was written)."""
    try:
        doc = json.loads(data.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return set()
    return set(doc) if isinstance(doc, dict) else set()
