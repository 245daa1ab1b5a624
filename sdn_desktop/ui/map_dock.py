"""The Map dock: the scenario on a 2D equirectangular map, drawn in a child process like the globe.

``MapWidget`` is the globe widget's machinery (a thread sending the whole state, the scenario, the
newest snapshot and mouse input to a child; the finished frame shown and picked on) with a
``MapState`` and the map process (``render.map_process``). The dock adds a small toolbar: the span of
the selected satellite's ground track and a button showing the whole map. Drag to pan, scroll to
zoom; clicks pick and place through the main window's ``GlobeTools`` (``GlobeTools.watch``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QToolBar, QVBoxLayout, QWidget

from ..engine.frames import ecef_to_geodetic
from ..render.map_process import MapProcess
from ..render.map_state import DEFAULT_TRACK_SPAN_S, MAX_TRACK_SPAN_S, MapState
from ..render.map_view import MapView
from .globe import GlobeRenderer, GlobeWidget


class MapRenderer(GlobeRenderer):
    """Sends the map's state and what else is queued to the map process; keeps the newest frame."""

    process_type = MapProcess


class MapWidget(GlobeWidget):
    """Shows the map drawn in the map process; ``pick`` and ``latlon_at`` answer for the frame on
    screen (a ``MapProjection``). The selected satellite's ground track is drawn."""

    renderer_type, state_type = MapRenderer, MapState

    def set_layer_visible(self, name: str, visible: bool) -> None:
        if name not in MapView.LAYERS:
            raise ValueError(f"layer must be one of {MapView.LAYERS}, got {name!r}")
        self._change(lambda state: state.with_layer(name, visible))

    def set_selection(self, kind: str | None, index: int | None = None) -> None:
        """Ring a satellite or node (None: nothing) with its footprint; a satellite's ground track too."""
        target = None if kind is None else (kind, index)
        tracked = (index,) if kind == "satellite" else ()
        self._change(lambda state: self._checked(replace(state, selection=target, tracked=tracked)))

    def project(self, points_km: np.ndarray) -> np.ndarray:
        """Pixel positions of Earth-fixed points on the map on screen (NaN before the first frame),
        as the globe's ``project``."""
        points_km = np.asarray(points_km, float).reshape(-1, 3)
        if self.frame is None:
            return np.full((len(points_km), 2), np.nan)
        lat, lon, _ = ecef_to_geodetic(points_km)
        return self.frame.projection.project(lat, lon)

    def set_track_span(self, behind_s: float, ahead_s: float) -> None:
        self._change(lambda state: replace(state, track_behind_s=behind_s, track_ahead_s=ahead_s))

    def reset_camera(self) -> None:
        """Show the whole map."""
        self._change(lambda state: replace(state, camera=None))

    def _show_error(self, why: str) -> None:
        super()._show_error(why)
        self.error = f"The map cannot draw here (it needs OpenGL through EGL): {why}"


class MapPanel(QWidget):
    """The dock's contents: a toolbar (ground-track span, whole map) above the map."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.map = MapWidget(self)
        self.map.setMinimumSize(320, 180)
        tools = QToolBar("Map", self)
        tools.addWidget(QLabel(" Ground track: "))
        self.track_span = QDoubleSpinBox()
        self.track_span.setRange(0.0, MAX_TRACK_SPAN_S / 60.0)
        self.track_span.setDecimals(0)
        self.track_span.setSingleStep(5.0)
        self.track_span.setSuffix(" min behind and ahead")
        self.track_span.setValue(DEFAULT_TRACK_SPAN_S / 60.0)
        self.track_span.setToolTip("How much of the selected satellite's ground track the map draws")
        self.track_span.valueChanged.connect(self._span_changed)
        tools.addWidget(self.track_span)
        tools.addSeparator()
        tools.addAction("Whole map", self.map.reset_camera).setToolTip("Zoom out to the whole map")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(tools)
        layout.addWidget(self.map, 1)
        self.map.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    def _span_changed(self, minutes: float) -> None:
        self.map.set_track_span(60.0 * minutes, 60.0 * minutes)
