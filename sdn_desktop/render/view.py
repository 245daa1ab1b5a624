"""``GlobeView``: the VisPy scene of a scenario (globe, satellites, links, routes, overlay), no Qt."""

from __future__ import annotations

import string
import time

import numpy as np
from vispy import scene
from vispy.color import Color
from vispy.gloo import gl
from vispy.visuals.filters import TextureFilter
from vispy.visuals.text.text import FontManager
from vispy.visuals.transforms import MatrixTransform

from ..engine import Network, Snapshot
from ..scenario import Scenario
from .backend import canvas_app
from .earth import blue_marble_texture, ellipsoid_mesh
from .geometry import direction_lat_lon, hidden_by_earth, turntable_angles
from .overlay import FONT, REFERENCE_DPI, ChainStatus, LegendEntry, Overlay, make_text, set_text, text_box
from .projection import Pickable, ScreenProjection

SCALE = 1e-3  # scene units per km (the scene is drawn in megametres)
FIELD_OF_VIEW_DEG = 30.0
DEFAULT_SCALE_FACTOR = 18.0  # the globe and LEO shells fill about 85 % of the height
ROLE_SYMBOLS = {"sensor": "triangle_up", "shooter": "star", "c2": "square", "gateway": "diamond"}
ROLE_COLORS = {"sensor": "#ffee58", "shooter": "#ff7043", "c2": "#ffffff", "gateway": "#80cbc4"}
ISL_ALPHA = 0.2
CROSS_LINK_COLOR = (0.86, 0.78, 1.0, 0.16)
GROUND_LINK_COLOR = (0.62, 0.98, 0.62, 0.55)
EARTH_TINT = (0.92, 0.92, 0.95, 1.0)
ROUTE_WIDTH_PX = 4.0
NODE_SIZE_PX = 13.0
SELECTION_COLOR = "#ffffff"
NODE_LABEL_COLOR = "#c9d1d9"
NODE_LIFT_KM = 8.0  # nodes drawn a little above the surface so the globe never covers them
LABEL_MERGE_KM = 500.0  # route labels closer than this would overlap
LABEL_GAP = "   "  # node labels start just right of their marker
MAX_STALE_GL_ERRORS = 16
CULL_MARGIN_KM = 15.0  # culling tests against an ellipsoid this much smaller, so nothing visible goes
STAR_COUNT = 1500
STAR_RADIUS = 150.0  # scene units, inside the far clipping plane
STAR_SEED = 7
WARM_GLYPHS = string.ascii_letters + string.digits + string.punctuation + " \u00b0\u2192\u2026+"


def _satellite_size_px(count: int) -> float:
    return 4.5 if count <= 2500 else 3.5 if count <= 6000 else 3.0


def _segments(points: np.ndarray) -> np.ndarray:
    """A polyline as line-segment pairs (for ``connect='segments'``)."""
    out = np.empty((2 * (len(points) - 1), 3))
    out[0::2], out[1::2] = points[:-1], points[1:]
    return out


def _midpoint(points: np.ndarray) -> np.ndarray:
    """The point halfway along a polyline."""
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    along = np.concatenate(([0.0], np.cumsum(steps)))
    half = along[-1] / 2.0
    i = min(int(np.searchsorted(along, half, side="right")) - 1, len(steps) - 1)
    f = 0.0 if steps[i] == 0 else (half - along[i]) / steps[i]
    return points[i] + f * (points[i + 1] - points[i])


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


