"""Child process of the Record dialog: ``python -m sdn_desktop.ui.record_process`` with a JSON job on stdin.

Drawing and encoding run here, so the editor stays responsive. Prints ``PROGRESS done total`` lines,
then ``DONE frames`` or ``ERROR message``. SIGTERM cancels cleanly (the recorder leaves no file).
Exit status: 0 done, 1 error, 3 cancelled.
"""

from __future__ import annotations

import json
import signal
import sys

from ..recording import RecordingCancelled, RecordingError, record
from ..scenario import ScenarioError, scenario_from_dict

EXIT_ERROR = 1
EXIT_CANCELLED = 3


def main() -> int:
    job = json.loads(sys.stdin.read())
    stop = {"requested": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(requested=True))
    try:
        scenario = scenario_from_dict(job.pop("scenario"))
        result = record(
            scenario,
            progress=lambda done, total: print(f"PROGRESS {done} {total}", flush=True),
            cancelled=lambda: stop["requested"],
            **job,
        )
    except RecordingCancelled:
        return EXIT_CANCELLED
    except (RecordingError, ScenarioError, OSError) as err:
        print(f"ERROR {err}", flush=True)
        return EXIT_ERROR
    print(f"DONE {result.frames}", flush=True)
    for warning in result.warnings:
        print(f"WARNING {warning}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
