"""Random search over the NB201 cell space: sample cells, evaluate each, keep the best.

``evaluate`` is any cell -> score function (higher is better): a lookup in a tabular benchmark or
a short training run. That one loop serves the tabular analysis and the trained Darcy search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from nasmeta_lib.benchmarks.nb201 import EDGES, OPS
from nasmeta_lib.searchers import SEARCHERS

Genotype = tuple[str, ...]


@dataclass(frozen=True)
class SearchResult:
    best: Genotype
    best_score: float
    history: list[tuple[Genotype, float]]


def sample_cell(rng: np.random.Generator) -> Genotype:
    """A uniformly random NB201 cell (each edge op i.i.d. uniform)."""
    return tuple(OPS[i] for i in rng.integers(len(OPS), size=len(EDGES)))


@SEARCHERS.register("random_cell")
def random_search(evaluate: Callable[[Genotype], float], n_samples: int, seed: int, progress=None) -> SearchResult:
    """Evaluate ``n_samples`` distinct random cells and return the best."""
    if n_samples < 1:
        raise ValueError(f"random search needs at least one sample, got {n_samples}")
    rng = np.random.default_rng(seed)
    cells: list[Genotype] = []
    while len(cells) < n_samples:
        cell = sample_cell(rng)
        if cell not in cells:
            cells.append(cell)
    history = [(cell, float(evaluate(cell))) for cell in (progress(cells, "random cells") if progress else cells)]
    best, score = max(history, key=lambda item: item[1] if np.isfinite(item[1]) else -np.inf)
    return SearchResult(best, score, history)
