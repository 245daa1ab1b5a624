"""The globe's layers: one class per kind of thing drawn, registered in ``LAYER_TYPES``.

A new kind of thing on the globe is one ``Layer`` subclass and one row below; ``GlobeView`` builds
every layer of the table, in its order, and View -> Layers lists the toggleable ones.
"""

from __future__ import annotations

from .attacks import OutageLayer, StruckLayer
from .base import SCALE, GlobeSnapshot, Layer, SceneParts, Sight
from .critical import CriticalLayer
from .custody import CustodyLayer
from .earth import EarthLayer
from .jamming import JammingLayer
from .labels import LabelsLayer
from .links import CrossLinksLayer, GroundLinksLayer, IslLayer
from .nodes import NodesLayer
from .overlay import OverlayLayer
from .routes import RoutesLayer
from .satellites import SatellitesLayer
from .selection import SelectionLayer
from .threats import ThreatsLayer

LAYER_TYPES: dict[str, type[Layer]] = {
    "earth": EarthLayer,
    "satellites": SatellitesLayer,
    "isl": IslLayer,
    "cross_links": CrossLinksLayer,
    "ground_links": GroundLinksLayer,
    "nodes": NodesLayer,
    "routes": RoutesLayer,
    "jamming": JammingLayer,
    "outage": OutageLayer,
    "struck": StruckLayer,
    "custody": CustodyLayer,
    "threats": ThreatsLayer,
    "critical": CriticalLayer,
    "labels": LabelsLayer,
    "selection": SelectionLayer,
    "overlay": OverlayLayer,
}

__all__ = ["LAYER_TYPES", "SCALE", "GlobeSnapshot", "Layer", "SceneParts", "Sight"]
