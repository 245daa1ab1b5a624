"""Screen-space overlay drawn by VisPy (so it is in the GUI and in movies): time, latencies, legend.

Overlay coordinates are canvas pixels with y pointing down, so VisPy's ``anchor_y="bottom"`` hangs a
text below its position. Texts of the same font and alignment share one Text visual (each visual
costs a draw call and a texture upload per frame).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from vispy import scene
from vispy.color import Color, ColorArray
from vispy.gloo import IndexBuffer, Texture2D, VertexBuffer
from vispy.visuals.text.text import FontManager, TextVisual, _text_to_vbo

MARGIN_PX = 16
ROW_PX = 20
LEGEND_ROW_PX = 15
LEGEND_SWATCH_PX = 16
LEGEND_MAX_HEIGHT = 0.6  # of the canvas height; a longer legend is left out
LATENCY_COLUMN_PX = 104  # width of the right-aligned latency column
TEXT_COLOR = "#e6edf3"
MUTED_COLOR = "#8b96a5"
UNREACHABLE_COLOR = "#ff3d3d"
FONT = "OpenSans"
REFERENCE_DPI = 96.0  # fixed, so text has the same size in the GUI and in headless movies
GLYPH_WIDTH_EM = 0.55  # average advance of a glyph, for text boxes
LINE_HEIGHT_EM = 1.2


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a marker swatch when ``symbol`` is set, else a line swatch."""

    label: str
    color: str | tuple
    symbol: str | None = None


@dataclass(frozen=True)
class ChainStatus:
    name: str
    color: str
    latency_ms: float | None  # None when unreachable
    broken_leg: str = ""  # "A -> B" of the first unreachable leg


QUAD_CORNERS = np.array([0, 1, 2, 0, 2, 3], np.uint32)  # two triangles per glyph quad
MAX_LAYOUTS = 1024  # strings whose glyph quads a text visual keeps


class LaidOutTextVisual(TextVisual):
    """A TextVisual that lays each distinct string out once.

    VisPy lays out every string of a visual again, glyph by glyph in Python, whenever one of them
    changes; the overlay changes its clock and latencies every frame, which cost 10-20 ms a frame.
    """

    def __init__(self, *args, **kwargs):
        self._layouts: dict[str, np.ndarray] = {}
        super().__init__(*args, **kwargs)

    def _prepare_draw(self, view):
        if isinstance(self._font._kernel, np.ndarray):
            # VisPy hands the font's filter kernel (a 16 x 1024 RGBA array) to the program on every
            # draw, which uploads it again each time; as a texture it is uploaded once, then bound.
            self._font._kernel = Texture2D(self._font._kernel)
        if self._vertices is None and len(self.text):
            self._upload_layout()
        return super()._prepare_draw(view)

    def _upload_layout(self) -> None:
        """What ``TextVisual._prepare_draw`` does when the text changed, with layouts reused."""
        texts = [self.text] if isinstance(self.text, str) else list(self.text)
        if len(self._layouts) > MAX_LAYOUTS:
            self._layouts.clear()
        for t in texts:
            if t not in self._layouts:
                self._layouts[t] = _text_to_vbo(
                    t, self._font, *self._anchors, self._font._lowres_size, self._line_height
                )
        self._vertices_data = np.concatenate([self._layouts[t] for t in texts])
        self._vertices = VertexBuffer(self._vertices_data)
        n_chars = sum(len(t) for t in texts)
        quads = QUAD_CORNERS + np.arange(0, 4 * n_chars, 4, dtype=np.uint32)[:, None]
        self._index_buffer = IndexBuffer(quads.ravel())
        self.shared_program.bind(self._vertices)
        self._configure_gl_state()


LaidOutText = scene.visuals.create_visual_node(LaidOutTextVisual)


