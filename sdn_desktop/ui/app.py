"""``run_app``: start the Qt application with the main window on a scenario file."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ..resources import APP_ICON, APP_NAME, DEFAULT_SCENARIO

ORGANIZATION = "SDN Desktop"
APPLICATION = "sdn-desktop"


def create_app() -> QApplication:
    """The QApplication (created once), named so QSettings finds the user's settings."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_NAME)
    if APP_ICON.exists():
        app.setWindowIcon(QIcon(str(APP_ICON)))
    return app


def run_app(path: str | Path | None = None) -> int:
    """Show the editor on ``path`` (default: the demo scenario) and run until it is closed."""
    from .main_window import MainWindow

    app = create_app()
    window = MainWindow()
    window.show()
    window.open_path(Path(path) if path is not None else DEFAULT_SCENARIO)
    window.files.offer_recovery()
    return app.exec()
