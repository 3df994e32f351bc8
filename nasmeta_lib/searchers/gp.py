"""A small Gaussian-process surrogate with an upper-confidence-bound acquisition, in numpy.

Why not BoTorch: it would install cleanly beside torch 2.13.0 (checked with
``pip install --dry-run botorch``: botorch, gpytorch, linear_operator, scikit-learn and six
helpers), but RoBoT's BO problem is tiny (a 5-6 dimensional weight box, at most ~100
observations), and a full run fits the GP some 15,000 times; a torch-based model-fitting loop
per step would dominate the chapter's runtime for no gain. What RoBoT's official code uses, the
``bayes_opt`` package (1.2.0), is the model here: a GP with an isotropic Matern-5/2 kernel (no
separate amplitude), normalised targets, near-zero observation noise (alpha 1e-6), and UCB with
kappa = 2.576. Two parts differ, by choice, and are documented here and in the chapter's notes:

- *Length scale.* bayes_opt lets scikit-learn maximise the log marginal likelihood over the
  length scale with L-BFGS-B (bounds 1e-5 to 1e5, started from 1.0 and from 5 random restarts).
  We maximise the same likelihood over a fixed log-spaced grid of 10 values in [0.05, 5]: in a
  box of side 2 shorter or longer scales describe the same (constant or interpolating) surface,
  and a grid is deterministic and cannot fail to converge.
- *Acquisition optimiser.* bayes_opt evaluates UCB at 10,000 uniform random points and then
  polishes the 10 best with L-BFGS-B; we take the best of 2,000 random points without
  polishing. The acquisition's argmax only matters through the architecture the proposed
  weights rank first, and neighbouring weight vectors mostly rank the same one first.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular

LENGTH_SCALES = np.geomspace(0.05, 5.0, 10)
NOISE = 1e-6  # bayes_opt's default alpha: observations are exact table look-ups
UCB_KAPPA = 2.576  # bayes_opt's default exploration weight


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` and ``b`` (one matrix product)."""
    sq = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def matern52(d: np.ndarray, length_scale: float) -> np.ndarray:
    """The Matern-5/2 kernel of precomputed distances."""
    s5 = np.sqrt(5.0) * d / length_scale
    return (1.0 + s5 + s5**2 / 3.0) * np.exp(-s5)


class GaussianProcess:
    """Exact GP regression on normalised targets with an isotropic Matern-5/2 kernel."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.x = np.asarray(x, float)
        y = np.asarray(y, float)
        self.mean, self.scale = y.mean(), (y.std() if y.std() > 0 else 1.0)
        self.z = (y - self.mean) / self.scale
        self._d = distances(self.x, self.x)
        fits = [self._fit(ls) for ls in LENGTH_SCALES]
        best = int(np.argmax([f[2] for f in fits]))
        self.length_scale = float(LENGTH_SCALES[best])
        self._factor, self._alpha, _ = fits[best]

    def _fit(self, length_scale: float):
        """Cholesky factor, weights and log marginal likelihood for one length scale."""
        k = matern52(self._d, length_scale) + NOISE * np.eye(len(self.x))
        try:
            factor = cho_factor(k, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return None, None, -np.inf
        alpha = cho_solve(factor, self.z, check_finite=False)
        return factor, alpha, float(-0.5 * self.z @ alpha - np.log(np.diag(factor[0])).sum())

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation, in the targets' original units."""
        k = matern52(distances(np.asarray(x, float), self.x), self.length_scale)
        mu = k @ self._alpha
        w = solve_triangular(self._factor[0], k.T, lower=True, check_finite=False)
        var = np.maximum(1.0 - (w**2).sum(0), 0.0)
        return self.mean + self.scale * mu, self.scale * np.sqrt(var)


def ucb_next(
    x: np.ndarray, y: np.ndarray, low: float, high: float, rng: np.random.Generator,
    n_candidates: int = 2000, kappa: float = UCB_KAPPA,
) -> np.ndarray:
    """The next point to evaluate: the UCB maximiser over random candidates in the box."""
    gp = GaussianProcess(x, y)
    candidates = rng.uniform(low, high, size=(n_candidates, np.asarray(x).shape[1]))
    mu, sd = gp.predict(candidates)
    return candidates[int(np.argmax(mu + kappa * sd))]