def text_box(visual: TextVisual, text: str, xy, y_down: bool) -> np.ndarray:
    """Where ``text`` drawn by ``visual`` at canvas pixel ``xy`` lands, (x0, y0, x1, y1), estimated from
    the font size. ``y_down``: screen-space texts (the overlay) hang below a "bottom" anchor; texts in
    the 3D scene stand on it."""
    em = visual.font_size * REFERENCE_DPI / 72.0
    width, height = GLYPH_WIDTH_EM * em * len(text.strip()), LINE_HEIGHT_EM * em
    anchor_x, anchor_y = visual.anchors
    x = xy[0] + GLYPH_WIDTH_EM * em * (len(text) - len(text.lstrip()))
    x -= {"left": 0.0, "center": width / 2, "right": width}[anchor_x]
    y = xy[1] - {"top": 0.0, "center": height / 2, "bottom": 0.0 if y_down else height}[anchor_y]
    return np.array([x, y, x + width, y + height])


def set_text(visual: scene.visuals.Text, text, color=None) -> None:
    """Assign text and colours only when they change (a new text is laid out again on the CPU)."""
    if visual.text != text:
        visual.text = text
    if color is not None:
        rgba = ColorArray(color).rgba
        if not np.array_equal(visual.color.rgba, rgba):
            visual.color = rgba


def make_text(
    parent,
    fonts: FontManager,
    anchor_x: str,
    anchor_y: str,
    size: float,
    bold: bool = False,
    color=TEXT_COLOR,
) -> LaidOutText:
    """A Text visual drawing with the view's shared font atlas (glyphs are rasterised once per view)."""
    return LaidOutText(
        "", parent=parent, color=color, font_size=size, bold=bold, face=FONT,
        anchor_x=anchor_x, anchor_y=anchor_y, font_manager=fonts,
    )  # fmt: skip


