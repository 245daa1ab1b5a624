"""Analyses built on the engine's time series (no Qt): kill-chain reports, resilience."""
