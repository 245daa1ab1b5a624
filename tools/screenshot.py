"""Save a PNG of the whole SDN Desktop window on the demo scenario, once the first results are in.

Usage (needs an X server; ``make screenshot`` does this)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tools/screenshot.py OUT.png [--time SECONDS]

The default time shows the contested story of the demo: the glide vehicle in the tracking layer's
custody, the jammer over Alaska on.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdn_desktop.render.geometry import turntable_angles  # noqa: E402
from sdn_desktop.render.state import CameraPose  # noqa: E402
from sdn_desktop.resources import DEFAULT_SCENARIO  # noqa: E402
from sdn_desktop.ui.app import create_app  # noqa: E402
from sdn_desktop.ui.main_window import MainWindow  # noqa: E402

TIMEOUT_MS = 120_000
CAMERA = CameraPose(*turntable_angles(38.0, -165.0))  # over the North Pacific: the threat, Alaska, the US
SHOW_TIME_S = 1700.0  # the glide vehicle in custody and the jammer on (see the demo's events)


def main(out: Path, show_time_s: float = SHOW_TIME_S) -> int:
    app = create_app()
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "screenshot.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)  # default layout, not the user's saved one
    window.resize(1600, 1000)
    window.show()
    if not window.open_path(DEFAULT_SCENARIO):
        return 1
    status = {"code": 1}

    def snapshot_shown(snapshot) -> None:
        if window.analysis.series is None or snapshot.t_s != show_time_s:
            return
        window.globe._change(lambda state: replace(state, camera=CAMERA))  # no public pose setter
        QTimer.singleShot(300, save_when_drawn)

    def save_when_drawn() -> None:
        """Once the globe child has drawn the shown instant (it draws asynchronously)."""
        if not window.globe.is_idle():
            QTimer.singleShot(100, save_when_drawn)
            return
        QTimer.singleShot(200, save)

    def series_ready(_series) -> None:
        window.tree.select([("threats", 0)])  # its waypoints in the properties
        window.clock.set_time(show_time_s)

    def save() -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if window.grab().save(str(out)):
            print(f"wrote {out}")
            status["code"] = 0
        window.close()

    window.analysis.series_ready.connect(series_ready)
    window.analysis.snapshot_ready.connect(snapshot_shown)
    QTimer.singleShot(TIMEOUT_MS, window.close)
    app.exec()
    return status["code"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Screenshot of the app on the demo scenario.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--time", type=float, default=SHOW_TIME_S, help="seconds after the start shown")
    args = parser.parse_args()
    sys.exit(main(args.out, args.time))
