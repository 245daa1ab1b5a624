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
GROUP_GAP_PX = 8  # the least space between the title and clock, the latency panel and the legend
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


class LaidOutTextVisual(TextVisual):
    """A TextVisual that lays a string out again only when it was not shown in its last draw.

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
        self._layouts = {  # only the strings shown now: a clock makes a new one every frame
            t: self._layouts.get(t)
            if t in self._layouts
            else _text_to_vbo(t, self._font, *self._anchors, self._font._lowres_size, self._line_height)
            for t in texts
        }
        self._vertices_data = np.concatenate([self._layouts[t] for t in texts])
        self._vertices = VertexBuffer(self._vertices_data)
        n_chars = sum(len(t) for t in texts)
        quads = QUAD_CORNERS + np.arange(0, 4 * n_chars, 4, dtype=np.uint32)[:, None]
        self._index_buffer = IndexBuffer(quads.ravel())
        self.shared_program.bind(self._vertices)
        self._configure_gl_state()


LaidOutText = scene.visuals.create_visual_node(LaidOutTextVisual)

OUTLINE_COLOR = (0.0, 0.0, 0.0, 1.0)
OUTLINE_EDGE = 0.12  # the glyphs' distance field at the outline's outer edge (0.5 is the glyph's)
OUTLINED_FRAGMENT_SHADER = f"""
    #extension GL_OES_standard_derivatives : enable
    uniform sampler2D u_font_atlas;
    uniform vec4 u_outline_color;
    varying vec4 v_color;
    varying vec2 v_texcoord;

    void main(void) {{
        float distance = texture2D(u_font_atlas, v_texcoord).r;
        float width = 0.5 * fwidth(distance);
        float body = smoothstep(0.5 - width, 0.5 + width, distance);
        float outline = smoothstep({OUTLINE_EDGE} - width, {OUTLINE_EDGE} + width, distance);
        float alpha = max(body, outline * u_outline_color.a);
        if (alpha <= 0.0) discard;
        gl_FragColor = vec4(mix(u_outline_color.rgb, v_color.rgb, body), v_color.a * alpha);
    }}
"""


class OutlinedTextVisual(LaidOutTextVisual):
    """Text with a dark outline drawn from the glyphs' distance field, readable on bright terrain."""

    _shaders = {"vertex": TextVisual._shaders["vertex"], "fragment": OUTLINED_FRAGMENT_SHADER}

    def _prepare_draw(self, view):
        drawn = super()._prepare_draw(view)
        self.shared_program["u_outline_color"] = OUTLINE_COLOR
        return drawn


OutlinedText = scene.visuals.create_visual_node(OutlinedTextVisual)


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
    outlined: bool = False,
) -> LaidOutText:
    """A Text visual drawing with the view's shared font atlas (glyphs are rasterised once per view);
    ``outlined``: with a dark outline (labels over the Earth)."""
    return (OutlinedText if outlined else LaidOutText)(
        "", parent=parent, color=color, font_size=size, bold=bold, face=FONT,
        anchor_x=anchor_x, anchor_y=anchor_y, font_manager=fonts,
    )  # fmt: skip


