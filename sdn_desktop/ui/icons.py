"""Small painted icons for object kinds, in the object's colour (no image files needed).

Node icons take their shape and default colour from ``styles.ROLE_STYLES``, as the globe does.
"""

from __future__ import annotations

import math
from functools import cache

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF

from ..styles import ROLE_STYLES, node_color

SIZE = 32


@cache
def kind_icon(kind: str, color: str = "#cccccc") -> QIcon:
    """``kind`` is constellation, a node role (sensor, shooter, c2, gateway), chain, scenario or folder."""
    pixmap = QPixmap(SIZE, SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#202020"), 2))
    p.setBrush(QBrush(QColor(color)))
    c = SIZE / 2
    if kind == "constellation":
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(color), 3))
        p.drawEllipse(QPointF(c, c), 12, 6)
        p.setBrush(QBrush(QColor(color)))
        p.drawEllipse(QPointF(c + 8, c - 4), 4, 4)
    elif kind in ROLE_STYLES:
        _draw_shape(p, ROLE_STYLES[kind].shape, c)
    elif kind == "chain":
        p.setPen(QPen(QColor(color), 4))
        p.drawLine(QPointF(4, SIZE - 8), QPointF(SIZE - 8, 8))
        p.drawPolyline(QPolygonF([QPointF(SIZE - 18, 7), QPointF(SIZE - 7, 7), QPointF(SIZE - 7, 18)]))
    elif kind == "scenario":
        p.setBrush(QBrush(QColor("#1e88e5")))
        p.drawEllipse(QPointF(c, c), 13, 13)
        p.setPen(QPen(QColor("#bbdefb"), 2))
        p.drawLine(QPointF(3, c), QPointF(SIZE - 3, c))
        p.drawEllipse(QPointF(c, c), 6, 13)
    else:  # folder
        p.setBrush(QBrush(QColor("#9e9e9e")))
        p.drawRect(4, 9, SIZE - 8, SIZE - 16)
    p.end()
    return QIcon(pixmap)


def _draw_shape(p: QPainter, shape: str, c: float) -> None:
    """A role's marker shape (a VisPy marker symbol name) filling the icon."""
    if shape == "triangle_up":
        p.drawPolygon(QPolygonF([QPointF(c, 4), QPointF(SIZE - 4, SIZE - 5), QPointF(4, SIZE - 5)]))
    elif shape == "diamond":
        p.drawPolygon(QPolygonF([QPointF(c, 3), QPointF(SIZE - 3, c), QPointF(c, SIZE - 3), QPointF(3, c)]))
    elif shape == "square":
        p.drawRect(6, 6, SIZE - 12, SIZE - 12)
    elif shape == "star":
        corners = [
            QPointF(c + r * math.sin(k * math.pi / 5), c - r * math.cos(k * math.pi / 5))
            for k, r in zip(range(10), [14, 6] * 5, strict=True)
        ]
        p.drawPolygon(QPolygonF(corners))
    else:  # disc
        p.drawEllipse(QPointF(c, c), 11, 11)


def node_icon(role: str, color: str | None) -> QIcon:
    """A node's icon: its role's shape, in its colour (else its role's)."""
    return kind_icon(role, node_color(role, color))
