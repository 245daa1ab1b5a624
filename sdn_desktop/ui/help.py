"""The Help menu: keyboard shortcuts (read from the window's own menus), the scenario format, About."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import PySide6
from PySide6.QtCore import QObject, qVersion
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..resources import APP_NAME, PROJECT_ROOT

SCENARIO_FORMAT = PROJECT_ROOT / "docs" / "scenario-format.md"
# Keys that act without a menu entry (see the README).
OTHER_KEYS = (
    ("Esc", "Stop placing nodes; give up a refused value in a field"),
    ("Ctrl+click, Shift+click", "Select several objects in the tree"),
)


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """The versions an error report needs: the app, Qt (and its binding), VisPy, sgp4."""
    return {
        APP_NAME: package_version("sdn-desktop"),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "VisPy": package_version("vispy"),
        "sgp4": package_version("sgp4"),
    }


def shortcuts(menus: list[QMenu]) -> list[tuple[str, str]]:
    """(keys, what they do) for every menu action with a shortcut, in menu order."""
    rows = []
    for menu in menus:
        for action in menu.actions():
            if action.menu() is not None:
                rows += shortcuts([action.menu()])
            elif not action.shortcut().isEmpty():
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                rows.append((keys, f"{menu.title().replace('&', '')}: {action.text().replace('&', '')}"))
    return rows


def _text_dialog(parent: QWidget, title: str, markdown: str) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    dialog.resize(760, 640)
    browser = QTextBrowser()
    browser.setOpenExternalLinks(True)
    browser.setMarkdown(markdown)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    dialog.browser = browser
    return dialog


class HelpMenu(QObject):
    """Adds "Help" to ``window``'s menu bar."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        menu = window.menuBar().addMenu("&Help")
        menu.addAction("&Keyboard shortcuts", self.show_shortcuts)
        menu.addAction("&Scenario format", self.show_scenario_format)
        menu.addSeparator()
        menu.addAction(f"&About {APP_NAME}", self.show_about)
        self.dialog: QDialog | None = None

    def shortcuts_markdown(self) -> str:
        menus = [a.menu() for a in self.window.menuBar().actions() if a.menu() is not None]
        rows = shortcuts(menus) + list(OTHER_KEYS)
        return "| Keys | Action |\n|---|---|\n" + "\n".join(f"| {keys} | {what} |" for keys, what in rows)

    def show_shortcuts(self) -> None:
        self._show(_text_dialog(self.window, "Keyboard shortcuts", self.shortcuts_markdown()))

    def show_scenario_format(self) -> None:
        try:
            text = SCENARIO_FORMAT.read_text(encoding="utf-8")
        except OSError as err:
            QMessageBox.warning(self.window, APP_NAME, f"Cannot read {SCENARIO_FORMAT}:\n{err.strerror}")
            return
        self._show(_text_dialog(self.window, "Scenario format", text))

    def about_text(self) -> str:
        lines = "<br>".join(f"{name} {number}" for name, number in versions().items())
        return (
            f"<b>{APP_NAME}</b><br>Design, animate and analyse LEO data-transport meshes and the kill "
            f"chains they carry.<br><br>{lines}"
        )

    def show_about(self) -> None:
        QMessageBox.about(self.window, f"About {APP_NAME}", self.about_text())

    def _show(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.show()
