"""Save a PNG of the whole SDN Desktop window on the demo scenario, once the first results are in.

Usage (needs an X server; ``make screenshot`` does this)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tools/screenshot.py OUT.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdn_desktop.resources import DEFAULT_SCENARIO  # noqa: E402
from sdn_desktop.ui.app import create_app  # noqa: E402
from sdn_desktop.ui.main_window import MainWindow  # noqa: E402

TIMEOUT_MS = 120_000
SHOW_TIME_S = 1500.0  # a moment into the demo, so the clock and the plot cursor are not at the edge


def main(out: Path) -> int:
    app = create_app()
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "screenshot.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)  # default layout, not the user's saved one
    window.resize(1600, 1000)
    window.show()
    if not window.open_path(DEFAULT_SCENARIO):
        return 1
    status = {"code": 1}

    def snapshot_shown(snapshot) -> None:
        if window.analysis.series is None or snapshot.t_s != SHOW_TIME_S:
            return
        QTimer.singleShot(300, save)

    def series_ready(_series) -> None:
        window.tree.select([("nodes", 2)])
        window.clock.set_time(SHOW_TIME_S)

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
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
