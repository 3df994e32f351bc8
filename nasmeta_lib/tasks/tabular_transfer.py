"""Does an architecture ranking learned on image classification carry over to NinaPro and Darcy?

Everything here reads the full NAS-Bench-201 tables: all 15,625 cells with the final test
accuracy on the three NB201 vision datasets and on NinaPro and Darcy (NAS-Bench-360's
precomputed runs), keyed by the official NB201 index; and, for the budgeted search, the
NAS-Bench-Suite-Zero sample (~725 cells with zero-cost proxies scored on CIFAR-100 inputs).
Uncertainty comes from resampling cells: one bootstrap draw of cells is shared by every task
pair, so intervals of different pairs are computed on the same cells.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.benchmarks.nb201 import EDGES, OPS

VISION = ("cifar10", "cifar100", "ImageNet16-120")
DIVERSE = ("ninapro", "darcy")
TASKS = VISION + DIVERSE
SEARCH_TARGETS = ("cifar100", *DIVERSE)  # the budgeted search transfers CIFAR-100 search to these
SHUFFLED = "shuffled cifar100"  # CIFAR-100 accuracies in a random cell order: a pair that must not correlate


def accuracy_table() -> pd.DataFrame:
    """One row per NB201 index: the accuracy on each task and the six edge ops."""
    frames = {t: benchmarks.load("nb201_full", t).frame.set_index("nb201_index") for t in TASKS}
    out = pd.DataFrame({t: f["accuracy"] for t, f in frames.items()})
    out["ops"] = frames[TASKS[0]]["ops"].map(tuple)
    return out.sort_index()


def _cell_resamples(n: int, n_boot: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, (n_boot, n))


def rank_correlations(table: pd.DataFrame, n_boot: int, seed: int, level: float = 0.95) -> pd.DataFrame:
    """Spearman (with a percentile-bootstrap interval over cells) and Kendall for every task pair.

    Also one negative-control pair, CIFAR-100 against itself in a shuffled cell order: whatever a
    rule says of the vision-vs-diverse pairs it must not also say of a pair with no relation.
    """
    values = {t: table[t].to_numpy(float) for t in TASKS}
    values[SHUFFLED] = np.random.default_rng(seed + 1).permutation(values["cifar100"])
    pairs = [*itertools.combinations(TASKS, 2), ("cifar100", SHUFFLED)]
    boot = {p: [] for p in pairs}
    for idx in _cell_resamples(len(table), n_boot, seed):
        ranks = {t: rankdata(v[idx]) for t, v in values.items()}  # ranked once per draw, shared by all pairs
        for a, b in pairs:
            boot[(a, b)].append(np.corrcoef(ranks[a], ranks[b])[0, 1])
    q = [100 * (1 - level) / 2, 100 * (1 + level) / 2]
    rows = []
    for a, b in pairs:
        low, high = np.percentile(boot[(a, b)], q)
        rows.append({"task_a": a, "task_b": b, "kind": _kind(a, b), "n": len(table),
                     "spearman": stats.spearman(values[a], values[b]), "low": float(low), "high": float(high),
                     "level": level, "n_boot": n_boot, "kendall": stats.kendall(values[a], values[b])})
    return pd.DataFrame(rows)


def _kind(a: str, b: str) -> str:
    if SHUFFLED in (a, b):
        return "control"
    return {2: "vision-vision", 1: "vision-diverse", 0: "diverse-diverse"}[(a in VISION) + (b in VISION)]


def percentile(values: pd.Series, value: float) -> float:
    """Share of ``values`` strictly below ``value``, in percent (100 = better than all others)."""
    return float(100.0 * np.mean(values.to_numpy() < value))


def best_cell_transfer(table: pd.DataFrame) -> pd.DataFrame:
    """Where each task's best cell lands on every task (rank 1 = best, percentile 100 = best)."""
    rows = []
    for source in TASKS:
        idx = int(table[source].idxmax())
        for target in TASKS:
            acc = float(table.at[idx, target])
            rows.append({
                "source": source, "target": target, "nb201_index": idx, "accuracy": acc,
                "rank": int((table[target] > acc).sum()) + 1, "percentile": percentile(table[target], acc),
                "target_best": float(table[target].max()),
            })
    return pd.DataFrame(rows)


