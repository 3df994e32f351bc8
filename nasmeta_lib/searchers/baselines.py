"""Baselines RoBoT is compared with, on the same pool, budget and seeds.

- ``proxy_top1``: standard training-free NAS, the architecture one proxy ranks first (one query).
- ``proxy_greedy``: one proxy plus the same exploitation RoBoT uses: query its top-T.
- ``rank_ensemble``: the average rank over all given proxies, then its top-T.
- ``random``: T distinct architectures uniformly at random.
- ``rea``: regularised evolution (Real et al., 2019), the training-based baseline the RoBoT paper
  reports. On a *sampled* pool a mutated genotype is usually not in the pool, so a mutation
  moves to a pool architecture at the smallest Hamming distance (>= 1) from the parent, chosen
  at random among ties: the closest thing to "change one operation" that the pool holds.
- ``reinforce``: policy-gradient search, the third training-based baseline of RoBoT's Table 2
  (NAS-Bench-201's REINFORCE). On a sampled pool a drawn genotype is again replaced by its
  nearest pool architecture.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy.stats import rankdata

from nasmeta_lib.searchers import SEARCHERS
from nasmeta_lib.searchers.pool import AccuracyOracle, SearchOutcome, SearchPool, greedy_fill, proxy_scores


def _outcome(oracle: AccuracyOracle, **info) -> SearchOutcome:
    return SearchOutcome(queried=list(oracle.queried), best=oracle.best(), info=info)


@SEARCHERS.register("proxy_top1")
def proxy_top1(pool: SearchPool, budget: int, rng: np.random.Generator, proxy: str) -> SearchOutcome:
    oracle = AccuracyOracle(pool.accuracy, budget)
    oracle.query(int(np.argmax(proxy_scores(pool, proxy))))
    return _outcome(oracle, proxy=proxy)


@SEARCHERS.register("proxy_greedy")
def proxy_greedy(pool: SearchPool, budget: int, rng: np.random.Generator, proxy: str) -> SearchOutcome:
    oracle = AccuracyOracle(pool.accuracy, budget)
    greedy_fill(oracle, proxy_scores(pool, proxy))
    return _outcome(oracle, proxy=proxy)


def average_rank(pool: SearchPool) -> np.ndarray:
    """Mean rank over proxies (higher = better); a failed proxy gives the lowest rank."""
    scores = np.column_stack([proxy_scores(pool, p) for p in pool.proxy_names])
    return np.mean([rankdata(col, method="average") for col in scores.T], axis=0)


@SEARCHERS.register("rank_ensemble")
def rank_ensemble(pool: SearchPool, budget: int, rng: np.random.Generator) -> SearchOutcome:
    oracle = AccuracyOracle(pool.accuracy, budget)
    greedy_fill(oracle, average_rank(pool))
    return _outcome(oracle)


@SEARCHERS.register("random")
def random_search(pool: SearchPool, budget: int, rng: np.random.Generator) -> SearchOutcome:
    oracle = AccuracyOracle(pool.accuracy, budget)
    for index in rng.choice(len(pool), size=budget, replace=False):
        oracle.query(index)
    return _outcome(oracle)


def nearest(pool: SearchPool, genotype: np.ndarray, rng: np.random.Generator, exclude: list[int] | None = None) -> int:
    """A pool architecture closest to ``genotype`` in Hamming distance (random among ties), not in ``exclude``."""
    distance = (pool.genotypes != genotype).sum(axis=1).astype(float)
    if exclude:
        distance[exclude] = np.inf
    return int(rng.choice(np.flatnonzero(distance == distance.min())))


def nearest_unqueried(pool: SearchPool, parent: int, oracle: AccuracyOracle, rng: np.random.Generator) -> int:
    """A pool architecture closest to ``parent`` in Hamming distance, not yet queried."""
    return nearest(pool, pool.genotypes[parent], rng, exclude=oracle.queried)


@SEARCHERS.register("rea")
def regularised_evolution(
    pool: SearchPool, budget: int, rng: np.random.Generator, population: int = 0, tournament: int = 0
) -> SearchOutcome:
    """Regularised evolution; population defaults to T/3 (the official baseline's choice) and
    the tournament to half the population."""
    population = population or max(2, budget // 3)
    tournament = tournament or max(1, population // 2)
    oracle = AccuracyOracle(pool.accuracy, budget)
    alive: deque[int] = deque()
    for index in rng.choice(len(pool), size=min(population, budget), replace=False):
        oracle.query(index)
        alive.append(int(index))
    while oracle.remaining > 0:
        contenders = rng.choice(len(alive), size=min(tournament, len(alive)), replace=False)
        parent = max((alive[i] for i in contenders), key=lambda i: pool.accuracy[i])
        child = nearest_unqueried(pool, parent, oracle, rng)
        oracle.query(child)
        alive.append(child)
        alive.popleft()  # regularisation: the oldest dies, not the worst
    return _outcome(oracle, population=population, tournament=tournament)


class _Adam:
    """Adam on a flat parameter vector (the NATS-Bench REINFORCE baseline optimises its policy with Adam)."""

    def __init__(self, size: int, learning_rate: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.lr, self.betas, self.eps = learning_rate, betas, eps
        self.m, self.v, self.t = np.zeros(size), np.zeros(size), 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        b1, b2 = self.betas
        self.t += 1
        self.m = b1 * self.m + (1 - b1) * grad
        self.v = b2 * self.v + (1 - b2) * grad**2
        m_hat, v_hat = self.m / (1 - b1**self.t), self.v / (1 - b2**self.t)
        params -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


@SEARCHERS.register("reinforce")
def reinforce(pool: SearchPool, budget: int, rng: np.random.Generator, learning_rate: float = 0.01,
              momentum: float = 0.9, samples_per_query: int = 50) -> SearchOutcome:
    """REINFORCE (Williams, 1992) with the NATS-Bench baseline's settings: one softmax per genotype
    position (the values that position takes in the pool), Adam with learning rate 0.01 on the
    logits, reward = the queried accuracy, baseline = the bias-corrected exponential moving
    average of the rewards so far, this one included (momentum 0.9). A drawn genotype the pool lacks becomes its nearest pool architecture
    (Hamming distance, random among ties). Re-drawing a queried architecture is free, so a
    collapsed policy could draw forever: after ``samples_per_query * budget`` draws the rest of
    the budget goes to random unqueried architectures (``info["random_fill"]`` counts them)."""
    oracle = AccuracyOracle(pool.accuracy, budget)
    values = [np.unique(column) for column in pool.genotypes.T]
    free = [j for j, v in enumerate(values) if len(v) > 1]
    sizes = [len(values[j]) for j in free]
    offsets = np.cumsum([0, *sizes])
    logits = np.zeros(offsets[-1])
    adam = _Adam(len(logits), learning_rate)
    index_of: dict[bytes, int] = {}
    for i, genotype in enumerate(pool.genotypes):
        index_of.setdefault(genotype.tobytes(), i)
    weighted_sum = weight = 0.0  # the moving average's numerator and denominator
    draws = 0
    while oracle.remaining > 0 and draws < samples_per_query * budget:
        draws += 1
        genotype = pool.genotypes[0].copy()
        log_grad = np.zeros_like(logits)
        for j, size, start in zip(free, sizes, offsets):
            p = np.exp(logits[start:start + size] - logits[start:start + size].max())
            p /= p.sum()
            choice = int(rng.choice(size, p=p))
            genotype[j] = values[j][choice]
            log_grad[start:start + size] = -p
            log_grad[start + choice] += 1.0
        index = index_of.get(genotype.tobytes())
        if index is None:
            index = nearest(pool, genotype, rng)
        reward = oracle.query(index)
        weighted_sum = momentum * weighted_sum + (1 - momentum) * reward
        weight = momentum * weight + (1 - momentum)
        adam.step(logits, -(reward - weighted_sum / weight) * log_grad)  # ascend E[reward]
    fill = oracle.remaining
    if fill:
        unqueried = np.setdiff1d(np.arange(len(pool)), oracle.queried)
        for index in rng.choice(unqueried, size=fill, replace=False):
            oracle.query(index)
    return _outcome(oracle, draws=draws, random_fill=fill)
