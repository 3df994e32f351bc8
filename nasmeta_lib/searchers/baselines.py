"""Baselines RoBoT is compared with, on the same pool, budget and seeds.

- ``proxy_top1``: standard training-free NAS, the architecture one proxy ranks first (one query).
- ``proxy_greedy``: one proxy plus the same exploitation RoBoT uses: query its top-T.
- ``rank_ensemble``: the average rank over all given proxies, then its top-T.
- ``random``: T distinct architectures uniformly at random.
- ``rea``: regularised evolution (Real et al., 2019), the training-based baseline the RoBoT paper
  reports. On a *sampled* pool a mutated genotype is usually not in the pool, so a mutation
  moves to a pool architecture at the smallest Hamming distance (>= 1) from the parent, chosen
  at random among ties: the closest thing to "change one operation" that the pool holds.
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


def nearest_unqueried(pool: SearchPool, parent: int, oracle: AccuracyOracle, rng: np.random.Generator) -> int:
    """A pool architecture closest to ``parent`` in Hamming distance, not yet queried."""
    distance = (pool.genotypes != pool.genotypes[parent]).sum(axis=1).astype(float)
    distance[oracle.queried] = np.inf
    candidates = np.flatnonzero(distance == distance.min())
    return int(rng.choice(candidates))


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