def op_preferences(table: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy of cells with ``op`` on an edge minus the task mean, averaged over the 6 edges.

    Also given in units of the task's interquartile range, so tasks with different metrics can be
    compared on one axis. (This is a marginal effect, not Wan et al.'s operation importance.)
    """
    effects = _edge_op_effects(_op_codes(table), {t: table[t].to_numpy(float) for t in TASKS}, None)
    rows = []
    for task in TASKS:
        q1, q3 = np.quantile(table[task], [0.25, 0.75])
        for j, op in enumerate(OPS):
            effect = float(effects[task][:, j].mean())
            rows.append({"task": task, "op": op, "effect": effect, "effect_iqr": effect / (q3 - q1)})
    return pd.DataFrame(rows)


def _op_codes(table: pd.DataFrame) -> np.ndarray:
    code = {op: j for j, op in enumerate(OPS)}
    return np.array([[code[o] for o in ops] for ops in table["ops"]])


def _edge_op_effects(codes: np.ndarray, acc: dict[str, np.ndarray], weights: np.ndarray | None
                     ) -> dict[str, np.ndarray]:
    """Per task, an (edge x op) array: mean accuracy of the cells with that op on that edge minus the
    mean of all cells, with cells counted ``weights`` times (a bootstrap draw) or once."""
    w = np.ones(len(codes)) if weights is None else weights
    out = {}
    for task, a in acc.items():
        mean = np.sum(w * a) / np.sum(w)
        out[task] = np.stack([np.bincount(codes[:, e], w * a, len(OPS)) / np.bincount(codes[:, e], w, len(OPS))
                              for e in range(len(EDGES))]) - mean
    return out


def op_agreement(table: pd.DataFrame, n_boot: int, seed: int, level: float = 0.95) -> pd.DataFrame:
    """Do two tasks prefer the same ops? Spearman between their 30 per-edge op effects, per task pair,
    with a percentile-bootstrap interval over cells (the effects are recomputed on every draw)."""
    codes = _op_codes(table)
    acc = {t: table[t].to_numpy(float) for t in TASKS}
    pairs = list(itertools.combinations(TASKS, 2))

    def rhos(effects: dict[str, np.ndarray]) -> list[float]:
        return [stats.spearman(effects[a].ravel(), effects[b].ravel()) for a, b in pairs]

    point = rhos(_edge_op_effects(codes, acc, None))
    boot = np.array([rhos(_edge_op_effects(codes, acc, np.bincount(idx, minlength=len(table))))
                     for idx in _cell_resamples(len(table), n_boot, seed)])
    low, high = np.nanpercentile(boot, [100 * (1 - level) / 2, 100 * (1 + level) / 2], axis=0)
    return pd.DataFrame({"task_a": [a for a, _ in pairs], "task_b": [b for _, b in pairs],
                         "kind": [_kind(a, b) for a, b in pairs], "spearman": point, "low": low, "high": high,
                         "level": level, "n_boot": n_boot, "n": len(table)})


def proxy_pool(table: pd.DataFrame) -> pd.DataFrame:
    """The Suite-Zero NB201 sample joined to the full table (its CIFAR-100 proxies and accuracies)."""
    sample = benchmarks.load("nb201", "cifar100")
    cols = ["nb201_index", "accuracy", *sample.proxies]
    pool = sample.frame[cols].rename(columns={"accuracy": "cifar100_val"}).set_index("nb201_index")
    return pool.join(table[list(SEARCH_TARGETS)], how="inner")


def proxy_correlations(pool: pd.DataFrame, proxies: list[str]) -> pd.DataFrame:
    """Spearman of each CIFAR-100 zero-cost proxy with each task's accuracy on the Suite-Zero pool."""
    rows = []
    for proxy in proxies:
        row = {"proxy": proxy, "cifar100_val": stats.spearman(pool[proxy], pool["cifar100_val"])}
        row.update({t: stats.spearman(pool[proxy], pool[t]) for t in SEARCH_TARGETS})
        rows.append(row)
    return pd.DataFrame(rows).sort_values("cifar100_val", ascending=False, ignore_index=True)


def budgeted_search(table: pd.DataFrame, pool: pd.DataFrame, proxy: str, budgets: list[int], repeats: int,
                    seed: int) -> pd.DataFrame:
    """What a search with ``B`` sampled cells picks, judged on each target task.

    On the Suite-Zero pool (so all strategies see the same cells), each repeat samples ``B``
    cells and picks one by: the target's own accuracy (random search on the target, B
    trainings), CIFAR-100 validation accuracy (image-classification search, transferred), or the zero-cost
    ``proxy`` (no training). The pick is scored by its target-accuracy percentile among all
    15,625 cells.
    """
    rng = np.random.default_rng(seed)
    index = pool.index.to_numpy()
    selectors = {
        "random search on target": None,
        "CIFAR-100 search, transferred": pool["cifar100_val"],
        f"zero-cost proxy ({proxy})": pool[proxy],
    }
    sorted_targets = {t: np.sort(table[t].to_numpy()) for t in SEARCH_TARGETS}
    rows = []
    for budget in budgets:
        if budget > len(pool):
            raise ValueError(f"budget {budget} is larger than the pool of {len(pool)} cells")
        for r in range(repeats):
            chosen = rng.choice(index, size=budget, replace=False)
            for strategy, score in selectors.items():
                for target in SEARCH_TARGETS:
                    key = pool.loc[chosen, target] if score is None else score.loc[chosen]
                    pick = key.idxmax()
                    acc = float(pool.at[pick, target])
                    pct = 100.0 * np.searchsorted(sorted_targets[target], acc, side="left") / len(table)
                    rows.append({"budget": budget, "repeat": r, "strategy": strategy, "target": target,
                                 "accuracy": acc, "percentile": pct,
                                 "regret": float(sorted_targets[target][-1] - acc)})
    return pd.DataFrame(rows)


def summarise_search(runs: pd.DataFrame) -> pd.DataFrame:
    """Median (and 25/75 % quantiles) of the pick's percentile per strategy, target and budget."""
    grouped = runs.groupby(["target", "strategy", "budget"])["percentile"]
    out = grouped.median().rename("median_percentile").to_frame()
    out["q25"] = grouped.quantile(0.25)
    out["q75"] = grouped.quantile(0.75)
    out["median_regret"] = runs.groupby(["target", "strategy", "budget"])["regret"].median()
    return out.reset_index()
