"""Does an architecture ranking learned on image classification carry over to NinaPro and Darcy?

Everything here reads the full NAS-Bench-201 tables (15,625 cells: CIFAR-100 from NB201, NinaPro
and Darcy precomputed by NAS-Bench-360, each the final test accuracy of one training run) and the
NAS-Bench-Suite-Zero sample (~725 cells with zero-cost proxies scored on CIFAR-100 inputs).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.benchmarks.nb201 import EDGES, OPS

TASKS = ("cifar100", "ninapro", "darcy")
VISION = ("cifar10", "cifar100", "ImageNet16-120")


def accuracy_table() -> pd.DataFrame:
    """One row per NB201 index: the accuracy on each task and the six edge ops."""
    frames = {t: benchmarks.load("nb201_full", t).frame.set_index("nb201_index") for t in TASKS}
    out = pd.DataFrame({t: f["accuracy"] for t, f in frames.items()})
    out["ops"] = frames[TASKS[0]]["ops"].map(tuple)
    return out.sort_index()


def proxy_pool(table: pd.DataFrame) -> pd.DataFrame:
    """The Suite-Zero NB201 sample joined to the full table (its CIFAR-100 proxies and accuracies)."""
    sample = benchmarks.load("nb201", "cifar100")
    cols = ["nb201_index", "accuracy", *sample.proxies]
    pool = sample.frame[cols].rename(columns={"accuracy": "cifar100_val"}).set_index("nb201_index")
    return pool.join(table[list(TASKS)], how="inner")


def rank_correlations(table: pd.DataFrame) -> pd.DataFrame:
    """Spearman and Kendall between every pair of tasks, over all cells."""
    rows = []
    for a, b in itertools.combinations(TASKS, 2):
        rows.append({"task_a": a, "task_b": b, "n": len(table), "spearman": stats.spearman(table[a], table[b]),
                     "kendall": stats.kendall(table[a], table[b]), "pool": "all 15,625 NB201 cells"})
    return pd.DataFrame(rows)


def vision_correlations() -> pd.DataFrame:
    """The same correlations between the three NB201 vision tasks (Suite-Zero sample, validation accuracy)."""
    tables = {t: benchmarks.load("nb201", t).frame.set_index("nb201_index")["accuracy"] for t in VISION}
    rows = []
    for a, b in itertools.combinations(VISION, 2):
        joined = pd.concat([tables[a], tables[b]], axis=1, join="inner")
        x, y = joined.iloc[:, 0], joined.iloc[:, 1]
        rows.append({"task_a": a, "task_b": b, "n": len(joined), "spearman": stats.spearman(x, y),
                     "kendall": stats.kendall(x, y), "pool": "Suite-Zero NB201 sample"})
    return pd.DataFrame(rows)


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
    ops = np.array(table["ops"].tolist())
    rows = []
    for task in TASKS:
        acc = table[task].to_numpy()
        q1, q3 = np.quantile(acc, [0.25, 0.75])
        for op in OPS:
            effect = np.mean([acc[ops[:, e] == op].mean() - acc.mean() for e in range(len(EDGES))])
            rows.append({"task": task, "op": op, "effect": float(effect), "effect_iqr": float(effect / (q3 - q1))})
    return pd.DataFrame(rows)


def proxy_correlations(pool: pd.DataFrame, proxies: list[str]) -> pd.DataFrame:
    """Spearman of each CIFAR-100 zero-cost proxy with each task's accuracy on the Suite-Zero pool."""
    rows = []
    for proxy in proxies:
        row = {"proxy": proxy, "cifar100_val": stats.spearman(pool[proxy], pool["cifar100_val"])}
        row.update({t: stats.spearman(pool[proxy], pool[t]) for t in TASKS})
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
    sorted_targets = {t: np.sort(table[t].to_numpy()) for t in TASKS}
    rows = []
    for budget in budgets:
        if budget > len(pool):
            raise ValueError(f"budget {budget} is larger than the pool of {len(pool)} cells")
        for r in range(repeats):
            chosen = rng.choice(index, size=budget, replace=False)
            for strategy, score in selectors.items():
                for target in TASKS:
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
