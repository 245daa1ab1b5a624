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
CONTESTED_KINDS = ("threat", "destroy", "jam", "outage", "cut_links")


@cache
def kind_icon(kind: str, color: str = "#cccccc") -> QIcon:
    """``kind`` is constellation, a node role (sensor, shooter, c2, gateway), chain, a threat or event
    kind (``CONTESTED_KINDS``), scenario or folder."""
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
    elif kind in CONTESTED_KINDS:
        _draw_contested(p, kind, QColor(color), c)
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


def _draw_contested(p: QPainter, kind: str, color: QColor, c: float) -> None:
    """A threat (an arrowhead on its track), or an event: destroy (a cross), jam (a disc with rings),
    outage (a power sign), cut links (a broken line)."""
    if kind == "threat":
        p.setPen(QPen(color, 2, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(3, SIZE - 3), QPointF(c, c))
        p.setPen(QPen(QColor("#202020"), 1.5))
        p.drawPolygon(QPolygonF([QPointF(SIZE - 3, 3), QPointF(c + 3, 9), QPointF(SIZE - 9, c - 3)]))
        p.drawEllipse(QPointF(c + 2, c - 2), 5, 5)
    elif kind == "destroy":
        p.setPen(QPen(QColor("#ff1744"), 5))
        p.drawLine(QPointF(6, 6), QPointF(SIZE - 6, SIZE - 6))
        p.drawLine(QPointF(SIZE - 6, 6), QPointF(6, SIZE - 6))
    elif kind == "jam":
        p.setBrush(QBrush(QColor(255, 82, 82, 110)))
        p.setPen(QPen(QColor("#ff5252"), 2))
        p.drawEllipse(QPointF(c, c), 13, 13)
        p.drawEllipse(QPointF(c, c), 6, 6)
    elif kind == "outage":
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor("#9e9e9e"), 3))
        p.drawArc(5, 6, SIZE - 10, SIZE - 10, 120 * 16, 300 * 16)
        p.drawLine(QPointF(c, 3), QPointF(c, c))
    else:  # cut_links
        p.setPen(QPen(QColor("#ffb74d"), 3))
        p.drawLine(QPointF(3, SIZE - 6), QPointF(c - 3, c + 3))
        p.drawLine(QPointF(c + 3, c - 3), QPointF(SIZE - 3, 6))


def node_icon(role: str, color: str | None) -> QIcon:
    """A node's icon: its role's shape, in its colour (else its role's)."""
    return kind_icon(role, node_color(role, color))