class Overlay:
    """Title and UTC time (top left), chain latencies (top right), legend (bottom left)."""

    def __init__(self, parent: scene.Node, fonts: FontManager):
        self.root = scene.Node(parent=parent, name="overlay")
        self.root.order = 100
        self._title = make_text(self.root, fonts, "left", "bottom", 11, bold=True)
        self._left = make_text(self.root, fonts, "left", "center", 9)  # clock and legend labels
        self._names = make_text(self.root, fonts, "right", "bottom", 10)  # chain names
        self._values = make_text(self.root, fonts, "right", "bottom", 10, bold=True)  # panel title, latencies
        self._swatch_markers = scene.visuals.Markers(parent=self.root)
        self._swatch_lines = scene.visuals.Line(parent=self.root, connect="segments", width=3)
        self._swatches_drawn: tuple | None = None  # what the swatch visuals show
        self._parts = {"time": True, "latencies": True, "legend": True}
        self._title_text = ""
        self._clock = ""
        self._legend: list[LegendEntry] = []
        self._chains: list[ChainStatus] = []
        self._size = (1, 1)

    def show_parts(self, time: bool, latencies: bool, legend: bool) -> None:
        self._parts = {"time": time, "latencies": latencies, "legend": legend}
        self._refresh()

    def set_title(self, title: str) -> None:
        self._title_text = title
        self._refresh()

    def set_legend(self, entries: list[LegendEntry]) -> None:
        self._legend = entries
        self._refresh()

    def set_status(self, clock: str, chains: list[ChainStatus]) -> None:
        """The UTC time, and chain latencies in their colours (unreachable: red, naming the broken leg)."""
        self._clock = clock
        self._chains = chains
        self._refresh()

    def layout(self, size: tuple[int, int]) -> None:
        """Place everything for a canvas of ``size`` logical pixels."""
        self._size = (int(size[0]), int(size[1]))
        self._refresh()

    def occupied(self) -> list[np.ndarray]:
        """Boxes (x0, y0, x1, y1) in canvas pixels of the texts shown (the legend's from the left edge,
        to cover its swatches), so labels in the scene can keep clear of them."""
        if not self.root.visible:
            return []
        boxes = []
        for visual in (self._title, self._left, self._names, self._values):
            if not visual.visible:
                continue
            texts = [visual.text] if isinstance(visual.text, str) else visual.text
            for text, pos in zip(texts, visual.pos, strict=False):
                box = text_box(visual, text, pos, y_down=True)
                if visual is self._left:
                    box[0] = 0.0
                boxes.append(box)
        return boxes

    def _legend_fits(self) -> bool:
        """The legend is left out when it would take more than LEGEND_MAX_HEIGHT of the canvas."""
        rows = len(self._legend)
        return self._parts["legend"] and 0 < LEGEND_ROW_PX * rows <= LEGEND_MAX_HEIGHT * self._size[1]

    def _refresh(self) -> None:
        width, height = self._size
        right = width - MARGIN_PX
        show_time = self._parts["time"]
        self._title.visible = show_time and bool(self._title_text)
        set_text(self._title, self._title_text or " ")
        self._title.pos = (MARGIN_PX, MARGIN_PX)

        left = [(self._clock, (MARGIN_PX, MARGIN_PX + 26), MUTED_COLOR)] if show_time and self._clock else []
        legend = self._legend if self._legend_fits() else []
        rows = (
            height - MARGIN_PX - LEGEND_ROW_PX * (len(legend) - 0.5) + LEGEND_ROW_PX * np.arange(len(legend))
        )
        swatch_x = MARGIN_PX + LEGEND_SWATCH_PX / 2
        left += [
            (e.label, (MARGIN_PX + LEGEND_SWATCH_PX + 10, y), TEXT_COLOR)
            for e, y in zip(legend, rows, strict=True)
        ]
        self._show_texts(self._left, left)

        chains = self._chains if self._parts["latencies"] else []
        names, values = [], []
        if chains:
            values.append(("KILL-CHAIN LATENCY", (right, MARGIN_PX), MUTED_COLOR))
        for i, c in enumerate(chains):
            y = MARGIN_PX + 24 + ROW_PX * i
            reachable = c.latency_ms is not None
            names.append(
                (
                    c.name if reachable else f"{c.name}  ({c.broken_leg})",
                    (right - LATENCY_COLUMN_PX, y),
                    c.color,
                )
            )
            values.append((f"{c.latency_ms:.1f} ms" if reachable else "UNREACHABLE", (right, y),
                           c.color if reachable else UNREACHABLE_COLOR))  # fmt: skip
        self._show_texts(self._names, names)
        self._show_texts(self._values, values)

        self._draw_swatches(legend, rows, swatch_x)

    def _draw_swatches(self, legend: list[LegendEntry], rows: np.ndarray, swatch_x: float) -> None:
        key = (tuple(legend), tuple(rows))
        if key == self._swatches_drawn:
            return
        self._swatches_drawn = key
        marked = [(e, y) for e, y in zip(legend, rows, strict=True) if e.symbol]
        self._swatch_markers.visible = bool(marked)
        if marked:
            self._swatch_markers.set_data(
                np.array([(swatch_x, y) for _, y in marked]), size=10, edge_width=0,
                face_color=[Color(e.color).rgba for e, _ in marked], symbol=[e.symbol for e, _ in marked],
            )  # fmt: skip
        lined = [(e, y) for e, y in zip(legend, rows, strict=True) if not e.symbol]
        self._swatch_lines.visible = bool(lined)
        if lined:
            ends = np.array([(x, y) for _, y in lined for x in (swatch_x - 8, swatch_x + 8)])
            colors = np.repeat([Color(e.color).rgba for e, _ in lined], 2, axis=0)
            self._swatch_lines.set_data(ends, color=colors)

    @staticmethod
    def _show_texts(visual: scene.visuals.Text, items: list[tuple[str, tuple[float, float], object]]) -> None:
        visual.visible = bool(items)
        if items:
            set_text(visual, [t for t, _, _ in items], [c for _, _, c in items])
            positions = np.array([p for _, p, _ in items], float)
            if not np.array_equal(visual.pos[:, :2], positions):
                visual.pos = positions
