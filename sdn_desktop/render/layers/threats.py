"""Threats: the track flown so far (a bright trail), the path ahead (dim), a marker and a label with
the threat's name and speed, all in the threat's colour; a threat outside its waypoints' times is
drawn only as its (dim) track."""

from __future__ import annotations

import numpy as np
from vispy.color import Color

from ...engine.contested import ThreatTracks
from ...engine.layout import NetworkLayout
from ...scenario import Scenario
from ..overlay import LegendEntry, make_text, set_text, text_box
from .base import SCALE, GlobeSnapshot, Layer, SceneParts, Sight, markers, segment_lines
from .ground import GROUND_LIFT_KM

TRACK_SAMPLES = 60  # points along each whole track (short antialiased segments draw hatched)
TRAIL_WIDTH_PX = 4.0
AHEAD_WIDTH_PX = 2.5
AHEAD_ALPHA = 0.7
THREAT_SIZE_PX = 15.0
LABEL_GAP = "    "


def _lifted(points_km: np.ndarray) -> np.ndarray:
    """Track points raised a little, so a low threat's track is not cut by the Earth mesh."""
    norm = np.linalg.norm(points_km, axis=1, keepdims=True)
    return points_km * (1.0 + GROUND_LIFT_KM / np.where(norm > 0, norm, 1.0))


def _polyline_segments(points: np.ndarray) -> np.ndarray:
    if len(points) < 2:
        return np.zeros((0, 3))
    out = np.empty((2 * (len(points) - 1), 3))
    out[0::2], out[1::2] = points[:-1], points[1:]
    return out


class ThreatsLayer(Layer):
    order = 5
    legend_rank = 1

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.trail = segment_lines(parts.earth_fixed, self.order, width=TRAIL_WIDTH_PX, antialias=True)
        self.ahead = segment_lines(parts.earth_fixed, self.order, width=AHEAD_WIDTH_PX, antialias=True)
        self.markers = markers(parts.earth_fixed, self.order, depth_test=False)
        self.labels = make_text(parts.earth_fixed, parts.fonts, "left", "center", 9, bold=True)
        self.labels.order = self.order
        self._times: list[np.ndarray] = []  # sample times of each track
        self._points: list[np.ndarray] = []  # (samples, 3) km of each track
        self._rgba = np.zeros((0, 4), np.float32)
        self._now_km = np.zeros((0, 3))
        self._texts: list[str] = []

    def visuals(self) -> list:
        return [self.trail, self.ahead, self.markers, self.labels]

    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        super().set_scenario(scenario, layout)
        tracks = ThreatTracks(scenario.threats)
        self._rgba = np.array([Color(t.color).rgba for t in scenario.threats], np.float32).reshape(-1, 4)
        self._times, self._points = [], []
        for h, threat in enumerate(scenario.threats):
            start, end = tracks.window(h)
            times = np.union1d(np.linspace(start, end, TRACK_SAMPLES), [w.t_s for w in threat.waypoints])
            self._times.append(times)
            self._points.append(_lifted(np.array([tracks.at(t)[0][h] for t in times])))

    def update(self, snapshot: GlobeSnapshot) -> None:
        snap = snapshot.snapshot
        trail, ahead, trail_rgba, ahead_rgba = [], [], [], []
        present = np.isfinite(snap.threat_pos[:, 0]) if len(snap.threat_pos) else np.zeros(0, bool)
        for h, (times, points) in enumerate(zip(self._times, self._points, strict=True)):
            if present[h]:
                now = _lifted(snap.threat_pos[h : h + 1])
                done = times < snap.t_s
                past = _polyline_segments(np.concatenate((points[done], now)))
                future = _polyline_segments(np.concatenate((now, points[~done])))
            elif snap.t_s > times[-1]:
                past, future = _polyline_segments(points), np.zeros((0, 3))
            else:
                past, future = np.zeros((0, 3)), _polyline_segments(points)
            trail.append(past)
            ahead.append(future)
            trail_rgba.append(np.repeat(self._rgba[h : h + 1], len(past), axis=0))
            faded = self._rgba[h] * (1.0, 1.0, 1.0, AHEAD_ALPHA)
            ahead_rgba.append(np.repeat(faded[None], len(future), axis=0))
        for visual, parts, colors in ((self.trail, trail, trail_rgba), (self.ahead, ahead, ahead_rgba)):
            points = np.concatenate(parts) if parts else np.zeros((0, 3))
            self._set_lines(visual, points, np.concatenate(colors) if colors else None)
        shown = np.flatnonzero(present)
        self._now_km = _lifted(snap.threat_pos[shown]) if len(shown) else np.zeros((0, 3))
        self._now_index = shown
        self._texts = [
            f"{LABEL_GAP}{self.scenario.threats[h].name}  {snap.threat_speed_km_s[h]:.1f} km/s" for h in shown
        ]

    def follow_camera(self, sight: Sight) -> None:
        visible = ~sight.hidden(self._now_km) if len(self._now_km) else np.zeros(0, bool)
        keep = self._now_index[visible]
        points = self._now_km[visible]
        self._set_markers(
            self.markers, points, size=THREAT_SIZE_PX, symbol="triangle_up", face_color=self._rgba[keep],
            edge_color=(1.0, 1.0, 1.0, 0.9), edge_width=1.5,
        )  # fmt: skip
        texts = [t for t, v in zip(self._texts, visible, strict=True) if v]
        self._has_data[self.labels] = bool(texts)
        if texts:
            set_text(self.labels, texts, [tuple(c) for c in self._rgba[keep]])
            self.labels.pos = points * SCALE
            xy = sight.screen.project(points)
            sight.taken.extend(
                text_box(self.labels, t, p, y_down=False)
                for t, p in zip(texts, xy, strict=True)
                if np.isfinite(p[0])
            )

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(f"{t.name} ({t.kind.replace('_', ' ')})", t.color, "triangle_up")
                for t in self.scenario.threats]  # fmt: skip
