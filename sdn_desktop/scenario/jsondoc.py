"""Strict JSON for scenario files: what Python's ``json`` lets through and a scenario must not hold.

Refused, each at the field it is in: ``NaN``/``Infinity`` and numbers too large for a float
(``1e999``), integers of more than ``MAX_INTEGER_CHARS`` characters (Python refuses to convert those
above 4,300 digits, and no field needs them), duplicate keys, and nesting deeper than
``MAX_JSON_DEPTH`` levels.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from .limits import MAX_JSON_DEPTH

MAX_INTEGER_CHARS = 40  # a sign and 39 digits: beyond any field's range, far below Python's 4,300

TOO_DEEP = f"the document is nested more than {MAX_JSON_DEPTH} levels deep"

Loc = tuple[str | int, ...] | None


class DocumentError(Exception):
    """The text is not a usable JSON document; ``problems`` are (field location, message) pairs (the
    location None for the document as a whole), ``document`` what was parsed (None if not JSON)."""

    def __init__(self, problems: list[tuple[Loc, str]], document: Any = None):
        self.problems = problems
        self.document = document
        super().__init__("; ".join(message for _, message in problems))


@dataclass(frozen=True)
class _Refused:
    """A value the parser met and the walk reports at its field."""

    message: str


class _DuplicateKeys(dict):
    """An object in which some keys appear more than once (the last value is kept until reported)."""

    duplicates: list[str]


class _Hooks:
    """The parser's hooks; ``flagged`` tells whether any met something to report."""

    def __init__(self):
        self.flagged = False

    def refuse(self, message: str) -> _Refused:
        self.flagged = True
        return _Refused(message)

    def number(self, text: str) -> float | _Refused:
        value = float(text)
        return value if math.isfinite(value) else self.refuse(f"{text} is too large for a number")

    def integer(self, text: str) -> int | _Refused:
        if len(text) > MAX_INTEGER_CHARS:
            return self.refuse(f"an integer of {len(text.lstrip('-')):,} digits is out of range")
        return int(text)

    def constant(self, text: str) -> _Refused:
        return self.refuse(f"{text} is not a number JSON allows; give a finite number")

    def object(self, pairs: list[tuple[str, Any]]) -> dict:
        out = dict(pairs)
        if len(out) == len(pairs):
            return out
        self.flagged = True
        out = _DuplicateKeys(out)
        seen: set[str] = set()
        out.duplicates = [k for k, _ in pairs if k in seen or seen.add(k)]
        return out


def _too_deep(document: Any) -> bool:
    """True if containers nest more than ``MAX_JSON_DEPTH`` levels (only containers are visited)."""
    stack = [(document, 0)] if isinstance(document, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth >= MAX_JSON_DEPTH:
            return True
        values = node.values() if isinstance(node, dict) else node
        stack += [(v, depth + 1) for v in values if isinstance(v, dict | list)]
    return False


def _problems(document: Any) -> list[tuple[Loc, str]]:
    """Where the refused values and duplicate keys are (and excess depth), found without recursion."""
    problems: list[tuple[Loc, str]] = []
    stack: list[tuple[Loc, Any]] = [((), document)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, _Refused):
            problems.append((loc, node.message))
        elif isinstance(node, dict | list):
            if len(loc) >= MAX_JSON_DEPTH:
                problems.append((None, TOO_DEEP))
                break
            if isinstance(node, _DuplicateKeys):
                problems += [(loc, f"duplicate key '{key}'") for key in dict.fromkeys(node.duplicates)]
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack += [((*loc, key), value) for key, value in reversed(list(items))]
    return problems


def parse_document(text: str) -> Any:
    """The JSON value of ``text``; raises :class:`DocumentError` naming what is wrong and where."""
    hooks = _Hooks()
    try:
        document = json.loads(
            text,
            parse_float=hooks.number,
            parse_int=hooks.integer,
            parse_constant=hooks.constant,
            object_pairs_hook=hooks.object,
        )
    except json.JSONDecodeError as err:
        problem = f"line {err.lineno} column {err.colno}: invalid JSON: {err.msg}"
        raise DocumentError([(None, problem)]) from None
    except RecursionError:
        raise DocumentError([(None, TOO_DEEP)]) from None
    if hooks.flagged and (problems := _problems(document)):
        raise DocumentError(problems, document)
    if _too_deep(document):
        raise DocumentError([(None, TOO_DEEP)], document)
    return document
