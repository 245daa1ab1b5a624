"""The globe's layers: one class per kind of thing drawn, registered in ``LAYER_TYPES``.

A new kind of thing on the globe is one ``Layer`` subclass and one row below; ``GlobeView`` builds
every layer of the table, in its order, and View -> Layers lists the toggleable ones.
"""

from __future__ import annotations

from .base import SCALE, GlobeSnapshot, Layer, SceneParts, Sight
from .earth import EarthLayer
from .labels import LabelsLayer
from .links import CrossLinksLayer, GroundLinksLayer, IslLayer
from .nodes import NodesLayer
from .overlay import OverlayLayer
from .routes import RoutesLayer
from .satellites import SatellitesLayer
from .selection import SelectionLayer

LAYER_TYPES: dict[str, type[Layer]] = {
    "earth": EarthLayer,
    "satellites": SatellitesLayer,
    "isl": IslLayer,
    "cross_links": CrossLinksLayer,
    "ground_links": GroundLinksLayer,
    "nodes": NodesLayer,
    "routes": RoutesLayer,
    "labels": LabelsLayer,
    "selection": SelectionLayer,
    "overlay": OverlayLayer,
}

__all__ = ["LAYER_TYPES", "SCALE", "GlobeSnapshot", "Layer", "SceneParts", "Sight"]