class GlobeView:
    """A textured globe with satellites, links, nodes and kill-chain routes in Earth-fixed km.

    Build once; ``set_scenario`` after every scenario edit; ``update`` for every snapshot. Only
    ``set_data`` is called on existing visuals while animating.
    """

    LAYERS = (
        "earth",
        "satellites",
        "isl",
        "cross_links",
        "ground_links",
        "nodes",
        "routes",
        "labels",
        "overlay",
    )
    FRAMES = ("earth_fixed", "inertial")
    CAMERA_MODES = ("fixed", "orbit", "follow")
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
        self._fonts = FontManager()
        self._cold_glyphs = [
            (self._fonts.get_font(FONT, bold), char) for bold in (False, True) for char in WARM_GLYPHS
        ]
        self._build_visuals()
        self.overlay = Overlay(self.canvas.scene, self._fonts)
        self.canvas.events.resize.connect(self._on_resize)
        self.canvas.events.draw.connect(self._before_draw, position="first")
        self._layout(self.canvas.size)

        self.scenario: Scenario | None = None
        self.network: Network | None = None
        self.snapshot: Snapshot | None = None
        self._layer_on = dict.fromkeys(self.LAYERS, True)
        self._has_data: dict[object, bool] = {}
        self._frame = "earth_fixed"
        self._camera_mode = "fixed"
        self._camera_target: tuple[str, int] | None = None
        self._selection: tuple[str, int] | None = None
        self._sat_rgba = np.zeros((0, 4), np.float32)
        self._node_rgba = np.zeros((0, 4), np.float32)
        self._sat_index = np.zeros(0, int)  # satellite index of each drawn marker
        self._sat_km = np.zeros((0, 3))
        self._node_km = np.zeros((0, 3))
        self._chain_lines: list[scene.visuals.Line] = []
        self._labels: dict[scene.visuals.Text, tuple[list[str], np.ndarray, list | None]] = {}
        self._shown_labels: dict[scene.visuals.Text, np.ndarray] = {}
        self._active = np.zeros(0, bool)
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

    # ------------------------------------------------------------------ construction
    def _build_visuals(self) -> None:
        ef = self._earth_fixed
        vertices, faces, texcoords = ellipsoid_mesh()
        self._earth = scene.visuals.Mesh(vertices * SCALE, faces, color=EARTH_TINT, parent=ef)
        self._earth.attach(TextureFilter(blue_marble_texture(), texcoords))
        self._earth.set_gl_state("opaque", depth_test=True, cull_face=True)
        self._earth.order = 0
        rng = np.random.default_rng(STAR_SEED)
        stars = rng.normal(size=(STAR_COUNT, 3))
        stars *= STAR_RADIUS / np.linalg.norm(stars, axis=1)[:, None]
        brightness = rng.uniform(0.25, 0.8, STAR_COUNT)[:, None]
        self._stars = scene.visuals.Markers(parent=self._sky)
        self._stars.set_data(
            stars, size=rng.uniform(1.0, 2.2, STAR_COUNT), edge_width=0,
            face_color=np.hstack((np.repeat(brightness, 3, axis=1), np.ones((STAR_COUNT, 1)))),
        )  # fmt: skip

        def links(order: int) -> scene.visuals.Line:
            line = scene.visuals.Line(parent=ef, connect="segments", width=1.0, method="gl")
            line.set_gl_state("translucent", depth_test=True)
            line.order = order
            return line

        self._isl = links(4)
        self._cross = links(4)
        self._ground = links(4)
        self._satellites = scene.visuals.Markers(parent=ef)
        self._satellites.set_gl_state("translucent", depth_test=True)
        self._satellites.order = 2
        # Node symbols are big billboards standing on the surface, which would cut them: they are drawn
        # over everything and left out when the Earth hides them.
        self._nodes = scene.visuals.Markers(parent=ef)
        self._nodes.set_gl_state("translucent", depth_test=False)
        self._nodes.order = 5
        self._selection_ring = scene.visuals.Markers(parent=ef)
        self._selection_ring.set_gl_state("translucent", depth_test=False)
        self._selection_ring.order = 7
        self._node_labels = make_text(ef, self._fonts, "left", "bottom", 8, color=NODE_LABEL_COLOR)
        self._route_labels = make_text(ef, self._fonts, "left", "top", 9, bold=True)
        for label in (self._node_labels, self._route_labels):
            label.order = 6
        self._routes_root = scene.Node(parent=ef, name="routes")
        self._routes_root.order = 1

    def _layer_visuals(self, name: str) -> list:
        return {
            "earth": [self._earth, self._stars],
            "satellites": [self._satellites],
            "isl": [self._isl],
            "cross_links": [self._cross],
            "ground_links": [self._ground],
            "nodes": [self._nodes],
            "routes": list(self._chain_lines),
            "labels": [self._node_labels, self._route_labels],
            "overlay": [self.overlay.root],
        }[name]

    def _refresh_visibility(self) -> None:
        for name in self.LAYERS:
            for visual in self._layer_visuals(name):
                visual.visible = self._layer_on[name] and self._has_data.get(visual, True)
        self._selection_ring.visible = self._selection is not None and self._has_data.get(
            self._selection_ring, False
        )

    # ------------------------------------------------------------------ scenario and styles
    def set_scenario(self, scenario: Scenario, network: Network) -> None:
        """Colours, symbols and names of a (new or edited) scenario; call ``update`` next."""
        self.scenario, self.network = scenario, network
        palette = np.array([Color(c.color).rgba for c in scenario.constellations], np.float32).reshape(-1, 4)
        self._sat_rgba = palette[network.sats.constellation] if len(network.sats) else np.zeros((0, 4))
        self._isl_rgba = self._sat_rgba.copy()
        self._isl_rgba[:, 3] = ISL_ALPHA
        self._sat_size = _satellite_size_px(len(network.sats))
        roles = [node.role for node in scenario.nodes]
        self._node_symbols = [ROLE_SYMBOLS[r] for r in roles]
        self._node_rgba = np.array(
            [Color(node.color or ROLE_COLORS[node.role]).rgba for node in scenario.nodes], np.float32
        ).reshape(-1, 4)
        self._node_names = [LABEL_GAP + node.name for node in scenario.nodes]
        self._chain_index = {chain.name: i for i, chain in enumerate(scenario.chains)}
        self._chain_rgba = [Color(chain.color).rgba for chain in scenario.chains]
        self._rebuild_chain_lines(len(scenario.chains))
        self.overlay.set_title(scenario.name)
        self.overlay.set_legend(self._legend_entries())
        if self._selection is not None and not self._valid_target(self._selection):
            self._selection = None
        if self._camera_target is not None and not self._valid_target(self._camera_target):
            self._camera_mode, self._camera_target = "fixed", None
        self.snapshot = None

    def _rebuild_chain_lines(self, count: int) -> None:
        for line in self._chain_lines[count:]:
            line.parent = None
        self._chain_lines = self._chain_lines[:count]
        while len(self._chain_lines) < count:
            line = scene.visuals.Line(
                parent=self._routes_root,
                connect="segments",
                width=ROUTE_WIDTH_PX,
                method="gl",
                antialias=True,
            )
            line.set_gl_state("translucent", depth_test=True)
            self._chain_lines.append(line)

    def _legend_entries(self) -> list[LegendEntry]:
        sc = self.scenario
        counts = np.bincount(self.network.sats.constellation, minlength=len(sc.constellations))
        entries = [
            LegendEntry(f"{c.name}  ({n:,} sats)", c.color, symbol="disc")
            for c, n in zip(sc.constellations, counts, strict=True)
        ]
        entries += [LegendEntry(chain.name, chain.color) for chain in sc.chains]
        for role in ROLE_SYMBOLS:
            if any(node.role == role for node in sc.nodes):
                label = "C2" if role == "c2" else role
                entries.append(LegendEntry(label, "#c9d1d9", symbol=ROLE_SYMBOLS[role]))
        kinds = {
            "inter-satellite link": ((0.75, 0.85, 1.0, 0.55), len(self.network.isl_pairs) > 0),
            "cross-vendor link": (
                CROSS_LINK_COLOR[:3] + (0.55,),
                sc.interop.enabled and bool(self.network.cross_constellations),
            ),
            "ground link": (GROUND_LINK_COLOR[:3] + (0.7,), bool(sc.nodes)),
        }
        entries += [LegendEntry(label, color) for label, (color, present) in kinds.items() if present]
        return entries

    def _valid_target(self, target: tuple[str, int]) -> bool:
        kind, index = target
        count = {"satellite": len(self._sat_rgba), "node": len(self._node_rgba)}.get(kind)
        return count is not None and 0 <= index < count

    # ------------------------------------------------------------------ per snapshot
    def update(self, snapshot: Snapshot) -> None:
        """Move every visual to ``snapshot`` (positions, links, routes, labels, overlay)."""
        if self.scenario is None:
            raise RuntimeError("GlobeView.update: call set_scenario first")
        self.snapshot = snapshot
        self._apply_frame()
        self._active = snapshot.sat_active & np.isfinite(snapshot.sat_pos[:, 0])
        self._sat_index = np.flatnonzero(self._active)
        self._sat_km = snapshot.sat_pos[self._sat_index]
        self._node_km = self._lifted(snapshot.node_pos)
        ground = np.empty((2 * len(snapshot.ground), 3))
        ground[0::2] = self._node_km[snapshot.ground[:, 0]]
        ground[1::2] = snapshot.sat_pos[snapshot.ground[:, 1]]
        self._set_lines(self._ground, ground, GROUND_LINK_COLOR)
        self._labels[self._node_labels] = (self._node_names, self._node_km, None)
        self._update_routes(snapshot)
        if self._camera_mode == "follow":
            self._follow()
        self._shown_labels.clear()
        self._sync_to_camera()

    def _camera_moved(self, event=None) -> None:
        self._camera_dirty = True

    def _sync_to_camera(self) -> None:
        """Upload what the camera can see: satellites and links behind the Earth are left out
        (horizon culling; a link goes only when both its ends are hidden), labels likewise."""
        self._camera_dirty = False
        snapshot = self.snapshot
        if snapshot is None:
            return
        eye = self._eye_km()
        hidden = hidden_by_earth(eye, snapshot.sat_pos, tolerance_km=0.0, shrink_km=CULL_MARGIN_KM)
        shown = np.flatnonzero(self._active & ~hidden)
        self._set_markers(
            self._satellites, snapshot.sat_pos[shown], size=self._sat_size, face_color=self._sat_rgba[shown],
            edge_width=0,
        )  # fmt: skip
        isl = snapshot.isl[~(hidden[snapshot.isl[:, 0]] & hidden[snapshot.isl[:, 1]])]
        self._set_lines(
            self._isl, snapshot.sat_pos[isl.ravel()], np.repeat(self._isl_rgba[isl[:, 0]], 2, axis=0)
        )
        cross = snapshot.cross[~(hidden[snapshot.cross[:, 0]] & hidden[snapshot.cross[:, 1]])]
        self._set_lines(self._cross, snapshot.sat_pos[cross.ravel()], CROSS_LINK_COLOR)
        nodes = np.flatnonzero(~hidden_by_earth(eye, self._node_km))
        self._set_markers(
            self._nodes, self._node_km[nodes], size=NODE_SIZE_PX, face_color=self._node_rgba[nodes],
            edge_color=(0.0, 0.0, 0.0, 0.9), edge_width=1.2, symbol=[self._node_symbols[i] for i in nodes],
        )  # fmt: skip
        self._refresh_labels(eye)
        self._update_selection()
        self._refresh_visibility()

    def _refresh_labels(self, eye: np.ndarray) -> None:
        """Show the labels whose anchor the Earth does not hide and that do not overlap a label shown
        before them: route latencies first, then node names in scenario order."""
        on_screen = ScreenProjection(self._canvas_matrix(), eye)
        placed = self.overlay.occupied()  # boxes (x0, y0, x1, y1) in canvas pixels
        for visual in sorted(self._labels, key=lambda v: v is not self._route_labels):
            texts, points, colors = self._labels[visual]
            xy = on_screen.project(points) if len(points) else np.zeros((0, 2))
            shown = np.isfinite(xy[:, 0])
            for i in np.flatnonzero(shown):
                box = text_box(visual, texts[i], xy[i], y_down=False)
                if any(_overlap(box, other) for other in placed):
                    shown[i] = False
                else:
                    placed.append(box)
            if visual in self._shown_labels and np.array_equal(self._shown_labels[visual], shown):
                continue
            self._shown_labels[visual] = shown
            keep = np.flatnonzero(shown)
            self._has_data[visual] = len(keep) > 0
            if len(keep):
                set_text(
                    visual, [texts[i] for i in keep], None if colors is None else [colors[i] for i in keep]
                )
                visual.pos = points[keep] * SCALE

    @staticmethod
    def _elapsed(t_s: float) -> str:
        whole = int(round(t_s))
        return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"

    @staticmethod
    def _lifted(node_km: np.ndarray) -> np.ndarray:
        norm = np.linalg.norm(node_km, axis=1, keepdims=True)
        return node_km * (1.0 + NODE_LIFT_KM / np.where(norm > 0, norm, 1.0))

    def _set_markers(self, visual, positions_km: np.ndarray, **style) -> None:
        self._has_data[visual] = len(positions_km) > 0
        if len(positions_km):
            visual.set_data(positions_km * SCALE, **style)

    def _set_lines(self, visual, points_km: np.ndarray, color) -> None:
        self._has_data[visual] = len(points_km) > 0
        if len(points_km):
            visual.set_data(points_km * SCALE, color=color)

    def _route_points(self, snapshot: Snapshot, path: list[int]) -> np.ndarray:
        """A route's vertices (km), its node ends moved to where the node markers are drawn."""
        points = snapshot.vertex_positions(path)
        n_sats = len(snapshot.sat_pos)
        for end in (0, -1):
            if path[end] >= n_sats:
                points[end] = self._node_km[snapshot.vertex_node[path[end] - n_sats]]
        return points

    @staticmethod
    def _add_route_label(labels: list, chain: int, latency: str, anchor: np.ndarray) -> None:
        """Add a leg's latency label; legs whose labels would overlap share one ("20.6 + 28.2 ms"),
        and a leg shared by another chain (same route, same latency) is labelled once."""
        for other_chain, values, other_anchor in labels:
            if np.linalg.norm(other_anchor - anchor) < LABEL_MERGE_KM:
                if other_chain == chain:
                    values.append(latency)
                    return
                if latency in values:
                    return
        labels.append((chain, [latency], anchor))

    def _update_routes(self, snapshot: Snapshot) -> None:
        """One line and leg labels per complete chain; a chain with an unreachable leg gets no line and
        a red UNREACHABLE (naming the leg) in the overlay."""
        broken: dict[int, str] = {}
        for route in snapshot.routes:
            if not route.reachable:
                broken.setdefault(self._chain_index[route.leg.chain], f"{route.leg.src} -> {route.leg.dst}")
        segments: list[list[np.ndarray]] = [[] for _ in self._chain_lines]
        total = np.zeros(len(self._chain_lines))
        labels: list[tuple[int, list[str], np.ndarray]] = []  # chain, latencies, anchor (km)
        for route in snapshot.routes:
            ci = self._chain_index[route.leg.chain]
            if ci in broken:
                continue
            total[ci] += route.latency_ms
            points = self._route_points(snapshot, route.path)
            segments[ci].append(_segments(points))
            self._add_route_label(labels, ci, f"{route.latency_ms:.1f}", _midpoint(points))
        for ci, line in enumerate(self._chain_lines):
            points = np.concatenate(segments[ci]) if segments[ci] else np.zeros((0, 3))
            self._set_lines(line, points, self._chain_rgba[ci])
        self._labels[self._route_labels] = (
            [" + ".join(values) + " ms" for _, values, _ in labels],
            np.array([anchor for _, _, anchor in labels]).reshape(-1, 3),
            [self._chain_rgba[ci] for ci, _, _ in labels],
        )
        self.overlay.set_status(
            f"{snapshot.time_utc:%Y-%m-%d %H:%M:%S} UTC   T+{self._elapsed(snapshot.t_s)}",
            [
                ChainStatus(chain.name, chain.color, None if ci in broken else total[ci], broken.get(ci, ""))
                for ci, chain in enumerate(self.scenario.chains)
            ],
        )

    # ------------------------------------------------------------------ frame, layers, overlay
    def set_frame(self, frame: str) -> None:
        """ "earth_fixed": the globe stands still; "inertial": the stars stand still, the Earth turns."""
        if frame not in self.FRAMES:
            raise ValueError(f"frame must be one of {self.FRAMES}, got {frame!r}")
        self._frame = frame
        self._apply_frame()
        if self._camera_mode == "follow":
            self._follow()
        self._camera_moved()
        self.canvas.update()

    def _apply_frame(self) -> None:
        gmst_deg = np.degrees(self.snapshot.gmst_rad) if self.snapshot is not None else 0.0
        earth, sky = self._earth_fixed.transform, self._sky.transform
        earth.reset()
        sky.reset()
        if self._frame == "inertial":
            earth.rotate(gmst_deg, (0, 0, 1))
        else:
            sky.rotate(-gmst_deg, (0, 0, 1))

    def set_layer_visible(self, name: str, visible: bool) -> None:
        if name not in self.LAYERS:
            raise ValueError(f"layer must be one of {self.LAYERS}, got {name!r}")
        self._layer_on[name] = bool(visible)
        self._refresh_visibility()
        self.canvas.update()

    def set_overlay(self, time: bool = True, latencies: bool = True, legend: bool = True) -> None:
        """Which parts of the screen overlay to show (the "overlay" layer hides all of them)."""
        self.overlay.show_parts(time, latencies, legend)
        self.canvas.update()

    # ------------------------------------------------------------------ camera
    def reset_camera(self) -> None:
        """Look from the default distance at the Earth-fixed direction of the scenario's nodes (their
        start positions; 20 N, 0 E without nodes)."""
        lat, lon = 20.0, 0.0
        if self.scenario is not None and self.scenario.nodes:
            lat, lon = direction_lat_lon(np.mean([self._unit(node) for node in self.scenario.nodes], axis=0))
        self.camera.center = (0.0, 0.0, 0.0)
        self.camera.scale_factor = DEFAULT_SCALE_FACTOR
        self.camera.azimuth, self.camera.elevation = turntable_angles(np.clip(lat, -60, 60), lon)
        self.canvas.update()

    @staticmethod
    def _unit(node) -> np.ndarray:
        where = node.position or node.waypoints[0]
        lat, lon = np.radians(where.lat_deg), np.radians(where.lon_deg)
        return np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])

    def set_camera_mode(self, mode: str, target: tuple[str, int] | None = None) -> None:
        """ "fixed" (mouse only), "orbit" (azimuth turns in ``advance_camera``) or "follow" a target,
        given as ``("satellite", index)`` or ``("node", index)``."""
        if mode not in self.CAMERA_MODES:
            raise ValueError(f"camera mode must be one of {self.CAMERA_MODES}, got {mode!r}")
        if mode == "follow":
            if target is None or not self._valid_target(tuple(target)):
                raise ValueError(
                    f"follow needs a target ('satellite'|'node', index) in the scenario, got {target!r}"
                )
            self._camera_target = (str(target[0]), int(target[1]))
        else:
            self._camera_target = None
        self._camera_mode = mode
        if mode == "follow":
            self._follow()

    @property
    def camera_mode(self) -> str:
        return self._camera_mode

    def advance_camera(self, dt_s: float) -> None:
        """Move an orbiting camera on by ``dt_s`` seconds of wall (or video) time."""
        if self._camera_mode == "orbit":
            self.camera.azimuth = (self.camera.azimuth + self.ORBIT_DEG_PER_S * dt_s + 180.0) % 360.0 - 180.0
        elif self._camera_mode == "follow":
            self._follow()

    def _follow(self) -> None:
        position = self._target_km(self._camera_target)
        if position is None:
            return
        lat, lon = direction_lat_lon(self._scene_positions(position[None])[0])
        self.camera.center = (0.0, 0.0, 0.0)
        self.camera.azimuth, self.camera.elevation = turntable_angles(lat, lon)
        self.canvas.update()

    def _target_km(self, target: tuple[str, int] | None) -> np.ndarray | None:
        if target is None or self.snapshot is None:
            return None
        kind, index = target
        if kind == "node":
            return self._node_km[index] if index < len(self._node_km) else None
        position = self.snapshot.sat_pos[index]
        return position if self.snapshot.sat_active[index] and np.isfinite(position).all() else None

    def _scene_positions(self, points_km: np.ndarray) -> np.ndarray:
        """Earth-fixed km to the camera's (scene) frame, in km."""
        return self._earth_fixed.transform.map(points_km)[:, :3]

    # ------------------------------------------------------------------ selection and picking
    def set_selection(self, kind: str | None, index: int | None = None) -> None:
        """Ring one satellite or node; ``set_selection(None)`` clears it."""
        if kind is None:
            self._selection = None
        else:
            if not self._valid_target((kind, index)):
                raise ValueError(f"no {kind} with index {index}")
            self._selection = (kind, int(index))
        self._update_selection()
        self._refresh_visibility()
        self.canvas.update()

    def _update_selection(self) -> None:
        """Ring the selected object, unless the Earth hides it."""
        position = self._target_km(self._selection)
        if position is not None and hidden_by_earth(self._eye_km(), position)[0]:
            position = None
        self._has_data[self._selection_ring] = position is not None
        if position is not None:
            self._selection_ring.set_data(
                position[None] * SCALE, size=24, symbol="ring", face_color=SELECTION_COLOR,
                edge_color=SELECTION_COLOR, edge_width=0,
            )  # fmt: skip

    def _eye_km(self) -> np.ndarray:
        eye_scene = self.camera.transform.map([0.0, 0.0, 0.0])[:3]
        return self._earth_fixed.transform.imap(eye_scene)[:3] / SCALE

    def _canvas_matrix(self) -> np.ndarray:
        """4x4 matrix from homogeneous Earth-fixed km to homogeneous canvas pixels."""
        transform = self._satellites.get_transform("visual", "canvas")
        scaled = np.diag([SCALE, SCALE, SCALE, 1.0])  # rows: homogeneous km basis vectors, in scene units
        return np.asarray(transform.map(scaled), float)

    def projection(self) -> ScreenProjection:
        """The current camera and what can be picked, as plain numpy (safe to use in another thread)."""
        pickables = []
        if self._layer_on["nodes"]:
            pickables.append(Pickable("node", np.arange(len(self._node_km)), self._node_km.copy()))
        if self._layer_on["satellites"]:
            pickables.append(Pickable("satellite", self._sat_index.copy(), self._sat_km.copy()))
        return ScreenProjection(self._canvas_matrix(), self._eye_km(), tuple(pickables))

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
    def resize(self, size: tuple[int, int]) -> None:
        """Resize the canvas and lay the scene out for it (an off-screen canvas gets no resize event)."""
        self.canvas.size = (int(size[0]), int(size[1]))
        self._layout(self.canvas.size)
        self._camera_moved()

    def _on_resize(self, event) -> None:
        self._layout(event.size)

    def _layout(self, size) -> None:
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
        if size is None or tuple(size) == tuple(self.canvas.size):
            self._before_draw()
            return self.canvas.render()
        width, height = int(size[0]), int(size[1])
        self._layout((width, height))
        try:
            self._before_draw()
            physical_height = self.canvas.physical_size[1]
            return self.canvas.render(
                region=(0, physical_height - height, width, height), size=(width, height)
            )
        finally:
            self._layout(self.canvas.size)
