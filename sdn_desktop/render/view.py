"""``GlobeView``: the VisPy scene of a scenario, composed of the layers of ``LAYER_TYPES`` (no Qt)."""

from __future__ import annotations

import string
import time
from dataclasses import replace

import numpy as np
from vispy import scene
from vispy.gloo import gl
from vispy.visuals.text.text import FontManager
from vispy.visuals.transforms import MatrixTransform

from ..engine import Snapshot
from ..engine.layout import NetworkLayout
from ..scenario import Scenario
from .backend import canvas_app, render_at
from .geometry import direction_lat_lon, turntable_angles
from .layers import LAYER_TYPES, SCALE, GlobeSnapshot, Layer, SceneParts, Sight
from .overlay import FONT, REFERENCE_DPI
from .projection import ScreenProjection
from .state import CAMERA_MODES, FRAMES, CameraPose, GlobeState, Target, default_camera

FIELD_OF_VIEW_DEG = 30.0
MAX_STALE_GL_ERRORS = 16
WARM_GLYPHS = string.ascii_letters + string.digits + string.punctuation + " \u00b0\u2192\u2026+"


class _ToggleableLayers:
    """The names of the layers View -> Layers lists, read from ``LAYER_TYPES`` when asked."""

    def __get__(self, view, owner) -> tuple[str, ...]:
        return tuple(name for name, kind in LAYER_TYPES.items() if kind.toggleable)