class Overlay:
    """Title and UTC time (top left), chain latencies (top right), legend (bottom left)."""

    def __init__(self, parent: scene.Node, fonts: FontManager):
        self.root = scene.Node(parent=parent, name="overlay")
        self.root.order = 100
        # outlined: at small sizes the globe reaches under them
        self._title = make_text(self.root, fonts, "left", "bottom", 11, bold=True, outlined=True)
        self._left = make_text(self.root, fonts, "left", "center", 9, outlined=True)  # clock, legend labels
        self._names = make_text(self.root, fonts, "right", "bottom", 10, outlined=True)  # chain names
        self._values = make_text(self.root, fonts, "right", "bottom", 10, bold=True, outlined=True)
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
        """Lay the parts out for the canvas: where the latency panel would meet the title and clock it
        moves to the bottom right (or else below them), names too long are cut short, and the legend
        is left out where it would meet either."""
        width, height = self._size
        right = width - MARGIN_PX
        show_time = self._parts["time"]
        title = _elided(self._title_text, self._title, width - 2 * MARGIN_PX)
        self._title.visible = show_time and bool(title)
        set_text(self._title, title or " ")
        self._title.pos = (MARGIN_PX, MARGIN_PX)
        clock = [(self._clock, (MARGIN_PX, MARGIN_PX + 26), MUTED_COLOR)] if show_time and self._clock else []
        top_left = _boxes(self._left, clock)
        if self._title.visible:
            top_left += _boxes(self._title, [(title, (MARGIN_PX, MARGIN_PX), None)])

        names, values = self._latency_rows(right, MARGIN_PX)
        panel = _boxes(self._names, names) + _boxes(self._values, values)
        if panel and _any_overlap(panel, top_left):  # at the bottom, or else below the title and clock
            bottom = height - MARGIN_PX - (max(box[3] for box in panel) - MARGIN_PX)
            below = max(box[3] for box in top_left) + GROUP_GAP_PX
            names, values = self._latency_rows(right, bottom)
            panel = _boxes(self._names, names) + _boxes(self._values, values)
            if _any_overlap(panel, top_left):
                names, values = self._latency_rows(right, below)
                panel = _boxes(self._names, names) + _boxes(self._values, values)
        self._show_texts(self._names, names)
        self._show_texts(self._values, values)

        legend = self._legend if self._legend_fits() else []
        rows = (
            height - MARGIN_PX - LEGEND_ROW_PX * (len(legend) - 0.5) + LEGEND_ROW_PX * np.arange(len(legend))
        )
        labels = [
            (_elided(e.label, self._left, right - MARGIN_PX - LEGEND_SWATCH_PX - 10),
             (MARGIN_PX + LEGEND_SWATCH_PX + 10, y), TEXT_COLOR)
            for e, y in zip(legend, rows, strict=True)
        ]  # fmt: skip
        legend_boxes = _boxes(self._left, labels)
        for box in legend_boxes:
            box[0] = 0.0  # the swatches
        if _any_overlap(legend_boxes, panel + top_left):
            legend, rows, labels = [], rows[:0], []
        self._show_texts(self._left, clock + labels)
        self._draw_swatches(legend, rows, MARGIN_PX + LEGEND_SWATCH_PX / 2)

    def _latency_rows(self, right: float, top: float) -> tuple[list, list]:
        """The texts of the latency panel, its title at ``top``: chain names and latencies."""
        chains = self._chains if self._parts["latencies"] else []
        names, values = [], []
        if chains:
            values.append(("KILL-CHAIN LATENCY", (right, top), MUTED_COLOR))
        name_px = right - LATENCY_COLUMN_PX - MARGIN_PX
        for i, c in enumerate(chains):
            y = top + 24 + ROW_PX * i
            reachable = c.latency_ms is not None
            name = c.name if reachable else f"{c.name}  ({c.broken_leg})"
            names.append((_elided(name, self._names, name_px), (right - LATENCY_COLUMN_PX, y), c.color))
            values.append((f"{c.latency_ms:.1f} ms" if reachable else "UNREACHABLE", (right, y),
                           c.color if reachable else UNREACHABLE_COLOR))  # fmt: skip
        return names, values

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


def _glyph_px(visual: TextVisual) -> float:
    return GLYPH_WIDTH_EM * visual.font_size * REFERENCE_DPI / 72.0


def _elided(text: str, visual: TextVisual, max_px: float) -> str:
    """``text`` cut short with an ellipsis to fit ``max_px`` in ``visual``'s font (estimated)."""
    fits = int(max_px // _glyph_px(visual))
    return text if len(text) <= fits else text[: max(fits - 1, 0)].rstrip() + "\u2026"


def _boxes(visual: TextVisual, items: list[tuple[str, tuple[float, float], object]]) -> list[np.ndarray]:
    return [text_box(visual, text, pos, y_down=True) for text, pos, _ in items]


def _any_overlap(boxes: list[np.ndarray], others: list[np.ndarray]) -> bool:
    return any(
        a[0] < b[2] + GROUP_GAP_PX and b[0] < a[2] + GROUP_GAP_PX and a[1] < b[3] and b[1] < a[3]
        for a in boxes for b in others
    )  # fmt: skip
