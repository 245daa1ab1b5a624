"""``MapView``: the scenario on a 2D equirectangular map (VisPy, no Qt): Blue Marble, grid, satellites,
ground tracks, footprints, nodes, routes, threats with their tracks, jamming discs, struck satellites
and a status strip with the time and chain latencies.

Scene coordinates are (lon, lat) in degrees. Lines are cut at the date line and the poles
(``map_geometry``), so nothing streaks across the map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from vispy import scene
from vispy.color import Color
from vispy.gloo import gl
from vispy.visuals.filters import TextureFilter
from vispy.visuals.text.text import FontManager

from ..engine import Network, Snapshot
from ..engine.frames import ecef_to_geodetic, geodetic_to_ecef
from ..engine.layout import NetworkLayout
from ..engine.tracks import (
    MEAN_EARTH_RADIUS_KM,
    TrackSource,
    circle_latlon,
    coverage_angle_rad,
    ground_tracks,
    nadir_cone_angle_rad,
    track_source,
)
from ..scenario import Scenario
from ..styles import ROLE_STYLES, node_color
from .backend import canvas_app, render_at
from .dots import Dots
from .earth import blue_marble_texture
from .layers.attacks import STRUCK_SHOWN_S
from .layers.critical import CRITICAL_COLOR
from .layers.critical import RING_SIZE_PX as CRITICAL_RING_PX
from .map_geometry import ground_paths, polyline_segments
from .map_state import DEFAULT_TRACK_SPAN_S, MapRect, MapState
from .overlay import (
    GLYPH_WIDTH_EM,
    LINE_HEIGHT_EM,
    MUTED_COLOR,
    REFERENCE_DPI,
    UNREACHABLE_COLOR,
    make_text,
    set_text,
    text_box,
)
from .projection import nearest_within

MAP_RECT = (-180.0, -90.0, 360.0, 180.0)  # x, y, width, height in degrees
BACKGROUND = "#0b0f16"
EARTH_TINT = (0.78, 0.78, 0.8, 1.0)  # the imagery is dimmed so that what is drawn on it stands out
QUAD_FACES = np.array([[0, 1, 2], [0, 2, 3]], np.uint32)
STATUS_PX = 30  # height of the status strip under the map
STATUS_BACKGROUND = (0.043, 0.059, 0.086, 1.0)
STATUS_TEXT_COLOR = "#e6edf3"
GRID_STEP_DEG = 30
GRID_COLOR = (1.0, 1.0, 1.0, 0.16)
GRID_LABEL_COLOR = (0.85, 0.89, 0.95, 0.75)
LON_LABEL_LAT_DEG = -60.0  # longitudes are labelled on this parallel, over the dark Southern Ocean
TRACK_AHEAD_ALPHA = 0.95
TRACK_BEHIND_ALPHA = 0.4
TRACK_WIDTH_PX = 2.0
TRACK_WHITENING = 0.6  # a track is its satellite's colour mixed this much with white
FOOTPRINT_ALPHA = 0.85
FOOTPRINT_WIDTH_PX = 1.5
ROUTE_WIDTH_PX = 4.0
ROUTE_CASING_PX = 7.0
ROUTE_CASING_COLOR = (0.0, 0.0, 0.0, 0.55)
NODE_SIZE_PX = 13.0
NODE_LABEL_COLOR = "#e6edf3"
LABEL_GAP = "  "
LABEL_SHADOW_COLOR = (0.0, 0.0, 0.0, 0.85)  # drawn under each name, a pixel down and right
LABEL_SHADOW_PX = 1.0
LABEL_MAX_SHIFT = 4  # lines a node name may move down to clear another
SELECTION_COLOR = "#ffffff"
SELECTION_SIZE_PX = 20.0
CRITICAL_LINK_PX = 3.0
ALTITUDE_ROUND_KM = 10.0  # shells closer in altitude than this share one node footprint
CHAIN_GAP_PX = 22  # between chain entries in the status strip
DEFAULT_TRACK_STEP_S = 20.0
DEFAULT_COVERAGE_ELEVATION_DEG = 10.0
MAX_STALE_GL_ERRORS = 16
THREAT_PAST_ALPHA = 0.35  # a threat's track behind it, dimmer than the part ahead
THREAT_AHEAD_ALPHA = 0.95
THREAT_TRACK_PX = 2.5
THREAT_SIZE_PX = 14.0
CUSTODY_ALPHA = 0.7  # footprints of the sensor satellites that hold a threat now
JAM_COLOR = (1.0, 0.67, 0.25, 0.95)
JAM_WIDTH_PX = 2.5
STRUCK_COLOR = (1.0, 0.32, 0.32, 0.75)
STRUCK_SIZE_PX = 6.0
MIN_VIEW_DEG = 2.0  # the narrowest part of the map the camera shows


def _satellite_size_px(count: int) -> float:
    return 4.0 if count <= 2500 else 3.5 if count <= 6000 else 3.0


def _elapsed(t_s: float) -> str:
    whole = int(round(t_s))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def _text_width_px(text: str, size_pt: float) -> float:
    return GLYPH_WIDTH_EM * size_pt * REFERENCE_DPI / 72.0 * len(text)


@dataclass(frozen=True)
class MapPickable:
    """Objects of one kind as drawn on the map: their indices and (lat, lon) in degrees."""

    kind: str  # "node" or "satellite"
    indices: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray


@dataclass(frozen=True)
class MapProjection:
    """One frame's map placement, frozen (plain numpy, usable in any thread): canvas pixel
    ``x = lon * scale[0] + offset[0]``, ``y = lat * scale[1] + offset[1]`` (scale[1] < 0: y down)."""

    scale: tuple[float, float]
    offset: tuple[float, float]
    pickables: tuple[MapPickable, ...] = ()

    def project(self, lat_deg, lon_deg) -> np.ndarray:
        """Canvas pixel coordinates ``(N, 2)`` of points given in degrees."""
        lat = np.atleast_1d(np.asarray(lat_deg, float))
        lon = np.atleast_1d(np.asarray(lon_deg, float))
        return np.stack((lon * self.scale[0] + self.offset[0], lat * self.scale[1] + self.offset[1]), axis=1)

    def latlon_at(self, x: float, y: float) -> tuple[float, float] | None:
        """(lat, lon) in degrees under canvas pixel (x, y), or None off the map."""
        lon = (x - self.offset[0]) / self.scale[0]
        lat = (y - self.offset[1]) / self.scale[1]
        if abs(lat) > 90.0 or abs(lon) > 180.0:
            return None
        return float(lat), float(lon)

    def pick(self, x: float, y: float) -> tuple[str, int] | None:
        """The node or satellite drawn nearest to pixel (x, y) within ``PICK_RADIUS_PX`` (nodes first)."""
        for group in self.pickables:
            if len(group.indices) == 0:
                continue
            best = nearest_within(self.project(group.lat_deg, group.lon_deg), x, y)
            if best is not None:
                return group.kind, int(group.indices[best])
        return None


class MapView:
    """An equirectangular map of a scenario: build once, ``set_scenario`` after every scenario edit,
    ``update`` for every snapshot; ground tracks, footprints and the selection are options of the
    view and follow every update."""

    LAYERS = (
        "earth",
        "grid",
        "footprints",
        "jamming",
        "tracks",
        "satellites",
        "struck",
        "routes",
        "threats",
        "nodes",
        "critical",
        "labels",
        "status",
    )

    def __init__(self, size=(1280, 720), bgcolor=BACKGROUND, app=None):
        """``app``: the VisPy application to draw with (default ``canvas_app()``: EGL off-screen)."""
        self.canvas = scene.SceneCanvas(
            size=size, show=False, keys=None, bgcolor=bgcolor, app=app if app is not None else canvas_app()
        )
        self.canvas.dpi = REFERENCE_DPI
        self.view = scene.widgets.ViewBox(parent=self.canvas.scene)
        self.view.scene.clip_children = False  # the status strip covers what pans under it
        self.camera = scene.PanZoomCamera(aspect=1.0, rect=MAP_RECT)
        self.view.camera = self.camera
        self._fonts = FontManager()
        self._build_map()
        self._build_status()
        self.canvas.events.draw.connect(self._before_draw, position="first")

        self.scenario: Scenario | None = None
        self.network: Network | NetworkLayout | None = None
        self._track_source: Network | TrackSource | None = None
        self._threat_tracks: list[tuple[np.ndarray, np.ndarray, tuple]] = []  # times, Earth-fixed km, rgba
        self._applied: MapState | None = None
        self.snapshot: Snapshot | None = None
        self._layer_on = dict.fromkeys(self.LAYERS, True)
        self._has_data: dict[object, bool] = {}
        self._selection: tuple[str, int] | None = None
        self._critical: tuple[tuple[str, int], ...] = ()
        self._critical_link_ends: tuple[tuple[tuple[str, int], tuple[str, int]], ...] = ()
        self._tracks: tuple[np.ndarray, float, float, float] = (np.zeros(0, int), 0.0, 0.0, 1.0)
        self._footprints: tuple[np.ndarray, np.ndarray, float] = (np.zeros(0, int), np.zeros(0, int), 0.0)
        self._sat_rgba = np.zeros((0, 4), np.float32)
        self._node_rgba = np.zeros((0, 4), np.float32)
        self._sat_lat = self._sat_lon = np.zeros(0)
        self._sat_alt_km = np.zeros(0)
        self._node_lat = self._node_lon = np.zeros(0)
        self._node_texts: list[str] = []
        self._labels_placed_for: tuple = ()
        self._sat_index = np.zeros(0, int)  # satellite index of each drawn marker
        self._layout(self.canvas.size)

    # ------------------------------------------------------------------ construction
    def _build_map(self) -> None:
        parent = self.view.scene
        x0, y0, width, height = MAP_RECT
        corners = np.array(
            [(x0, y0), (x0 + width, y0), (x0 + width, y0 + height), (x0, y0 + height)], np.float32
        )
        self._earth = scene.visuals.Mesh(vertices=corners, faces=QUAD_FACES, color=EARTH_TINT, parent=parent)
        # texture v runs from the north pole down (row 0 of the image)
        self._earth.attach(
            TextureFilter(blue_marble_texture(), np.array([(0, 1), (1, 1), (1, 0), (0, 0)], np.float32))
        )
        self._grid = self._line(parent, width=1.0)
        self._grid.set_data(self._grid_segments(), color=GRID_COLOR)
        self._grid_labels = make_text(parent, self._fonts, "left", "bottom", 7, color=GRID_LABEL_COLOR)
        self._place_grid_labels()
        self._footprint_lines = self._line(parent, width=FOOTPRINT_WIDTH_PX)
        self._custody_lines = self._line(parent, width=FOOTPRINT_WIDTH_PX)
        self._jam_lines = self._line(parent, width=JAM_WIDTH_PX)
        self._track_lines = self._line(parent, width=TRACK_WIDTH_PX)
        self._satellites = Dots(parent=parent)
        self._struck = scene.visuals.Markers(parent=parent)
        self._route_casing = self._line(parent, width=ROUTE_CASING_PX)
        self._routes = self._line(parent, width=ROUTE_WIDTH_PX)
        self._threat_lines = self._line(parent, width=THREAT_TRACK_PX)
        self._threats = scene.visuals.Markers(parent=parent)
        self._nodes = scene.visuals.Markers(parent=parent)
        self._critical_links = self._line(parent, width=CRITICAL_LINK_PX)
        self._critical_rings = scene.visuals.Markers(parent=parent)
        self._selection_ring = scene.visuals.Markers(parent=parent)
        self._node_shadows = make_text(parent, self._fonts, "left", "center", 8, color=LABEL_SHADOW_COLOR)
        self._node_labels = make_text(parent, self._fonts, "left", "center", 8, color=NODE_LABEL_COLOR)
        drawn_in_order = (
            self._earth, self._grid, self._grid_labels, self._footprint_lines, self._custody_lines,
            self._jam_lines, self._track_lines, self._satellites, self._struck, self._route_casing,
            self._routes, self._threat_lines, self._threats, self._nodes, self._critical_links,
            self._critical_rings, self._selection_ring,
            self._node_shadows,
            self._node_labels,
        )  # fmt: skip
        for order, visual in enumerate(drawn_in_order):
            visual.order = order
            visual.set_gl_state("translucent", depth_test=False)

    @staticmethod
    def _line(parent, width: float) -> scene.visuals.Line:
        return scene.visuals.Line(parent=parent, connect="segments", width=width, method="gl", antialias=True)

    @staticmethod
    def _grid_segments() -> np.ndarray:
        lons = np.arange(-180, 181, GRID_STEP_DEG, dtype=float)
        lats = np.arange(-90 + GRID_STEP_DEG, 90, GRID_STEP_DEG, dtype=float)
        meridians = np.stack([(lon, y) for lon in lons for y in (-90.0, 90.0)])
        parallels = np.stack([(x, lat) for lat in lats for x in (-180.0, 180.0)])
        return np.concatenate((meridians, parallels))

    def _place_grid_labels(self) -> None:
        def name(value: float, positive: str, negative: str) -> str:
            return "0\u00b0" if value == 0 else f"{abs(value):g}\u00b0{positive if value > 0 else negative}"

        lats = np.arange(-90 + GRID_STEP_DEG, 90, GRID_STEP_DEG, dtype=float)
        lons = np.arange(-180 + GRID_STEP_DEG, 180, GRID_STEP_DEG, dtype=float)
        set_text(
            self._grid_labels,
            [" " + name(v, "N", "S") for v in lats] + [" " + name(v, "E", "W") for v in lons],
        )
        points = [(-180.0, lat) for lat in lats] + [(lon, LON_LABEL_LAT_DEG) for lon in lons]
        self._grid_labels.pos = np.array(points)

    def _build_status(self) -> None:
        root = self._status_root = scene.Node(parent=self.canvas.scene, name="status")
        root.order = 100
        self._status_panel = scene.visuals.Mesh(color=STATUS_BACKGROUND, parent=root)
        self._status_left = make_text(root, self._fonts, "left", "center", 9, color=STATUS_TEXT_COLOR)
        self._status_chains = make_text(root, self._fonts, "right", "center", 9, bold=True)
        self._legend_markers = scene.visuals.Markers(parent=root)
        for order, visual in enumerate((self._status_panel, self._status_left, self._status_chains,
                                        self._legend_markers)):  # fmt: skip
            visual.order = order
            visual.set_gl_state("translucent", depth_test=False)
        self._status_clock = ""
        self._status_elapsed = ""  # the clock's short form, for a narrow map
        self._status_title = ""
        self._status_entries: list[tuple[str, tuple, str, tuple]] = []  # chain text, colour, short forms
        self._legend: list[tuple[str, tuple]] = []  # constellation names and colours

    # ------------------------------------------------------------------ layers
    def _layer_visuals(self, name: str) -> list:
        return {
            "earth": [self._earth],
            "grid": [self._grid, self._grid_labels],
            "footprints": [self._footprint_lines],
            "jamming": [self._jam_lines],
            "tracks": [self._track_lines],
            "satellites": [self._satellites],
            "struck": [self._struck],
            "routes": [self._route_casing, self._routes],
            "threats": [self._threat_lines, self._threats, self._custody_lines],
            "nodes": [self._nodes],
            "critical": [self._critical_links, self._critical_rings],
            "labels": [self._node_shadows, self._node_labels],
            "status": [self._status_root],
        }[name]

    def _refresh_visibility(self) -> None:
        for name in self.LAYERS:
            for visual in self._layer_visuals(name):
                visual.visible = self._layer_on[name] and self._has_data.get(visual, True)
        self._selection_ring.visible = self._selection is not None and self._has_data.get(
            self._selection_ring, False
        )

    def set_layer_visible(self, name: str, visible: bool) -> None:
        if name not in self.LAYERS:
            raise ValueError(f"layer must be one of {self.LAYERS}, got {name!r}")
        self._layer_on[name] = bool(visible)
        self._refresh_visibility()
        self.canvas.update()

    # ------------------------------------------------------------------ scenario
    def set_scenario(self, scenario: Scenario, network: Network | NetworkLayout) -> None:
        """Colours, symbols and names of a (new or edited) scenario; call ``update`` next. ``network``:
        its Network, or the Network's layout (the satellites are then built for ground tracks only
        when some are asked for)."""
        self.scenario, self.network = scenario, network
        self._track_source = network if isinstance(network, Network) else None
        self._threat_tracks = [
            (
                np.array([p.t_s for p in threat.waypoints]),
                geodetic_to_ecef(
                    np.array([p.lat_deg for p in threat.waypoints]),
                    np.array([p.lon_deg for p in threat.waypoints]),
                    np.array([p.alt_m for p in threat.waypoints]),
                ),
                Color(threat.color).rgba,
            )
            for threat in scenario.threats
        ]
        palette = np.array([Color(c.color).rgba for c in scenario.constellations], np.float32).reshape(-1, 4)
        self._sat_rgba = palette[network.sats.constellation] if len(network.sats) else np.zeros((0, 4))
        self._sat_size = _satellite_size_px(len(network.sats))
        self._node_symbols = [ROLE_STYLES[node.role].shape for node in scenario.nodes]
        self._node_rgba = np.array(
            [Color(node_color(node.role, node.color)).rgba for node in scenario.nodes], np.float32
        ).reshape(-1, 4)
        self._node_texts = [LABEL_GAP + node.name for node in scenario.nodes]
        for visual in (self._node_shadows, self._node_labels):
            set_text(visual, self._node_texts or [""])
        self._chain_index = {chain.name: i for i, chain in enumerate(scenario.chains)}
        self._chain_rgba = [Color(chain.color).rgba for chain in scenario.chains]
        self._status_title = scenario.name
        self._legend = [(c.name, Color(c.color).rgba) for c in scenario.constellations]
        if self._selection is not None and not self._valid_target(self._selection):
            self._selection = None
        tracked, behind, ahead, step = self._tracks
        self._tracks = (tracked[tracked < len(self._sat_rgba)], behind, ahead, step)
        nodes, sats, elevation = self._footprints
        self._footprints = (nodes[nodes < len(self._node_rgba)], sats[sats < len(self._sat_rgba)], elevation)
        self.snapshot = None

    def _valid_target(self, target: tuple[str, int]) -> bool:
        kind, index = target
        count = {"satellite": len(self._sat_rgba), "node": len(self._node_rgba)}.get(kind)
        return count is not None and index is not None and 0 <= index < count

    def _check_indices(self, kind: str, indices) -> np.ndarray:
        indices = np.unique(np.asarray(list(indices), int))
        if not all(self._valid_target((kind, int(i))) for i in indices):
            raise ValueError(f"no {kind} with some of the indices {indices.tolist()}")
        return indices

    def set_ground_tracks(
        self,
        satellites,
        behind_s: float = DEFAULT_TRACK_SPAN_S,
        ahead_s: float = DEFAULT_TRACK_SPAN_S,
        step_s: float = DEFAULT_TRACK_STEP_S,
    ) -> None:
        """Draw the ground tracks of these satellite indices from ``behind_s`` before to ``ahead_s``
        after each snapshot's time (the part behind dimmer); an empty list draws none."""
        if step_s <= 0 or behind_s < 0 or ahead_s < 0:
            raise ValueError("ground tracks need step_s > 0 and behind_s, ahead_s >= 0")
        self._tracks = (self._check_indices("satellite", satellites), behind_s, ahead_s, step_s)
        self._redraw()

    def set_footprints(
        self, nodes=(), satellites=(), min_elevation_deg: float = DEFAULT_COVERAGE_ELEVATION_DEG
    ) -> None:
        """Outline the ground-link footprints of these node indices (where the sub-point of a satellite
        must be for the node to link to it: one ring per shell altitude, in the shell's colour) and
        the coverage of these satellite indices (where they are seen above ``min_elevation_deg``)."""
        self._footprints = (
            self._check_indices("node", nodes),
            self._check_indices("satellite", satellites),
            float(min_elevation_deg),
        )
        self._redraw()

    def _redraw(self) -> None:
        if self.snapshot is not None:
            self.update(self.snapshot)
        self.canvas.update()

    # ------------------------------------------------------------------ per snapshot
    def update(self, snapshot: Snapshot) -> None:
        """Move every visual to ``snapshot``: satellites, nodes, routes, tracks, footprints, status."""
        if self.scenario is None:
            raise RuntimeError("MapView.update: call set_scenario first")
        self.snapshot = snapshot
        lat, lon, alt_m = ecef_to_geodetic(snapshot.sat_pos)
        self._sat_lat, self._sat_lon, self._sat_alt_km = lat, lon, alt_m / 1000.0
        active = snapshot.sat_active & np.isfinite(lat)
        self._sat_index = np.flatnonzero(active)
        self._has_data[self._satellites] = len(self._sat_index) > 0
        if len(self._sat_index):
            self._satellites.set_data(
                np.stack((lon[self._sat_index], lat[self._sat_index]), axis=1),
                self._sat_rgba[self._sat_index],
                size=self._sat_size,
            )
        self._node_lat, self._node_lon, _ = ecef_to_geodetic(snapshot.node_pos)
        self._has_data[self._nodes] = len(self._node_lat) > 0
        if len(self._node_lat):
            self._nodes.set_data(
                np.stack((self._node_lon, self._node_lat), axis=1), size=NODE_SIZE_PX,
                face_color=self._node_rgba, edge_color=(0.0, 0.0, 0.0, 0.9), edge_width=1.2,
                symbol=self._node_symbols,
            )  # fmt: skip
        self._place_node_labels()
        self._update_routes(snapshot)
        self._update_tracks(snapshot.t_s)
        self._update_footprints()
        self._update_threats(snapshot)
        self._update_jamming(snapshot)
        self._update_struck(snapshot)
        self._update_selection()
        self._update_critical()
        self._update_status(snapshot)
        self._refresh_visibility()

    def _place_node_labels(self) -> None:
        """Node names right of their markers, over a dark shadow; a name that would overlap one placed
        before it moves down a line at a time (up to LABEL_MAX_SHIFT lines)."""
        self._labels_placed_for = tuple(self.camera.rect.pos + self.camera.rect.size) + tuple(self._size)
        for visual in (self._node_shadows, self._node_labels):
            self._has_data[visual] = len(self._node_lat) > 0
        if not len(self._node_lat):
            return
        where = self.projection()
        xy = where.project(self._node_lat, self._node_lon)
        line_px = LINE_HEIGHT_EM * self._node_labels.font_size * REFERENCE_DPI / 72.0
        placed: list[np.ndarray] = []
        for i, text in enumerate(self._node_texts):
            for _ in range(LABEL_MAX_SHIFT):
                box = text_box(self._node_labels, text, xy[i], y_down=True)
                if not any(_overlap(box, other) for other in placed):
                    break
                xy[i, 1] += line_px
            placed.append(box)
        for visual, shift_px in ((self._node_labels, 0.0), (self._node_shadows, LABEL_SHADOW_PX)):
            lon = (xy[:, 0] + shift_px - where.offset[0]) / where.scale[0]
            lat = (xy[:, 1] + shift_px - where.offset[1]) / where.scale[1]
            visual.pos = np.stack((lon, lat), axis=1)

    def _set_lines(self, visual, segments: np.ndarray, color) -> None:
        self._has_data[visual] = len(segments) > 0
        if len(segments):
            visual.set_data(segments, color=color)

    def _update_routes(self, snapshot: Snapshot) -> None:
        """Each complete chain's route along the ground paths of its links, in the chain's colour over a
        dark casing; a chain with an unreachable leg is not drawn (the status strip says why)."""
        broken = {self._chain_index[r.leg.chain] for r in snapshot.routes if not r.reachable}
        links: list[list[np.ndarray]] = [[] for _ in self._chain_rgba]
        for route in snapshot.routes:
            chain = self._chain_index[route.leg.chain]
            if chain not in broken:
                links[chain].append(snapshot.vertex_positions(route.path))
        segments, colors = [], []
        for chain, paths in enumerate(links):
            if not paths:
                continue
            a = np.concatenate([p[:-1] for p in paths])
            b = np.concatenate([p[1:] for p in paths])
            drawn = polyline_segments(*ground_paths(a, b))
            segments.append(drawn)
            colors.append(np.repeat([self._chain_rgba[chain]], len(drawn), axis=0))
        points = np.concatenate(segments) if segments else np.zeros((0, 2))
        self._set_lines(self._route_casing, points, ROUTE_CASING_COLOR)
        self._set_lines(self._routes, points, np.concatenate(colors) if colors else None)

    def _update_tracks(self, t_s: float) -> None:
        satellites, behind_s, ahead_s, step_s = self._tracks
        if not len(satellites):
            self._has_data[self._track_lines] = False
            return
        tracks = ground_tracks(self._satellite_source(), satellites, t_s, behind_s, ahead_s, step_s)
        now = tracks.now_index
        segments, colors = [], []
        for cols, alpha in ((slice(0, now + 1), TRACK_BEHIND_ALPHA), (slice(now, None), TRACK_AHEAD_ALPHA)):
            for row, sat in enumerate(satellites):
                drawn = polyline_segments(tracks.lat_deg[row, cols], tracks.lon_deg[row, cols])
                rgba = np.array(self._sat_rgba[sat], np.float32)
                rgba[:3] += TRACK_WHITENING * (1.0 - rgba[:3])  # set apart from the satellite dots
                rgba[3] = alpha
                segments.append(drawn)
                colors.append(np.repeat(rgba[None], len(drawn), axis=0))
        self._set_lines(self._track_lines, np.concatenate(segments), np.concatenate(colors))

    def _satellite_source(self) -> Network | TrackSource:
        if self._track_source is None:
            self._track_source = track_source(self.scenario, self.network.base_dir)
        return self._track_source

    def _update_footprints(self) -> None:
        nodes, satellites, elevation = self._footprints
        lat, lon, angle, rgba = [], [], [], []
        if len(nodes):
            shells = self._shell_altitudes()
            for g in nodes:
                node = self.scenario.nodes[g]
                for altitude_km, color in shells:
                    lat.append(self._node_lat[g])
                    lon.append(self._node_lon[g])
                    angle.append(coverage_angle_rad(altitude_km, node.min_elevation_deg, node.max_range_km))
                    rgba.append(color)
        shown = satellites[np.isfinite(self._sat_lat[satellites])] if len(satellites) else satellites
        for s in shown:
            lat.append(self._sat_lat[s])
            lon.append(self._sat_lon[s])
            angle.append(coverage_angle_rad(self._sat_alt_km[s], elevation))
            rgba.append(self._sat_rgba[s])
        self._set_circles(self._footprint_lines, lat, lon, angle, rgba, FOOTPRINT_ALPHA)

    def _update_threats(self, snapshot: Snapshot) -> None:
        """Each threat's track along its waypoints, dimmer behind it than ahead; a diamond where it is
        now; and the coverage of the sensor satellites that hold it, in its colour."""
        segments, colors, marks, mark_rgba = [], [], [], []
        for h, (times, points, rgba) in enumerate(self._threat_tracks):
            now = snapshot.threat_pos[h] if h < len(snapshot.threat_pos) else np.full(3, np.nan)
            here = [now] if np.isfinite(now).all() else []
            passed = times <= snapshot.t_s
            for part, alpha in (([*points[passed], *here], THREAT_PAST_ALPHA),
                                ([*here, *points[~passed]], THREAT_AHEAD_ALPHA)):  # fmt: skip
                if len(part) >= 2:
                    part = np.array(part)
                    drawn = polyline_segments(*ground_paths(part[:-1], part[1:]))
                    segments.append(drawn)
                    colors.append(np.repeat([(*rgba[:3], alpha)], len(drawn), axis=0))
            if here:
                marks.append(now)
                mark_rgba.append(rgba)
        self._set_lines(
            self._threat_lines,
            np.concatenate(segments) if segments else np.zeros((0, 2)),
            np.concatenate(colors) if colors else None,
        )
        self._has_data[self._threats] = bool(marks)
        if marks:
            lat, lon, _ = ecef_to_geodetic(np.array(marks))
            self._threats.set_data(
                np.stack((lon, lat), axis=1), size=THREAT_SIZE_PX, symbol="diamond",
                face_color=np.array(mark_rgba), edge_color="white", edge_width=1.5,
            )  # fmt: skip
        self._update_custody(snapshot)

    def _update_custody(self, snapshot: Snapshot) -> None:
        custody = snapshot.custody_sats
        holders = np.flatnonzero(custody.any(axis=0)) if custody.size else np.zeros(0, int)
        holders = holders[np.isfinite(self._sat_lat[holders])]
        lat, lon, angle, rgba = [], [], [], []
        for s in holders:
            view = self.scenario.constellations[int(self.network.sats.constellation[s])].field_of_regard
            lat.append(self._sat_lat[s])
            lon.append(self._sat_lon[s])
            angle.append(nadir_cone_angle_rad(self._sat_alt_km[s], view.half_angle_deg, view.max_range_km))
            rgba.append(self._threat_tracks[int(np.argmax(custody[:, s]))][2])
        self._set_circles(self._custody_lines, lat, lon, angle, rgba, CUSTODY_ALPHA)

    def _update_jamming(self, snapshot: Snapshot) -> None:
        discs = snapshot.jamming
        self._set_circles(
            self._jam_lines, [d.lat_deg for d in discs], [d.lon_deg for d in discs],
            [d.radius_km / MEAN_EARTH_RADIUS_KM for d in discs], [JAM_COLOR] * len(discs), JAM_COLOR[3],
        )  # fmt: skip

    def _set_circles(self, visual, lat: list, lon: list, angle: list, rgba: list, alpha: float) -> None:
        """Outline circles of central angle ``angle`` (radians) around (lat, lon), each in its colour."""
        segments, colors = [], []
        if lat:
            circle_lat, circle_lon = circle_latlon(lat, lon, np.array(angle, float))
            for row, color in enumerate(rgba):
                drawn = polyline_segments(circle_lat[row], circle_lon[row])
                segments.append(drawn)
                colors.append(np.repeat([(*color[:3], alpha)], len(drawn), axis=0))
        self._set_lines(
            visual,
            np.concatenate(segments) if segments else np.zeros((0, 2)),
            np.concatenate(colors) if colors else None,
        )

    def _update_struck(self, snapshot: Snapshot) -> None:
        """A cross where each satellite struck in the last ``STRUCK_SHOWN_S`` would be, as on the globe
        (its debris: the engine no longer places it, so it is propagated here)."""
        since = snapshot.t_s - snapshot.sat_destroyed_at_s
        with np.errstate(invalid="ignore"):
            recent = (since >= 0.0) & (since <= STRUCK_SHOWN_S)
        struck = np.flatnonzero(recent) if len(since) else np.zeros(0, int)
        if len(struck):
            debris = ground_tracks(self._satellite_source(), struck, snapshot.t_s, 0.0, 0.0, 1.0)
            lat, lon = debris.lat_deg[:, debris.now_index], debris.lon_deg[:, debris.now_index]
            shown = np.isfinite(lat)
            struck, lat, lon = struck[shown], lat[shown], lon[shown]
        self._has_data[self._struck] = len(struck) > 0
        if len(struck):
            self._struck.set_data(
                np.stack((lon, lat), axis=1), size=STRUCK_SIZE_PX, symbol="x", face_color=STRUCK_COLOR,
                edge_color=STRUCK_COLOR, edge_width=1.0,
            )  # fmt: skip

    def _shell_altitudes(self) -> list[tuple[float, tuple]]:
        """(altitude km, colour) of each constellation's median satellite now; shells within
        ALTITUDE_ROUND_KM of one drawn before are left out."""
        shells: list[tuple[float, tuple]] = []
        for members, c in zip(self.network.sats.ranges, self.scenario.constellations, strict=True):
            altitudes = self._sat_alt_km[members.start : members.stop]
            altitudes = altitudes[np.isfinite(altitudes)]
            if not len(altitudes):
                continue
            altitude = float(np.median(altitudes))
            if all(abs(altitude - other) >= ALTITUDE_ROUND_KM for other, _ in shells):
                shells.append((altitude, Color(c.color).rgba))
        return shells

    def _status_fit(self, right: float) -> tuple[list[tuple[str, tuple]], str]:
        """The chain entries (text, colour) and the clock text that fit left of ``right`` together:
        full texts where they fit, else the chains' short forms, else the short clock too."""
        full = [(text, color) for text, color, _, _ in self._status_entries]
        short = [(text, color) for _, _, text, color in self._status_entries]
        for chains, clock in (
            (full, self._status_clock),
            (short, self._status_clock),
            (short, self._status_elapsed),
        ):
            used = sum(_text_width_px(text, 9) + CHAIN_GAP_PX for text, _ in chains)
            if 12.0 + _text_width_px(clock, 9) + CHAIN_GAP_PX + used <= right:
                break
        return chains, clock

    def _update_status(self, snapshot: Snapshot) -> None:
        self._status_elapsed = f"T+{_elapsed(snapshot.t_s)}"
        self._status_clock = f"{snapshot.time_utc:%Y-%m-%d %H:%M:%S} UTC   {self._status_elapsed}"
        total = np.zeros(len(self._chain_rgba))
        broken: dict[int, str] = {}
        for route in snapshot.routes:
            chain = self._chain_index[route.leg.chain]
            if route.reachable:
                total[chain] += route.latency_ms
            else:
                broken.setdefault(chain, f"{route.leg.src} -> {route.leg.dst}")
        self._status_entries = [
            (
                f"{chain.name}  {total[i]:.1f} ms"
                if i not in broken
                else f"{chain.name}  UNREACHABLE ({broken[i]})",
                self._chain_rgba[i] if i not in broken else Color(UNREACHABLE_COLOR).rgba,
                f"{total[i]:.1f} ms" if i not in broken else "unreachable",  # in the chain's colour
                self._chain_rgba[i],
            )
            for i, chain in enumerate(self.scenario.chains)
        ]
        self._layout_status()

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

    def _lonlat(self, target: tuple[str, int]) -> tuple[float, float] | None:
        """Where a node or satellite is drawn now (lon, lat), or None (no snapshot, satellite gone)."""
        kind, index = target
        if self.snapshot is None:
            return None
        if kind == "node":
            return self._node_lon[index], self._node_lat[index]
        if self.snapshot.sat_active[index] and np.isfinite(self._sat_lat[index]):
            return self._sat_lon[index], self._sat_lat[index]
        return None

    def _update_selection(self) -> None:
        where = None if self._selection is None else self._lonlat(self._selection)
        self._has_data[self._selection_ring] = where is not None
        if where is not None:
            self._selection_ring.set_data(
                np.array([where]), size=SELECTION_SIZE_PX, symbol="ring", face_color=SELECTION_COLOR,
                edge_width=0,
            )  # fmt: skip

    def _update_critical(self) -> None:
        """Amber rings on a resilience study's critical satellites and nodes, and amber lines along its
        critical links, where they are now."""
        where = [xy for xy in map(self._lonlat, self._critical) if xy is not None]
        self._has_data[self._critical_rings] = bool(where)
        if where:
            self._critical_rings.set_data(
                np.array(where), size=CRITICAL_RING_PX, symbol="ring", face_color=CRITICAL_COLOR, edge_width=0
            )
        ends = np.zeros((0, 2, 3))
        if self.snapshot is not None and self._critical_link_ends:
            ends = np.array([[self._position_km(t) for t in link] for link in self._critical_link_ends])
        drawn = polyline_segments(*ground_paths(ends[:, 0], ends[:, 1])) if len(ends) else np.zeros((0, 2))
        self._set_lines(self._critical_links, drawn, CRITICAL_COLOR)

    def _position_km(self, target: tuple[str, int]) -> np.ndarray:
        """Where a satellite (NaN when inactive: its links are then not drawn) or a node is now (km)."""
        kind, index = target
        snap = self.snapshot
        if kind == "node":
            return snap.node_pos[index]
        return snap.sat_pos[index] if snap.sat_active[index] else np.full(3, np.nan)

    def projection(self) -> MapProjection:
        """Where the map is drawn now and what can be picked, as plain numpy."""
        transform = self._earth.parent.node_transform(self.canvas.scene)
        origin, unit = transform.map(np.array([[0.0, 0.0], [1.0, 1.0]]))[:, :2]
        pickables = []
        if self.snapshot is not None:
            if self._layer_on["nodes"]:
                nodes = np.arange(len(self._node_lat))
                pickables.append(MapPickable("node", nodes, self._node_lat.copy(), self._node_lon.copy()))
            if self._layer_on["satellites"]:
                shown = self._sat_index
                pickables.append(
                    MapPickable("satellite", shown.copy(), self._sat_lat[shown], self._sat_lon[shown])
                )
        return MapProjection(tuple(unit - origin), tuple(origin), tuple(pickables))

    def project(self, lat_deg, lon_deg) -> np.ndarray:
        """Canvas pixel coordinates ``(N, 2)`` of points given as latitude and longitude (degrees)."""
        return self.projection().project(lat_deg, lon_deg)

    def pick(self, x: float, y: float) -> tuple[str, int] | None:
        """The node or satellite drawn nearest to canvas pixel (x, y), if one is close enough."""
        return self.projection().pick(x, y)

    def latlon_at(self, x: float, y: float) -> tuple[float, float] | None:
        """(lat, lon) in degrees under canvas pixel (x, y), or None off the map."""
        return self.projection().latlon_at(x, y)

    def reset_camera(self) -> None:
        """Show the whole map."""
        self.camera.rect = MAP_RECT
        self.canvas.update()

    def camera_pose(self) -> MapRect:
        """The rectangle of the map the camera shows: (lon, lat, width, height) in degrees."""
        rect = self.camera.rect
        return (float(rect.left), float(rect.bottom), float(rect.width), float(rect.height))

    def clamp_camera(self) -> None:
        """Keep the camera on the map: no wider than the whole map (it then shows all of it), no
        narrower than MIN_VIEW_DEG, and panned no further than the map's edges."""
        x0, y0, width, height = MAP_RECT
        left, bottom, w, h = self.camera_pose()
        if w >= width and h >= height:
            clamped = MAP_RECT
        else:
            scale = max(1.0, MIN_VIEW_DEG / max(min(w, h), 1e-9))
            w, h = w * scale, h * scale
            cx, cy = left + w / (2 * scale), bottom + h / (2 * scale)
            cx = float(np.clip(cx, x0 + w / 2, x0 + width - w / 2)) if w < width else x0 + width / 2
            cy = float(np.clip(cy, y0 + h / 2, y0 + height - h / 2)) if h < height else y0 + height / 2
            clamped = (cx - w / 2, cy - h / 2, w, h)
        if not np.allclose(clamped, self.camera_pose(), rtol=0.0, atol=1e-9):
            self.camera.rect = clamped

    def apply(self, state: MapState) -> None:
        """Show the map as ``state`` says (only what changed since the last state is redone)."""
        before, self._applied = self._applied, state
        if before is None or state.size != before.size:
            self.resize(state.size)
        for name in self.LAYERS:
            if self._layer_on[name] != state.layer_visible(name):
                self._layer_on[name] = state.layer_visible(name)
        self._refresh_visibility()
        options = (state.selection, state.tracked, state.track_behind_s, state.track_ahead_s)
        if before is None or options != (before.selection, before.tracked, before.track_behind_s,
                                          before.track_ahead_s):  # fmt: skip
            kind, index = state.selection or (None, None)
            if kind is not None and not self._valid_target((kind, index)):
                raise ValueError(f"no {kind} with index {index}")
            self._selection = state.selection
            self._footprints = (
                self._check_indices("node", [index] if kind == "node" else []),
                self._check_indices("satellite", [index] if kind == "satellite" else []),
                DEFAULT_COVERAGE_ELEVATION_DEG,
            )
            tracked = self._check_indices("satellite", state.tracked)
            self._tracks = (tracked, state.track_behind_s, state.track_ahead_s, DEFAULT_TRACK_STEP_S)
            self._redraw()
            self._refresh_visibility()
        if before is None or (state.critical, state.critical_links) != (
            before.critical,
            before.critical_links,
        ):
            ends = [end for link in state.critical_links for end in link]
            invalid = [t for t in (*state.critical, *ends) if not self._valid_target(t)]
            if invalid:
                raise ValueError(f"critical: no {invalid[0][0]} with index {invalid[0][1]}")
            self._critical, self._critical_link_ends = state.critical, state.critical_links
            self._update_critical()
            self._refresh_visibility()
        if state.camera is None:
            self.reset_camera()
        elif tuple(state.camera) != self.camera_pose():
            self.camera.rect = state.camera
            self.clamp_camera()

    # ------------------------------------------------------------------ size, status strip and frames
    def resize(self, size: tuple[int, int]) -> None:
        """Resize the canvas and lay the map out for it (an off-screen canvas gets no resize event)."""
        self.canvas.size = (int(size[0]), int(size[1]))
        self._layout(self.canvas.size)

    def _layout(self, size) -> None:
        width, height = int(size[0]), int(size[1])
        self._size = (width, height)
        self.view.pos = (0, 0)
        self.view.size = (width, max(height - STATUS_PX, 1))
        self.camera.rect = self.camera.rect  # fit the map to the new view
        top = height - STATUS_PX
        corners = np.array([(0, top), (width, top), (width, height), (0, height)], np.float32)
        self._status_panel.set_data(vertices=corners, faces=QUAD_FACES)
        self._layout_status()

    def _layout_status(self) -> None:
        """Title and clock on the left, chain latencies on the right, the constellation legend in
        between where it fits. On a narrow map the title goes first, then the chains are shortened to
        their latencies (in their colours), then the clock to the time since the start; the left
        texts never run into the chains (chains that still do not fit are left out from the left)."""
        width, height = self._size
        y = height - STATUS_PX / 2
        chains, clock = self._status_fit(width - 12.0)
        right = width - 12.0
        chain_texts, chain_pos, chain_colors = [], [], []
        for text, color in reversed(chains):
            if right - _text_width_px(text, 9) < 12.0 + _text_width_px(clock, 9) + CHAIN_GAP_PX:
                break
            chain_texts.append(text)
            chain_pos.append((right, y))
            chain_colors.append(color)
            right -= _text_width_px(text, 9) + CHAIN_GAP_PX
        self._show(self._status_chains, chain_texts, chain_pos, chain_colors)

        title = self._status_title  # left out where it would run into the chains (a narrow map)
        if 12.0 + _text_width_px(title, 9) + CHAIN_GAP_PX + _text_width_px(clock, 9) > right:
            title = ""
        left_texts = [title, clock]
        left_pos = [(12.0, y), (12.0 + (_text_width_px(title, 9) + CHAIN_GAP_PX if title else 0.0), y)]
        left_colors = [STATUS_TEXT_COLOR, MUTED_COLOR]
        x = left_pos[1][0] + _text_width_px(clock, 9) + CHAIN_GAP_PX
        markers = []
        for name, color in self._legend:
            end = x + 14 + _text_width_px(name, 9)
            if end > right:
                break
            markers.append(((x + 4, y), color))
            left_texts.append(name)
            left_pos.append((x + 12, y))
            left_colors.append(STATUS_TEXT_COLOR)
            x = end + 14
        self._show(self._status_left, left_texts, left_pos, left_colors)
        self._legend_markers.visible = bool(markers)
        if markers:
            self._legend_markers.set_data(
                np.array([p for p, _ in markers]), size=8, edge_width=0, face_color=[c for _, c in markers]
            )

    @staticmethod
    def _show(visual, texts: list[str], positions: list, colors: list) -> None:
        keep = [i for i, t in enumerate(texts) if t]
        visual.visible = bool(keep)
        if keep:
            set_text(visual, [texts[i] for i in keep], [colors[i] for i in keep])
            visual.pos = np.array([positions[i] for i in keep], float)

    def _before_draw(self, event=None) -> None:
        """Make this canvas current, clear GL errors other contexts left (VisPy checks the flag), place
        the node names again after a camera move."""
        self.canvas.set_current()
        placed_for = tuple(self.camera.rect.pos + self.camera.rect.size) + tuple(self._size)
        if self.snapshot is not None and placed_for != self._labels_placed_for:
            self._place_node_labels()  # the camera moved: label offsets are in pixels
        for _ in range(MAX_STALE_GL_ERRORS):
            if gl.glGetError() == gl.GL_NO_ERROR:
                break

    def render(self, size: tuple[int, int] | None = None) -> np.ndarray:
        """The current picture as ``(H, W, 4)`` uint8 RGBA, at the canvas size or at ``size`` (W, H)
        (laid out for that size without resizing the canvas)."""
        return render_at(self.canvas, size, self._layout, self._before_draw)
