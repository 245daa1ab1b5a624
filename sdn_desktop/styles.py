"""How each kind of node looks, everywhere (globe, legend, object tree, toolbar, dialogs); no Qt."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleStyle:
    """A node role's marker: ``shape`` is a VisPy marker symbol name, ``color`` the default colour
    (a node's own colour, when set, replaces it)."""

    shape: str
    color: str


ROLE_STYLES = {
    "sensor": RoleStyle("triangle_up", "#ffee58"),
    "shooter": RoleStyle("star", "#ff7043"),
    "c2": RoleStyle("square", "#ffffff"),
    "gateway": RoleStyle("diamond", "#80cbc4"),
}


def node_color(role: str, color: str | None) -> str:
    """The colour a node of ``role`` is drawn in: its own, else its role's."""
    return color or ROLE_STYLES[role].color
