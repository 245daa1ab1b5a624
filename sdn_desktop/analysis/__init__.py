"""Analyses built on the engine (no Qt): kill-chain reports, resilience to attrition and outages."""

from .resilience import MODES, ResilienceOptions, ResilienceResult, run_resilience

__all__ = ["MODES", "ResilienceOptions", "ResilienceResult", "run_resilience"]
