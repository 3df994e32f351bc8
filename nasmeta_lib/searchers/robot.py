"""RoBoT: robustifying and boosting training-free NAS (He, Shu, Dai, Low; ICLR 2024).

Two phases share one budget of T accuracy queries (distinct architectures):

1. **Robustify (exploration).** A weight vector w in [-1, 1]^m defines the combined metric
   M(A; w) = sum_i w_i M_i(A) over min-max normalised training-free metrics (two ways of
   treating failed metric values: ``SearchPool.normalised``). Bayesian
   optimisation proposes weight vectors; each is scored by the queried accuracy of the single
   architecture it ranks first. Many weight vectors share their top architecture, so the
   proposals hit only T0 <= (number of proposals) distinct architectures, and only those are
   paid for. As in the official code, the first proposal is uniform at random and the rest
   maximise a GP-UCB acquisition; the number of proposals equals T by default.
2. **Boost (exploitation).** With the best weight vector found, w~*, the remaining T - T0
   queries go greedily down the ranking of M(.; w~*), skipping architectures already queried.

The answer is the queried architecture with the highest accuracy.
"""

from __future__ import annotations

import numpy as np

from nasmeta_lib.searchers import SEARCHERS
from nasmeta_lib.searchers.gp import ucb_next
from nasmeta_lib.searchers.pool import AccuracyOracle, Normalisation, SearchOutcome, SearchPool, greedy_fill

WEIGHT_BOUNDS = (-1.0, 1.0)  # the official code's search box for every metric's weight


def top_architecture(metrics: np.ndarray, weights: np.ndarray) -> int:
    """The architecture the combined metric ranks first (lowest index on ties)."""
    return int(np.argmax(metrics @ weights))


@SEARCHERS.register("robot")
def robot(pool: SearchPool, budget: int, rng: np.random.Generator, bo_share: float = 1.0,
          normalisation: Normalisation = "missing") -> SearchOutcome:
    """Run RoBoT with ``round(bo_share * budget)`` BO proposals (at least one)."""
    metrics = pool.normalised(normalisation)
    oracle = AccuracyOracle(pool.accuracy, budget)
    low, high = WEIGHT_BOUNDS
    weights: list[np.ndarray] = []
    values: list[float] = []
    for step in range(max(1, round(bo_share * budget))):
        w = rng.uniform(low, high, metrics.shape[1]) if step == 0 else ucb_next(np.array(weights), np.array(values), low, high, rng)
        top = top_architecture(metrics, w)
        if oracle.remaining == 0 and not oracle.seen(top):
            break  # every query went to exploration; nothing is left to pay for this one
        weights.append(w)
        values.append(oracle.query(top))

    # The official code keeps the latest weight vector among equally good ones.
    best_step = len(values) - 1 - int(np.argmax(values[::-1]))
    w_best = weights[best_step]
    t0 = len(oracle.queried)
    bo_best = oracle.best()
    greedy_fill(oracle, metrics @ w_best)
    return SearchOutcome(
        queried=list(oracle.queried),
        best=oracle.best(),
        info={"t0": t0, "weights": w_best.tolist(), "bo_best": bo_best, "bo_proposals": len(values)},
    )


def precision_at(scores: np.ndarray, accuracy: np.ndarray, k: int) -> float:
    """rho_k(M, f): the share of the metric's top-k that are also in the accuracy's top-k (Eq. 2)."""
    if k <= 0:
        return float("nan")
    by_metric = np.argsort(-scores, kind="stable")[:k]
    by_accuracy = np.argsort(-accuracy, kind="stable")[:k]
    return len(np.intersect1d(by_metric, by_accuracy)) / k


def greedy_rank_bound(k: int, rho: float) -> float:
    """Theorem 1: greedy search over a metric's top-k finds an architecture of true rank at
    most k (1 - rho_k) + 1, provided rho_k > 0 (with rho_k = 0 the top-k may miss the true
    top-k entirely and nothing is guaranteed)."""
    return k * (1.0 - rho) + 1.0
