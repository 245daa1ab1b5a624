"""Jamming: a translucent red disc on the ground for each jammer active now, with a bright rim."""

from __future__ import annotations

import numpy as np
from vispy import scene
from vispy.color import Color

from ...engine.contested import JamDisc
from ..overlay import LegendEntry
from .base import SCALE, GlobeSnapshot, Layer, SceneParts, segment_lines
from .ground import EARTH_MEAN_RADIUS_KM, disc_mesh, ring_segments

JAMMING_COLOR = "#ff5252"
DISC_RGBA = Color(JAMMING_COLOR, alpha=0.5).rgba
RIM_RGBA = Color(JAMMING_COLOR, alpha=0.95).rgba


class JammingLayer(Layer):
    order = 3
    legend_rank = 4

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        self.discs = scene.visuals.Mesh(parent=parts.earth_fixed)
        self.discs.set_gl_state("translucent", depth_test=True, cull_face=False)
        self.discs.order = self.order
        self.rims = segment_lines(parts.earth_fixed, self.order, width=2.0, antialias=True)
        self._drawn: list[JamDisc] | None = None

    def visuals(self) -> list:
        return [self.discs, self.rims]

    def update(self, snapshot: GlobeSnapshot) -> None:
        jammers = list(snapshot.snapshot.jamming)
        if jammers == self._drawn:
            return
        self._drawn = jammers
        self._has_data[self.discs] = bool(jammers)
        rims = []
        if jammers:
            vertices, faces = [], []
            for jam in jammers:
                v, f = disc_mesh(jam.lat_deg, jam.lon_deg, jam.radius_km)
                faces.append(f + sum(len(x) for x in vertices))
                vertices.append(v)
                rims.append(ring_segments(v[0], jam.radius_km / EARTH_MEAN_RADIUS_KM))
            self.discs.set_data(
                vertices=np.concatenate(vertices) * SCALE, faces=np.concatenate(faces), color=DISC_RGBA
            )
        self._set_lines(self.rims, np.concatenate(rims) if rims else np.zeros((0, 3)), RIM_RGBA)

    def legend(self) -> list[LegendEntry]:
        if not any(e.kind == "jam" for e in self.scenario.events):
            return []
        return [LegendEntry("jamming", JAMMING_COLOR, symbol="disc")]
