"""How much work a scenario may ask for, checked before anything is allocated.

Every check raises :class:`LimitError` with a message that says how big the request is and which
limit applies. The figures, and why:

- satellites: 50,000 in all (and so in one shell). SGP4 catalogue numbers stop at 339,999; 50,000 is
  ten times the largest shell flown today and keeps one propagated batch (``BATCH_STEPS`` = 32 steps
  of every satellite: positions, errors, activity, about 1 KB a satellite) near 50 MB.
- node-satellite pairs per step: 10,000,000 (the visibility test holds one float per pair, about 250 MB
  with its temporaries); nodes: 1,000; chains: 1,000.
- steps per analysis: 1,000,000 (30 days at 2.6 s); route results (chain legs x steps): 1,000,000, since
  ``analyze`` holds about 1.6 KB per result (measured) - 1.6 GB at the limit.
- start: years 1950 to 2200. SGP4 counts days from 1949-12-31, and Python's dates end in year 9999.
- files: scenarios up to 16 MiB, TLE files up to 32 MiB (50,000 three-line entries are 8 MB);
  JSON nested at most 64 levels (scenarios use 6).
"""

from __future__ import annotations

import math

MAX_SATELLITES = 50_000
MAX_NODES = 1_000
MAX_CHAINS = 1_000
MAX_NODE_SATELLITE_PAIRS = 10_000_000
MAX_STEPS = 1_000_000
MAX_ROUTE_RESULTS = 1_000_000
MAX_DURATION_S = 30 * 86400.0
START_YEARS = (1950, 2200)
MAX_SCENARIO_BYTES = 16 * 2**20
MAX_TLE_BYTES = 32 * 2**20
MAX_JSON_DEPTH = 64
MAX_EXACT_INTEGER = 2**53  # the largest integer every JSON reader keeps exactly


class LimitError(ValueError):
    """A request larger than a limit; the message names both, ``loc`` the scenario field to change."""

    def __init__(self, message: str, loc: tuple = ()):
        super().__init__(message)
        self.loc = loc


def _over(count: int, limit: int, unit: str, hint: str = "", loc: tuple = ()) -> LimitError:
    return LimitError(f"{count:,} {unit} exceed the limit of {limit:,} {unit}{hint}", loc)


def step_count(duration_s: float, step_s: float) -> int:
    """Instants in a window (both ends), as the engine's ``default_times`` counts them."""
    return math.floor(duration_s / step_s + 1e-9) + 1


def check_steps(steps: int) -> None:
    if steps > MAX_STEPS:
        hint = " per analysis; raise step_s or shorten duration_s"
        raise _over(steps, MAX_STEPS, "steps", hint, ("time", "step_s"))


def check_window(duration_s: float, step_s: float) -> None:
    check_steps(step_count(duration_s, step_s))


def check_start_year(year: int) -> None:
    low, high = START_YEARS
    if not low <= year <= high:
        raise LimitError(f"year {year} is outside the supported years {low} to {high}")


def check_shell(planes: int, per_plane: int) -> None:
    if planes * per_plane > MAX_SATELLITES:
        raise LimitError(
            f"{planes:,} planes x {per_plane:,} satellites = {planes * per_plane:,} satellites exceed "
            f"the limit of {MAX_SATELLITES:,} satellites"
        )


def check_count(field: str, count: int) -> None:
    """Nodes or chains in one scenario (checked on the raw document, before any is built)."""
    limit = {"nodes": MAX_NODES, "chains": MAX_CHAINS}[field]
    if count > limit:
        raise _over(count, limit, field, " per scenario", (field,))


def check_work(
    satellites: int, nodes: int, legs: int, steps: int, read_from: tuple[tuple, str, int] | None = None
) -> None:
    """What one analysis holds: satellites, node-satellite pairs per step, route results.
    ``read_from`` is (field, file, satellites) of the largest TLE or OMM file among the satellites:
    a satellite limit it takes part in is reported at that field, naming the file."""
    if read_from is None:
        sats_loc, pairs_loc, from_file = ("constellations",), ("nodes",), ""
    else:
        sats_loc = pairs_loc = read_from[0]
        from_file = f"; {read_from[2]:,} of the satellites are read from {read_from[1]}"
    if satellites > MAX_SATELLITES:
        raise _over(satellites, MAX_SATELLITES, "satellites", " per scenario" + from_file, sats_loc)
    if satellites * nodes > MAX_NODE_SATELLITE_PAIRS:
        raise LimitError(
            f"{nodes:,} nodes x {satellites:,} satellites = {satellites * nodes:,} node-satellite pairs "
            f"per step exceed the limit of {MAX_NODE_SATELLITE_PAIRS:,}{from_file}",
            pairs_loc,
        )
    check_steps(steps)
    if legs * steps > MAX_ROUTE_RESULTS:
        raise LimitError(
            f"{legs:,} chain legs x {steps:,} steps = {legs * steps:,} route results exceed the limit of "
            f"{MAX_ROUTE_RESULTS:,}; raise step_s, shorten duration_s or split the chains",
            ("chains",),
        )
