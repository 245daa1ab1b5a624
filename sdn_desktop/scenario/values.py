"""Values no field accepts, and text that is safe to save and to print.

A number field takes a number, not ``true`` (Python's bool is an int); integers stay within ±2**53,
the range every JSON reader keeps exactly; text holds no lone surrogate (it cannot be saved as UTF-8);
names hold only printable characters and paths no control characters.
"""

from __future__ import annotations

import functools
import re
import typing
from typing import Any

from pydantic import AfterValidator

from .limits import MAX_EXACT_INTEGER

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every character a terminal would not show as itself (control codes, escape
    sequences, lone surrogates, format characters) written as a Python escape such as ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(char: str) -> str:
    return char.encode("unicode_escape", "backslashreplace").decode("ascii")


def _first(pattern: re.Pattern, text: str) -> str | None:
    match = pattern.search(text)
    return None if match is None else printable(match.group())


def storable_text(text: str) -> str:
    """``text`` if it can be saved as UTF-8; a lone surrogate (from a ``\\udXXX`` escape) cannot."""
    if (bad := _first(_LONE_SURROGATE, text)) is not None:
        raise ValueError(f"holds a lone surrogate ({bad}), which cannot be saved as UTF-8")
    return text


def plain_name(text: str) -> str:
    """A name shown in lists and printed to terminals: printable characters only."""
    storable_text(text)
    bad = next((c for c in text if not c.isprintable()), None)
    if bad is not None:
        raise ValueError(f"holds the non-printable character {printable(bad)}; names must be printable")
    return text


def plain_path(text: str) -> str:
    """A file path: no NUL or other control characters (no file system would find it)."""
    storable_text(text)
    if (bad := _first(_CONTROL, text)) is not None:
        raise ValueError(f"holds the control character {bad}; a path cannot contain control characters")
    return text


NAME_CHECK = AfterValidator(plain_name)
PATH_CHECK = AfterValidator(plain_path)


@functools.cache
def is_numeric(annotation: Any) -> bool:
    """True if a field of this type holds numbers (``float``, ``int | None``, ``list[float]`` ...)."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) is typing.Literal:
        return False
    return any(is_numeric(arg) for arg in typing.get_args(annotation) if arg is not bool)


def plain_value(value: Any, numeric: bool) -> Any:
    """``value`` unless it is one no field accepts; lists and tuples are checked item by item."""
    if isinstance(value, bool):
        if numeric:
            raise ValueError(f"expected a number, found {str(value).lower()}")
    elif isinstance(value, int):
        if abs(value) > MAX_EXACT_INTEGER:
            shown = str(value) if value.bit_length() < 128 else f"an integer of {value.bit_length():,} bits"
            raise ValueError(f"{shown} is out of range (at most 2**53 = {MAX_EXACT_INTEGER:,} in size)")
    elif isinstance(value, str):
        storable_text(value)
    elif isinstance(value, list | tuple):
        for item in value:
            plain_value(item, numeric)
    return value
