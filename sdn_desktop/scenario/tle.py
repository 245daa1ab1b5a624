"""Read Celestrak TLE files (3-line or 2-line, LF or CRLF) with a report of what was skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .files import OverLimitFile, read_limited
from .limits import MAX_SATELLITES, MAX_TLE_BYTES
from .values import printable


@dataclass(frozen=True)
class TleRecord:
    name: str
    line1: str
    line2: str
    line_number: int  # 1-based line of line 1 in the file

    @property
    def catalog_number(self) -> str:
        return self.line1[2:7].strip()


@dataclass
class TleFile:
    path: Path
    records: list[TleRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one human-readable reason per skipped entry


def tle_checksum(line: str) -> int:
    return sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10


def _line_problem(line: str, number: str) -> str | None:
    if len(line) < 69:
        return f"line {number} is {len(line)} characters long, expected 69"
    if not line[68].isdigit():
        return f"line {number} has no checksum digit"
    expected = tle_checksum(line)
    if int(line[68]) != expected:
        return f"line {number} checksum is {line[68]}, computed {expected}"
    return None


def read_tle_file(path: str | Path) -> TleFile:
    """Parse ``path``; raises OSError if it cannot be read (:class:`UnreadableFile` with a one-line
    reason for a FIFO or a device; :class:`OverLimitFile` for a file over ``MAX_TLE_BYTES`` or over
    ``MAX_SATELLITES`` entries), never on bad content."""
    path = Path(path)
    raw = read_limited(path, MAX_TLE_BYTES, "TLE files").decode("utf-8", errors="replace")
    lines = [ln.rstrip() for ln in raw.splitlines()]
    result = TleFile(path)
    seen: set[str] = set()
    pending: tuple[str, int] | None = None  # a name line waiting for its element lines

    def skip(number: int, name: str | None, why: str) -> None:
        label = f"'{name}'" if name else "entry"
        result.skipped.append(f"{path.name}:{number}: {label}: {why}")

    i = 0
    while i < len(lines):
        line, number = lines[i], i + 1
        i += 1
        if not line.strip():
            continue
        if line.startswith("1 ") and i < len(lines) and lines[i].startswith("2 "):
            line1, line2 = line, lines[i]
            i += 1
            name = pending[0] if pending else f"NORAD {line1[2:7].strip()}"
            pending = None
            problem = _line_problem(line1, "1") or _line_problem(line2, "2")
            if problem is None and line1[2:7] != line2[2:7]:
                problem = "lines 1 and 2 carry different catalogue numbers"
            if problem:
                skip(number, name, problem)
                continue
            if name in seen:
                name = f"{name} ({line1[2:7].strip()})"
            seen.add(name)
            result.records.append(TleRecord(name, line1, line2, number))
            if len(result.records) > MAX_SATELLITES:
                raise OverLimitFile(f"holds more than the limit of {MAX_SATELLITES:,} satellites")
        elif line.startswith(("1 ", "2 ")):
            skip(number, pending[0] if pending else None, f"line {line[0]} without its partner line")
            pending = None
        else:
            if pending:
                skip(pending[1], pending[0], "name without TLE lines")
            pending = (printable(line.strip().removeprefix("0 ").strip()), number)  # no terminal escapes
    if pending:
        skip(pending[1], pending[0], "name without TLE lines")
    return result
