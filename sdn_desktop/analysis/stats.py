"""Confidence intervals for availabilities and latency percentiles (numpy only)."""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion: ``successes`` out of ``n`` (n may be fractional,
    an effective sample size). Unlike the plain normal interval it stays inside [0, 1] and keeps
    close to its nominal coverage near 0 and 1 and for small n (Brown, Cai & DasGupta 2001)."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def availability_interval(per_trial: np.ndarray, steps: int, z: float = Z95) -> tuple[float, float, float]:
    """Availability (share of trial-steps reachable) and its 95 % interval.

    Trials are independent, the steps of one trial are not (a chain cut at one step is likely cut at
    the next). The Wilson interval is therefore applied to an effective sample size: the number of
    independent Bernoulli draws whose proportion would vary as much as the observed mean of the
    per-trial availabilities does, ``p (1 - p) / (s^2 / trials)`` (Kish's design effect), kept between
    the number of trials and the number of trial-steps. When every trial gives the same share (level
    0, or a deterministic outcome) the trial-steps count as independent draws.
    """
    trials = len(per_trial)
    p = float(per_trial.mean())
    total = trials * steps
    var_of_mean = float(per_trial.var(ddof=1)) / trials if trials > 1 else 0.0
    if var_of_mean > 0 and 0 < p < 1:
        n_eff = min(max(p * (1 - p) / var_of_mean, trials), total)
    else:
        n_eff = total
    lo, hi = wilson_interval(p * n_eff, n_eff, z)
    return p, lo, hi


def weighted_quantile(sorted_values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """Inverted-CDF quantile of ``sorted_values`` for each row of ``weights`` (rows x values)."""
    cum = np.cumsum(weights, axis=-1)
    target = q * cum[..., -1:]
    idx = (cum < target - 1e-9).sum(axis=-1)
    return sorted_values[np.minimum(idx, len(sorted_values) - 1)]


def percentile_intervals(
    values: np.ndarray,
    trial_of: np.ndarray,
    trials: int,
    qs: tuple[float, ...],
    seed: int,
    resamples: int = 400,
) -> list[tuple[float, float, float]]:
    """Each quantile of the pooled ``values`` with a 95 % bootstrap interval over trials.

    ``trial_of`` gives each value's trial. Resampling whole trials (with replacement, a fixed seed)
    keeps the correlation between the steps of a trial; the interval is the 2.5th-97.5th percentile of
    the resampled quantiles. Quantiles use the inverted-CDF definition throughout.
    """
    if len(values) == 0:
        return [(np.nan, np.nan, np.nan) for _ in qs]
    order = np.argsort(values, kind="stable")
    values, trial_of = values[order], trial_of[order]
    rng = np.random.default_rng(seed)
    counts = np.stack(
        [np.bincount(rng.integers(0, trials, trials), minlength=trials) for _ in range(resamples)]
    )
    weights = counts[:, trial_of].astype(float)
    out = []
    for q in qs:
        point = float(weighted_quantile(values, np.ones((1, len(values))), q)[0])
        boot = weighted_quantile(values, weights, q)
        boot = boot[weights.sum(axis=1) > 0]
        out.append((point, float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))))
    return out
