"""The network engine: propagation, links, routes and latency time series (no Qt, no VisPy)."""

from .network import Cancelled, Leg, Network, Route, Snapshot, TimeSeries
from .satellites import SatelliteSourceError

__all__ = ["Cancelled", "Leg", "Network", "Route", "SatelliteSourceError", "Snapshot", "TimeSeries"]
