"""Search over a tabular pool: the architectures, their proxy scores, and a query-counting oracle.

On a tabular benchmark a "query" is looking up an architecture's accuracy, which stands in for
training it. Search budgets are therefore counted the way RoBoT (He et al., ICLR 2024) and the
tabular NAS literature count them: the number of *distinct* architectures whose accuracy a
searcher has looked up. Looking the same architecture up again is free (its result is cached),
and proxies are free (they are training-free).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

import numpy as np
import pandas as pd

from nasmeta_lib.benchmarks import BenchmarkTable
from nasmeta_lib.benchmarks.suite_zero import FAILED_SENTINEL  # our tables hold NaN where it was stored
from nasmeta_lib.params import ParameterError

# How RoBoT scales metrics before weighting them (see ``SearchPool.normalised``).
Normalisation = Literal["missing", "official"]
NORMALISATIONS: tuple[str, ...] = ("missing", "official")


class BudgetExhausted(RuntimeError):
    """A searcher asked for one more new architecture than its budget allows."""


@dataclass
class SearchPool:
    """What a searcher may see of one setting: raw proxy scores, genotypes, and (via the
    oracle only) accuracies.

    ``proxies`` is an (n, m) array in the order of ``proxy_names``; NaN marks a proxy that
    failed on an architecture (Suite-Zero records each failure explicitly, with its sentinel). ``genotypes`` is an (n, d) integer array (categorical op codes
    then adjacency bits) used by mutation-based searchers.
    """

    key: str
    proxy_names: tuple[str, ...]
    proxies: np.ndarray
    accuracy: np.ndarray
    genotypes: np.ndarray

    def __len__(self) -> int:
        return len(self.accuracy)

    @classmethod
    def from_table(cls, table: BenchmarkTable, proxy_names: Sequence[str], objective: str = "accuracy") -> "SearchPool":
        """The pool of one loaded setting; ``objective`` names the column a query looks up."""
        frame = table.frame
        missing = [p for p in proxy_names if p not in table.proxies or not frame[p].notna().any()]
        if missing:
            raise ParameterError(
                f"{table.setting.key} stores no metric {', '.join(missing)}; it stores {', '.join(table.proxies)}"
            )
        return cls(
            key=table.setting.key,
            proxy_names=tuple(proxy_names),
            proxies=frame[list(proxy_names)].to_numpy(float),
            accuracy=frame[objective].to_numpy(float),
            genotypes=genotype_matrix(frame),
        )

    def normalised(self, how: Normalisation = "missing") -> np.ndarray:
        """Proxies min-max scaled per metric to [0, 1]; constant columns stay 0.

        ``missing`` (ours, the default): failures are left out of the min and max and then set to
        0, the worst value, so a failure adds nothing to a weighted sum and the other values keep
        their full spread. ``official``: as RoBoT's official code, which scales the stored values
        *including* the failure sentinel -1e8; a metric with any failure then has all its valid
        values squeezed into the top ~1e-6 of [0, 1], i.e. it only tells failure from success.
        """
        if how not in NORMALISATIONS:
            raise ParameterError(f"normalisation {how!r} is not one of {', '.join(NORMALISATIONS)}")
        x = self.proxies.copy()
        if how == "official":
            x = np.where(np.isnan(x), FAILED_SENTINEL, x)
        lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        x = (x - lo) / span
        return np.nan_to_num(x, nan=0.0)

    def true_rank(self, index: int) -> int:
        """1 + the number of architectures strictly better than ``index`` (1 = the best)."""
        return int(1 + np.sum(self.accuracy > self.accuracy[index]))


def genotype_matrix(frame: pd.DataFrame) -> np.ndarray:
    """Integer genotype per row: op codes (padded with -1) followed by adjacency (padded with 0).

    Spaces with variable-length architectures (NB101 after pruning, TransNAS macro) pad to the
    longest, so Hamming distance counts a missing module as one difference per position.
    """
    vocab = {op: i for i, op in enumerate(sorted({op for ops in frame["ops"] for op in ops}))}
    n_ops = max(len(ops) for ops in frame["ops"])
    n_adj = max(len(adj) for adj in frame["adjacency"])
    out = np.full((len(frame), n_ops + n_adj), -1, dtype=np.int16)
    out[:, n_ops:] = 0
    for row, (ops, adj) in enumerate(zip(frame["ops"], frame["adjacency"])):
        out[row, : len(ops)] = [vocab[o] for o in ops]
        out[row, n_ops : n_ops + len(adj)] = adj
    return out


class AccuracyOracle:
    """Looks accuracies up for a searcher and counts distinct architectures against the budget."""

    def __init__(self, accuracy: np.ndarray, budget: int):
        if budget < 1:
            raise ParameterError(f"budget must be at least 1, got {budget}")
        if budget > len(accuracy):
            raise ParameterError(f"budget {budget} is larger than the pool ({len(accuracy)} architectures); lower it")
        self._accuracy = accuracy
        self.budget = budget
        self.queried: list[int] = []  # distinct architectures, in the order first queried
        self._seen: set[int] = set()

    @property
    def remaining(self) -> int:
        return self.budget - len(self.queried)

    def seen(self, index: int) -> bool:
        return index in self._seen

    def query(self, index: int) -> float:
        index = int(index)
        if index not in self._seen:
            if self.remaining <= 0:
                raise BudgetExhausted(f"budget of {self.budget} distinct queries is spent")
            self._seen.add(index)
            self.queried.append(index)
        return float(self._accuracy[index])

    def best(self) -> int:
        """The queried architecture with the highest accuracy (earliest on ties)."""
        accs = self._accuracy[self.queried]
        return self.queried[int(np.argmax(accs))]


@dataclass
class SearchOutcome:
    """What a search returns: the distinct architectures it queried, in order, and its pick."""

    queried: list[int]
    best: int
    info: dict[str, Any] = field(default_factory=dict)


Searcher = Callable[..., SearchOutcome]
"""``searcher(pool, budget, rng, **options) -> SearchOutcome``; registered in ``SEARCHERS``."""


def greedy_fill(oracle: AccuracyOracle, scores: np.ndarray) -> None:
    """Spend what is left of the budget on the best-scored architectures not yet queried."""
    for index in np.argsort(-scores, kind="stable"):
        if oracle.remaining == 0:
            return
        oracle.query(index)


def proxy_scores(pool: SearchPool, proxy: str) -> np.ndarray:
    """One proxy's scores with failures ranked last (higher is better, Suite-Zero convention)."""
    if proxy not in pool.proxy_names:
        raise ParameterError(f"proxy {proxy!r} is not in this pool; it has {', '.join(pool.proxy_names)}")
    scores = pool.proxies[:, pool.proxy_names.index(proxy)]
    return np.where(np.isfinite(scores), scores, -np.inf)


def seeded_rng(seed: int, key: str) -> np.random.Generator:
    """One generator per (seed, setting): every method sees the same stream on a setting, and
    adding or removing settings changes no other setting's numbers."""
    return np.random.default_rng([seed, zlib.crc32(key.encode())])
