"""Small painted icons for object kinds, in the object's colour (no image files needed)."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF

ROLE_COLORS = {"sensor": "#ffee58", "shooter": "#ff5252", "c2": "#ffffff", "gateway": "#69f0ae"}
SIZE = 32


@cache
def kind_icon(kind: str, color: str = "#cccccc") -> QIcon:
    """``kind`` is constellation, sensor, shooter, c2, gateway, chain, scenario or folder."""
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
    elif kind == "sensor":
        p.drawPolygon(QPolygonF([QPointF(c, 4), QPointF(SIZE - 4, SIZE - 5), QPointF(4, SIZE - 5)]))
    elif kind == "shooter":
        p.drawPolygon(QPolygonF([QPointF(c, 3), QPointF(SIZE - 3, c), QPointF(c, SIZE - 3), QPointF(3, c)]))
    elif kind == "c2":
        p.drawRect(6, 6, SIZE - 12, SIZE - 12)
    elif kind == "gateway":
        p.drawEllipse(QPointF(c, c), 11, 11)
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


def node_icon(role: str, color: str | None) -> QIcon:
    return kind_icon(role, color or ROLE_COLORS[role])
