"""Rank statistics: NaN-safe, undefined cases are NaN, intervals contain the estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nasmeta_lib import stats


def test_spearman_and_kendall_ignore_non_finite_pairs():
    x = [1, 2, 3, 4, np.nan, 6]
    y = [10, 20, 30, 40, 50, np.inf]
    assert stats.spearman(x, y) == 1.0 and stats.kendall(x, y) == 1.0
    assert stats.spearman([1, 2, 3], [3, 2, 1]) == -1.0


def test_undefined_correlations_are_nan():
    assert math.isnan(stats.spearman([1, 1, 1, 1], [1, 2, 3, 4]))
    assert math.isnan(stats.kendall([1, 2], [1, 2]))


def test_bootstrap_ci_brackets_the_estimate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = x + rng.normal(scale=1.0, size=200)
    rho = stats.spearman(x, y)
    lo, hi = stats.bootstrap_ci(x, y, n_boot=300)
    assert lo < rho < hi and hi - lo < 0.4


def test_mean_ci_and_percentile():
    mean, lo, hi = stats.mean_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and lo < 2.0 < hi
    assert stats.percentile_in_pool(5, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == 50.0


def test_spearman_test_gives_a_p_value_that_shrinks_with_evidence():
    x = np.arange(12.0)
    rho, p = stats.spearman_test(x, x + np.sin(x))
    assert rho > 0.9 and p < 0.001
    rho5, p5 = stats.spearman_test(x[:5], [0, 2, 1, 3, 4])
    assert rho5 == pytest.approx(0.9) and p5 > 0.01  # five points, one swap: far weaker evidence than twelve
    assert all(math.isnan(v) for v in stats.spearman_test([1, 1, 1, 1], [1, 2, 3, 4]))


def test_spearman_rows_equals_spearman_row_by_row_with_ties_and_constant_rows():
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 5, (50, 30)).astype(float), rng.random((50, 30))  # ties as in a bootstrap resample
    x[3] = 1.0
    rows = stats.spearman_rows(x, y)
    assert np.isnan(rows[3])
    np.testing.assert_allclose(rows, [stats.spearman(a, b) for a, b in zip(x, y)], rtol=0, atol=1e-12)
