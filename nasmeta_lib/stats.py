"""Rank statistics with uncertainty, the currency of every chapter."""

from __future__ import annotations

import numpy as np
from scipy import stats


def _finite_pairs(x, y) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs where both values are finite, or None when too few (or constant) to rank."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return x, y


def spearman(x, y) -> float:
    """Spearman rho ignoring pairs where either value is NaN/inf; NaN if undefined."""
    pairs = _finite_pairs(x, y)
    return float("nan") if pairs is None else float(stats.spearmanr(*pairs).statistic)


def spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:func:`spearman` of each row of two (k, n) arrays of finite values in one pass (bootstrap
    resamples): NaN where a row is constant or n < 3."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    rx, ry = (stats.rankdata(v, axis=1) for v in (x, y))
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    undefined = (np.ptp(x, axis=1) == 0) | (np.ptp(y, axis=1) == 0) | (x.shape[1] < 3)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (rx * ry).sum(axis=1) / np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    return np.where(undefined, np.nan, rho)


def spearman_test(x, y) -> tuple[float, float]:
    """Spearman rho and its two-sided p-value (no correlation), same conventions; (NaN, NaN) if undefined.
    With a handful of points a large rho can still be chance: report both."""
    pairs = _finite_pairs(x, y)
    if pairs is None:
        return float("nan"), float("nan")
    res = stats.spearmanr(*pairs)
    return float(res.statistic), float(res.pvalue)


def kendall(x, y) -> float:
    """Kendall tau with the same conventions as :func:`spearman`."""
    pairs = _finite_pairs(x, y)
    return float("nan") if pairs is None else float(stats.kendalltau(*pairs).statistic)


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


def correlation_mean_ci(values, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of correlation coefficients (e.g. one rho per seed) with a Student-t interval taken on
    Fisher's z = atanh(rho) and mapped back: unlike a plain t-interval it stays inside [-1, 1]."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        m = float(v.mean()) if len(v) else float("nan")
        return m, m, m
    z = np.arctanh(np.clip(v, -0.999999, 0.999999))
    half = stats.t.ppf((1 + level) / 2, len(z) - 1) * z.std(ddof=1) / np.sqrt(len(z))
    return float(v.mean()), float(np.tanh(z.mean() - half)), float(np.tanh(z.mean() + half))
