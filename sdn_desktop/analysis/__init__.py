"""Analyses built on the engine (no Qt): resilience of kill chains to attrition and outages."""

from .resilience import MODES, ResilienceOptions, ResilienceResult, run_resilience

__all__ = ["MODES", "ResilienceOptions", "ResilienceResult", "run_resilience"]
