"""The textured Earth (Earth-fixed) and the stars (inertial)."""

from __future__ import annotations

import numpy as np
from vispy import scene
from vispy.visuals.filters import TextureFilter

from ..earth import blue_marble_texture, ellipsoid_mesh
from .base import SCALE, Layer, SceneParts

EARTH_TINT = (0.92, 0.92, 0.95, 1.0)
STAR_COUNT = 1500
STAR_RADIUS = 150.0  # scene units, inside the far clipping plane
STAR_SEED = 7


class EarthLayer(Layer):
    order = 0

    def __init__(self, parts: SceneParts):
        super().__init__(parts)
        vertices, faces, texcoords = ellipsoid_mesh()
        self.mesh = scene.visuals.Mesh(vertices * SCALE, faces, color=EARTH_TINT, parent=parts.earth_fixed)
        self.mesh.attach(TextureFilter(blue_marble_texture(), texcoords))
        self.mesh.set_gl_state("opaque", depth_test=True, cull_face=True)
        self.mesh.order = self.order
        rng = np.random.default_rng(STAR_SEED)
        stars = rng.normal(size=(STAR_COUNT, 3))
        stars *= STAR_RADIUS / np.linalg.norm(stars, axis=1)[:, None]
        brightness = rng.uniform(0.25, 0.8, STAR_COUNT)[:, None]
        self.stars = scene.visuals.Markers(parent=parts.sky)
        self.stars.set_data(
            stars, size=rng.uniform(1.0, 2.2, STAR_COUNT), edge_width=0,
            face_color=np.hstack((np.repeat(brightness, 3, axis=1), np.ones((STAR_COUNT, 1)))),
        )  # fmt: skip

    def visuals(self) -> list:
        return [self.mesh, self.stars]
