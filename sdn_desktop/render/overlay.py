"""Screen-space overlay drawn by VisPy (so it is in the GUI and in movies): time, latencies, legend.

Overlay coordinates are canvas pixels with y pointing down, so VisPy's ``anchor_y="bottom"`` hangs a
text below its position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from vispy import scene
from vispy.color import Color, ColorArray
from vispy.visuals.text.text import FontManager

MARGIN_PX = 16
ROW_PX = 20
LEGEND_ROW_PX = 15
LEGEND_MAX_HEIGHT = 0.6  # of the canvas height; a longer legend is left out
LATENCY_COLUMN_PX = 104  # width of the right-aligned latency column
TEXT_COLOR = "#e6edf3"
MUTED_COLOR = "#8b96a5"
UNREACHABLE_COLOR = "#ff3d3d"
FONT = "OpenSans"


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a marker swatch (``symbol`` set) or a line swatch of ``width`` px."""

    label: str
    color: str | tuple
    symbol: str | None = None
    width: float = 0.0


@dataclass(frozen=True)
class ChainStatus:
    name: str
    color: str
    latency_ms: float | None  # None when unreachable
    broken_leg: str = ""  # "A -> B" of the first unreachable leg


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
) -> scene.visuals.Text:
    """A Text visual drawing with the view's shared font atlas (glyphs are rasterised once per view)."""
    return scene.visuals.Text(
        "", parent=parent, color=color, font_size=size, bold=bold, face=FONT,
        anchor_x=anchor_x, anchor_y=anchor_y, font_manager=fonts,
    )  # fmt: skip


class Overlay:
    """Title and UTC time (top left), chain latencies (top right), legend (bottom left)."""

    def __init__(self, parent: scene.Node, fonts: FontManager):
        self.root = scene.Node(parent=parent, name="overlay")
        self.root.order = 100
        self._time_node = scene.Node(parent=self.root)
        self._latency_node = scene.Node(parent=self.root)
        self._legend_node = scene.Node(parent=self.root)
        self._title = make_text(self._time_node, fonts, "left", "bottom", 11, bold=True)
        self._clock = make_text(self._time_node, fonts, "left", "bottom", 10, color=MUTED_COLOR)
        self._latency_title = make_text(self._latency_node, fonts, "right", "bottom", 8, True, MUTED_COLOR)
        self._latency_title.text = "KILL-CHAIN LATENCY"
        self._chain_names = make_text(self._latency_node, fonts, "right", "bottom", 10)
        self._chain_values = make_text(self._latency_node, fonts, "right", "bottom", 10, bold=True)
        self._legend_labels = make_text(self._legend_node, fonts, "left", "center", 8)
        self._legend_markers = scene.visuals.Markers(parent=self._legend_node)
        self._legend_lines = scene.visuals.Line(parent=self._legend_node, connect="segments", width=3)
        self._legend_thin = scene.visuals.Line(parent=self._legend_node, connect="segments", width=1.5)
        self._legend: list[LegendEntry] = []
        self._chains: list[ChainStatus] = []
        self._size = (1, 1)

    # ------------------------------------------------------------- content
    def show_parts(self, time: bool, latencies: bool, legend: bool) -> None:
        self._time_node.visible = time
        self._latency_node.visible = latencies
        self._legend_node.visible = legend

    def set_title(self, title: str) -> None:
        set_text(self._title, title)

    def set_clock(self, text: str) -> None:
        set_text(self._clock, text)

    def set_legend(self, entries: list[LegendEntry]) -> None:
        self._legend = entries
        self._layout_legend()

    def set_chains(self, chains: list[ChainStatus]) -> None:
        """Chain latencies in their colours; unreachable chains in red with the broken leg."""
        self._chains = chains
        if not chains:
            set_text(self._chain_names, "")
            set_text(self._chain_values, "")
            self._latency_title.visible = False
            return
        self._latency_title.visible = True
        names = []
        for c in chains:
            names.append(c.name if c.latency_ms is not None else f"{c.name}  ({c.broken_leg})")
        values = [f"{c.latency_ms:.1f} ms" if c.latency_ms is not None else "UNREACHABLE" for c in chains]
        set_text(self._chain_names, names, [c.color for c in chains])
        set_text(
            self._chain_values,
            values,
            [c.color if c.latency_ms is not None else UNREACHABLE_COLOR for c in chains],
        )
        self._layout_chains()

    # ------------------------------------------------------------- layout
    def layout(self, size: tuple[int, int]) -> None:
        """Place everything for a canvas of ``size`` logical pixels."""
        self._size = (int(size[0]), int(size[1]))
        self._title.pos = (MARGIN_PX, MARGIN_PX)
        self._clock.pos = (MARGIN_PX, MARGIN_PX + 22)
        self._layout_chains()
        self._layout_legend()

    def _layout_chains(self) -> None:
        width = self._size[0]
        right = width - MARGIN_PX
        self._latency_title.pos = (right, MARGIN_PX)
        if not self._chains:
            return
        rows = MARGIN_PX + 20 + ROW_PX * np.arange(len(self._chains))
        self._chain_values.pos = np.column_stack((np.full(len(rows), right), rows))
        self._chain_names.pos = np.column_stack((np.full(len(rows), right - LATENCY_COLUMN_PX), rows))

    def _layout_legend(self) -> None:
        """Bottom-left rows; left out when they would take more than LEGEND_MAX_HEIGHT of the canvas."""
        entries = self._legend
        height = self._size[1]
        fits = 0 < LEGEND_ROW_PX * len(entries) <= LEGEND_MAX_HEIGHT * height
        for visual in (self._legend_labels, self._legend_markers, self._legend_lines, self._legend_thin):
            visual.visible = fits
        if not fits:
            return
        rows = (
            height
            - MARGIN_PX
            - LEGEND_ROW_PX * (len(entries) - 0.5)
            + LEGEND_ROW_PX * np.arange(len(entries))
        )
        swatch_x = MARGIN_PX + 9
        set_text(self._legend_labels, [e.label for e in entries])
        self._legend_labels.pos = np.column_stack((np.full(len(entries), MARGIN_PX + 26), rows))
        marked = [i for i, e in enumerate(entries) if e.symbol]
        self._legend_markers.visible = bool(marked)
        if marked:
            self._legend_markers.set_data(
                np.column_stack((np.full(len(marked), swatch_x), rows[marked])),
                size=10, edge_width=0, face_color=[Color(entries[i].color).rgba for i in marked],
                symbol=[entries[i].symbol for i in marked],
            )  # fmt: skip
        for visual, thick in ((self._legend_lines, True), (self._legend_thin, False)):
            lines = [i for i, e in enumerate(entries) if not e.symbol and (e.width >= 2.5) == thick]
            visual.visible = bool(lines)
            if lines:
                ends = np.repeat(rows[lines], 2)
                xs = np.tile([swatch_x - 8, swatch_x + 8], len(lines))
                colors = np.repeat([Color(entries[i].color).rgba for i in lines], 2, axis=0)
                visual.set_data(np.column_stack((xs, ends)), color=colors)
