"""Rank statistics with uncertainty, the currency of every chapter."""

from __future__ import annotations

import numpy as np
from scipy import stats


def spearman(x, y) -> float:
    """Spearman rho ignoring pairs where either value is NaN/inf."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return float("nan")
    return float(stats.spearmanr(x[ok], y[ok]).statistic)


def kendall(x, y) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return float("nan")
    return float(stats.kendalltau(x[ok], y[ok]).statistic)


def bootstrap_ci(x, y, statistic=spearman, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap CI of a paired statistic (resampling architectures)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    rng = np.random.default_rng(seed)
    n = len(x)
    values = [statistic(x[idx], y[idx]) for idx in (rng.integers(0, n, n) for _ in range(n_boot))]
    lo, hi = np.nanpercentile(values, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return float(lo), float(hi)


def mean_ci(values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval over seeds."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        m = float(v.mean()) if len(v) else float("nan")
        return m, m, m
    half = stats.t.ppf((1 + level) / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return float(v.mean()), float(v.mean() - half), float(v.mean() + half)


def percentile_in_pool(value: float, pool) -> float:
    """Share (0-100) of the pool that ``value`` is at least as good as (higher is better)."""
    pool = np.asarray(pool, float)
    return float(100.0 * np.mean(pool <= value))
