"""What the app is called and the files it ships with (used by the command line and the window)."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "SDN Desktop"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = PROJECT_ROOT / "scenarios" / "sdn_backbone_demo.json"
APP_ICON = PROJECT_ROOT / "resources" / "sdn-desktop.svg"