class GlobeView:
    """A textured globe with satellites, links, nodes and kill-chain routes in Earth-fixed km.

    Build once; ``set_scenario`` after every scenario edit; ``update`` for every snapshot; ``apply``
    a ``GlobeState`` to change the view (the ``set_*`` methods make one from the current state).
    Only ``set_data`` is called on existing visuals while animating.
    """

    LAYERS = _ToggleableLayers()
    FRAMES = FRAMES
    CAMERA_MODES = CAMERA_MODES
    ORBIT_DEG_PER_S = 6.0

    def __init__(self, size=(1280, 720), bgcolor="#05070d", app=None):
        """``app``: the VisPy application to draw with (default ``canvas_app()``: EGL off-screen)."""
        self.canvas = scene.SceneCanvas(
            size=size, show=False, keys=None, bgcolor=bgcolor, app=app if app is not None else canvas_app()
        )
        self.canvas.dpi = REFERENCE_DPI
        self.view = scene.widgets.ViewBox(parent=self.canvas.scene)
        self.view.scene.clip_children = False  # the view fills the canvas; a clip test costs early-z
        self.camera = scene.TurntableCamera(fov=FIELD_OF_VIEW_DEG, center=(0.0, 0.0, 0.0))
        self.camera.depth_value = 100.0  # near/far planes close enough for a precise depth buffer
        self.view.camera = self.camera
        self._sky = scene.Node(parent=self.view.scene, name="inertial sky")
        self._sky.transform = MatrixTransform()
        self._earth_fixed = scene.Node(parent=self.view.scene, name="earth-fixed")
        self._earth_fixed.transform = MatrixTransform()
        self._anchor = scene.visuals.Markers(parent=self._earth_fixed)  # maps Earth-fixed to canvas
        self._anchor.visible = False
        self._fonts = FontManager()
        self._cold_glyphs = [
            (self._fonts.get_font(FONT, bold), char) for bold in (False, True) for char in WARM_GLYPHS
        ]
        parts = SceneParts(self._earth_fixed, self._sky, self.canvas.scene, self._fonts)
        self.layers: dict[str, Layer] = {name: kind(parts) for name, kind in LAYER_TYPES.items()}
        self.overlay = self.layers["overlay"].overlay
        self.canvas.events.resize.connect(self._on_resize)
        self.canvas.events.draw.connect(self._before_draw, position="first")

        self.scenario: Scenario | None = None
        self.layout: NetworkLayout | None = None
        self.snapshot: Snapshot | None = None
        self._drawn: GlobeSnapshot | None = None
        self._state = GlobeState(size=tuple(self.canvas.size))
        self._layout_canvas(self.canvas.size)
        for layer in self.layers.values():
            layer.apply(self._state)
        self._camera_dirty = False
        self.reset_camera()
        self.camera.transform.changed.connect(self._camera_moved)

    def warm_glyphs(self, budget_s: float = 0.008) -> bool:
        """Rasterise label glyphs ahead of need, for about ``budget_s``; True while some remain.

        VisPy builds each glyph in Python (about 12 ms each) the first time a text uses it; an app
        calls this in idle time so a new label never stalls a frame.
        """
        deadline = time.perf_counter() + budget_s
        while self._cold_glyphs and time.perf_counter() < deadline:
            font, char = self._cold_glyphs.pop()
            font[char]  # noqa: B018 - indexing loads the glyph into the shared atlas
        return bool(self._cold_glyphs)

    # ------------------------------------------------------------------ scenario and snapshots
    def set_scenario(self, scenario: Scenario, layout: NetworkLayout) -> None:
        """Colours, symbols and names of a (new or edited) scenario; call ``update`` next. A selection
        or followed object the scenario lacks is dropped."""
        self.scenario, self.layout = scenario, layout
        for layer in self.layers.values():
            layer.set_scenario(scenario, layout)
        ranked = sorted(self.layers.values(), key=lambda layer: layer.legend_rank)
        self.layers["overlay"].set_legend([entry for layer in ranked for entry in layer.legend()])
        fitted = self._state.fitted(self._counts())
        if fitted != self._state:
            self._state = fitted
            for layer in self.layers.values():
                layer.apply(fitted)
        self.snapshot = self._drawn = None

    def update(self, snapshot: Snapshot) -> None:
        """Move every layer to ``snapshot`` (positions, links, routes, labels, overlay)."""
        if self.scenario is None:
            raise RuntimeError("GlobeView.update: call set_scenario first")
        self.snapshot = snapshot
        self._drawn = GlobeSnapshot(snapshot, self.scenario)
        self._apply_frame()
        for layer in self.layers.values():
            layer.update(self._drawn)
        if self._state.camera_mode == "follow":
            self._follow()
        self._sync_to_camera()

    def _counts(self) -> dict[str, int]:
        if self.scenario is None:
            return {}
        return {"satellite": len(self.layout.sats), "node": len(self.scenario.nodes)}

    # ------------------------------------------------------------------ the state
    @property
    def state(self) -> GlobeState:
        """The view as it is now, the camera's pose included."""
        return replace(self._state, camera=self.camera_pose())

    def apply(self, state: GlobeState) -> None:
        """Show ``state`` (whole; what did not change costs nothing). Raises ValueError, changing
        nothing, for an unknown layer or a target the scenario lacks."""
        for name in sorted(state.hidden_layers):
            self.check_layer(name)
        state.check_targets(self._counts())
        before, self._state = self._state, state
        if state.size != before.size:
            self._resize(state.size)
        if state.camera is not None and state.camera != self.camera_pose():
            self._set_pose(state.camera)
        if state.frame != before.frame:
            self._apply_frame()
            self._camera_moved()
        if state.camera_mode == "follow" and (state.frame, state.camera_target) != (
            before.frame, before.camera_target
        ):  # fmt: skip
            self._follow()
        if state.hidden_layers != before.hidden_layers:
            for name, layer in self.layers.items():
                if layer.toggleable:
                    layer.visible = state.layer_visible(name)
        if replace(state, camera=None) != replace(before, camera=None):
            for layer in self.layers.values():
                layer.apply(state)
            self._camera_moved()
        self.canvas.update()

    @classmethod
    def check_layer(cls, name: str) -> None:
        if name not in cls.LAYERS:
            raise ValueError(f"layer must be one of {cls.LAYERS}, got {name!r}")

    def set_layer_visible(self, name: str, visible: bool) -> None:
        self.check_layer(name)
        self.apply(self.state.with_layer(name, visible))

    def set_frame(self, frame: str) -> None:
        """ "earth_fixed": the globe stands still; "inertial": the stars stand still, the Earth turns."""
        self.apply(replace(self.state, frame=frame))

    def set_overlay(self, time: bool = True, latencies: bool = True, legend: bool = True) -> None:
        """Which parts of the screen overlay to show (the "overlay" layer hides all of them)."""
        self.apply(self.state.with_overlay(time, latencies, legend))

    def set_camera_mode(self, mode: str, target: Target | None = None) -> None:
        """ "fixed" (mouse only), "orbit" (azimuth turns in ``advance_camera``) or "follow" a target,
        given as ``("satellite", index)`` or ``("node", index)``."""
        self.apply(self.state.with_camera_mode(mode, target))

    def set_selection(self, kind: str | None, index: int | None = None) -> None:
        """Ring one satellite or node; ``set_selection(None)`` clears it."""
        self.apply(replace(self.state, selection=None if kind is None else (kind, index)))

    def reset_camera(self) -> None:
        """Look from the default distance at the scenario's nodes (``state.default_camera``)."""
        self.apply(replace(self.state, camera=default_camera(self.scenario)))

    def resize(self, size: tuple[int, int]) -> None:
        """Resize the canvas and lay the scene out for it (an off-screen canvas gets no resize event)."""
        self.apply(replace(self.state, size=size))

    @property
    def camera_mode(self) -> str:
        return self._state.camera_mode

    # ------------------------------------------------------------------ frame and camera
    def _apply_frame(self) -> None:
        gmst_deg = np.degrees(self.snapshot.gmst_rad) if self.snapshot is not None else 0.0
        earth, sky = self._earth_fixed.transform, self._sky.transform
        earth.reset()
        sky.reset()
        if self._state.frame == "inertial":
            earth.rotate(gmst_deg, (0, 0, 1))
        else:
            sky.rotate(-gmst_deg, (0, 0, 1))

    def camera_pose(self) -> CameraPose:
        cam = self.camera
        return CameraPose(
            float(cam.azimuth), float(cam.elevation), float(cam.scale_factor),
            tuple(float(v) for v in cam.center[:3]),
        )  # fmt: skip

    def _set_pose(self, pose: CameraPose) -> None:
        self.camera.center = pose.center
        self.camera.scale_factor = pose.distance
        self.camera.azimuth, self.camera.elevation = pose.azimuth_deg, pose.elevation_deg

    def advance_camera(self, dt_s: float) -> None:
        """Move an orbiting camera on by ``dt_s`` seconds of wall (or video) time."""
        if self._state.camera_mode == "orbit":
            self.camera.azimuth = (self.camera.azimuth + self.ORBIT_DEG_PER_S * dt_s + 180.0) % 360.0 - 180.0
        elif self._state.camera_mode == "follow":
            self._follow()

    def _follow(self) -> None:
        position = self._drawn.target_km(self._state.camera_target) if self._drawn is not None else None
        if position is None:
            return
        lat, lon = direction_lat_lon(self._earth_fixed.transform.map(position[None])[0, :3])
        self.camera.center = (0.0, 0.0, 0.0)
        self.camera.azimuth, self.camera.elevation = turntable_angles(lat, lon)
        self.canvas.update()

    def _camera_moved(self, event=None) -> None:
        self._camera_dirty = True

    def _sync_to_camera(self) -> None:
        """Let every layer redo what depends on the camera (horizon culling, labels, the ring)."""
        self._camera_dirty = False
        if self._drawn is None:
            return
        taken = [box for layer in self.layers.values() for box in layer.occupied()]
        sight = Sight(self._eye_km(), self._drawn, self._canvas_matrix, taken)
        for layer in self.layers.values():
            layer.follow_camera(sight)
            layer.refresh_visibility()

    def _eye_km(self) -> np.ndarray:
        eye_scene = self.camera.transform.map([0.0, 0.0, 0.0])[:3]
        return self._earth_fixed.transform.imap(eye_scene)[:3] / SCALE

    def _canvas_matrix(self) -> np.ndarray:
        """4x4 matrix from homogeneous Earth-fixed km to homogeneous canvas pixels."""
        transform = self._anchor.get_transform("visual", "canvas")
        scaled = np.diag([SCALE, SCALE, SCALE, 1.0])  # rows: homogeneous km basis vectors, in scene units
        return np.asarray(transform.map(scaled), float)

    # ------------------------------------------------------------------ picking
    def projection(self) -> ScreenProjection:
        """The current camera and what can be picked, as plain numpy (safe to use in another thread).
        Layers drawn on top are tried first."""
        shown = sorted(
            (layer for layer in self.layers.values() if layer.visible), key=lambda layer: -layer.order
        )
        pickables = tuple(group for layer in shown for group in layer.pickables())
        return ScreenProjection(self._canvas_matrix(), self._eye_km(), pickables)

    def project(self, points_km: np.ndarray) -> np.ndarray:
        """Canvas pixel coordinates ``(N, 2)`` of Earth-fixed points (NaN behind the camera or the Earth)."""
        return self.projection().project(points_km)

    def pick(self, x: float, y: float) -> tuple[str, int] | None:
        """The node or satellite drawn nearest to canvas pixel (x, y), if one is close enough."""
        return self.projection().pick(x, y) if self.snapshot is not None else None

    def latlon_at(self, x: float, y: float) -> tuple[float, float] | None:
        """Geodetic (lat, lon) in degrees of the globe under canvas pixel (x, y), or None for space."""
        return self.projection().latlon_at(x, y)

    # ------------------------------------------------------------------ size and frames
    def _resize(self, size: tuple[int, int]) -> None:
        self.canvas.size = (int(size[0]), int(size[1]))
        self._layout_canvas(self.canvas.size)
        self._camera_moved()

    def _on_resize(self, event) -> None:
        self._layout_canvas(event.size)

    def _layout_canvas(self, size) -> None:
        self.view.size = tuple(size)
        self.overlay.layout(size)
        self._camera_dirty = True  # labels are thinned for the canvas size

    def _before_draw(self, event=None) -> None:
        """Make this canvas current, clear GL errors left in its context by others (Qt destroying
        another GL widget, say: VisPy checks the error flag before each draw), catch up with camera
        moves."""
        self.canvas.set_current()
        for _ in range(MAX_STALE_GL_ERRORS):
            if gl.glGetError() == gl.GL_NO_ERROR:
                break
        if self._camera_dirty:
            self._sync_to_camera()

    def render(self, size: tuple[int, int] | None = None) -> np.ndarray:
        """The current picture as ``(H, W, 4)`` uint8 RGBA, at the canvas size or at ``size`` (W, H).

        Another size lays the scene out for it (same camera, same overlay placement rules) without
        resizing the canvas or its widget.
        """
        return render_at(self.canvas, size, self._layout_canvas, self._before_draw)
