"""``Dots``: many small round points of one size, each with its own colour, for the cheapest possible
satellite layer.

VisPy's Markers pays for what a satellite dot does not need: a sprite ``size + 6`` pixels wide for
its antialiasing band (81 fragments for a 3-pixel dot), a signed-distance shape and scaling
transforms per vertex. On software OpenGL (llvmpipe) 10,000 Markers cost about twice what these
dots cost (measured here: 128 vs 38 ms at 1280x720, minimum of 10 frames, machine under load).
"""

from __future__ import annotations

import numpy as np
from vispy import gloo, scene
from vispy.visuals import Visual

_VERTEX = """
attribute vec2 a_position;
attribute vec4 a_color;
uniform float u_size;
varying vec4 v_color;
void main() {
    gl_Position = $transform(vec4(a_position, 0.0, 1.0));
    gl_PointSize = u_size + 1.0;  // one pixel for the antialiased rim
    v_color = a_color;
}
"""

_FRAGMENT = """
uniform float u_size;
varying vec4 v_color;
void main() {
    float r = length(gl_PointCoord - vec2(0.5)) * (u_size + 1.0);
    float alpha = clamp(0.5 * u_size + 0.5 - r, 0.0, 1.0);
    if (alpha <= 0.0) discard;
    gl_FragColor = vec4(v_color.rgb, v_color.a * alpha);
}
"""


class DotsVisual(Visual):
    """Round dots at 2D positions (scene units), ``size`` pixels across, one RGBA colour each."""

    def __init__(self, size: float = 4.0):
        Visual.__init__(self, vcode=_VERTEX, fcode=_FRAGMENT)
        self._draw_mode = "points"
        self._count = 0
        self.set_gl_state("translucent", depth_test=False)
        self.shared_program["u_size"] = float(size)

    def set_data(self, positions: np.ndarray, colors: np.ndarray, size: float | None = None) -> None:
        positions = np.asarray(positions, np.float32).reshape(-1, 2)
        colors = np.broadcast_to(np.asarray(colors, np.float32), (len(positions), 4))
        self.shared_program["a_position"] = gloo.VertexBuffer(positions)
        self.shared_program["a_color"] = gloo.VertexBuffer(np.ascontiguousarray(colors))
        if size is not None:
            self.shared_program["u_size"] = float(size)
        self._count = len(positions)
        self.update()

    def _prepare_transforms(self, view) -> None:
        view.view_program.vert["transform"] = view.get_transform()

    def _prepare_draw(self, view) -> bool:
        return self._count > 0


Dots = scene.visuals.create_visual_node(DotsVisual)
