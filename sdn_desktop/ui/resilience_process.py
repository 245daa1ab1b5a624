"""Child process of the Resilience dock: ``python -m sdn_desktop.ui.resilience_process`` with a JSON job
(``scenario``, ``base_dir``, ``options``: the fields of ``ResilienceOptions``) on stdin.

The study runs here, out of the editor's interpreter lock. Prints ``PROGRESS done total`` lines, then
``RESULT {"chains": [...], "sections": {...}}`` (the records of ``ResilienceResult.to_records()``) or
``ERROR message``. It writes no file, so the parent cancels by killing it.
Exit status: 0 done, 1 error.
"""

from __future__ import annotations

import json
import sys

from ..analysis import ResilienceOptions, run_resilience
from ..engine import SatelliteSourceError
from ..scenario import ScenarioError, scenario_from_dict

EXIT_ERROR = 1


def options_from_json(fields: dict) -> ResilienceOptions:
    """``ResilienceOptions`` from its JSON form (lists back to tuples)."""
    times = fields.get("times")
    return ResilienceOptions(
        trials=fields["trials"],
        levels=tuple(fields["levels"]),
        mode=fields["mode"],
        seed=fields["seed"],
        times=None if times is None else tuple(times),
    )


def main() -> int:
    try:
        job = json.loads(sys.stdin.read())
        scenario = scenario_from_dict(job["scenario"])
        result = run_resilience(
            scenario,
            job["base_dir"],
            options_from_json(job["options"]),
            progress=lambda done, total: print(f"PROGRESS {done} {total}", flush=True),
        )
    except Exception as err:  # the process boundary: every failure becomes one line for the dock
        reason = " ".join(str(err).split()) or "no message"
        if not isinstance(err, ScenarioError | SatelliteSourceError | OSError):
            reason = f"internal error ({type(err).__name__}): {reason}"
        print(f"ERROR {reason}", flush=True)
        return EXIT_ERROR
    print("RESULT " + json.dumps({"chains": result.chains, "sections": result.to_records()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
