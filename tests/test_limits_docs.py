"""docs/scenario-format.md lists every limit of scenario/limits.py with its value, so they cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from sdn_desktop.scenario import limits

FORMAT_DOC = Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md"


def limit_rows() -> dict[str, str]:
    """The "Limits" section's table: constant name -> its value cell."""
    section = re.search(r"^## Limits\n(.*?)(?=^## )", FORMAT_DOC.read_text(), re.S | re.M)
    assert section, "docs/scenario-format.md has no '## Limits' section"
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section.group(1), re.M)
    return dict(rows)


def written(value) -> str:
    """A value as the section writes it: 50,000; 2,592,000; years 1950 to 2200."""
    if isinstance(value, tuple):
        return " to ".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}"


def test_every_limit_is_documented_with_its_value():
    public = {name: value for name, value in vars(limits).items() if re.fullmatch(r"[A-Z][A-Z0-9_]*", name)}
    rows = limit_rows()
    assert sorted(rows) == sorted(public)  # none missing, none left over
    for name, value in public.items():
        assert re.match(re.escape(written(value)) + r"(?![\d,])", rows[name]), (name, value, rows[name])
