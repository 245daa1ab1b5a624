"""The Qt editor: main window, docks, undo commands, background worker and settings."""
