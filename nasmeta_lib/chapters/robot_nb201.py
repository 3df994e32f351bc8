"""RoBoT's NAS-Bench-201 experiment beside the paper's Table 2, and its transfer to NAS-Bench-360
(a part of the ``robot`` chapter).

The paper searches all 15,625 cells with T = 20 queries of a 12-epoch CIFAR-10 validation
accuracy (for all three datasets) and reports the found cell's test accuracy. Two search spaces:

- ``full``: every cell, with the project's generated proxy table (computed on CIFAR-10 images,
  ``nb201_proxies``). The objective is the closest accuracy held for every cell, CIFAR-10 test
  accuracy after full (200-epoch) training: less noisy than the paper's 12-epoch validation
  accuracy, and the very number CIFAR-10 is then judged on, for every method alike.
- ``pool``: the Suite-Zero sample (~725 cells) with its stored per-dataset proxies, the
  objective Suite-Zero's CIFAR-10 validation accuracy after full training.

The found cell's test accuracy on each dataset is looked up, by its cell string, in the all-cell
table. Random search, REA and REINFORCE get the same space, objective, T and seeds; each single
metric's top-T gives the paper's training-free "average" and "best" rows.

Beyond the paper, ``run_transfer`` asks whether training-free NAS carries over to the diverse
tasks of NAS-Bench-360: RoBoT with the same CIFAR-10 proxies searches all cells for NinaPro or
Darcy, querying that task's own accuracy, beside random search and a negative control that
shuffles the proxies between cells (no information, same search machinery).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.benchmarks import BenchmarkTable, nb201_proxies
from nasmeta_lib.claims.robot import NB201_DATASETS, PAPER_NB201, SHUFFLED, TRANSFER_TASKS
from nasmeta_lib.params import ParameterError
from nasmeta_lib.searchers import SEARCHERS, baselines, robot  # noqa: F401  (imports register the searchers)
from nasmeta_lib.searchers.pool import SearchPool, seeded_rng

SPACES = ("full", "pool")
OBJECTIVE = {"full": ("nb201_full", "cifar10"), "pool": ("nb201", "cifar10")}
OBJECTIVE_LABEL = {"full": "CIFAR-10 test accuracy after 200 epochs (all cells)",
                   "pool": "CIFAR-10 validation accuracy after 200 epochs (Suite-Zero)"}


def available(settings: list[str], space: str) -> list[str]:
    """The NB201 datasets whose search runs: in the full space all three, in the pool those among
    ``settings`` (their pools carry the per-dataset proxies)."""
    held = benchmarks.REGISTRY["nb201_full"].tasks
    return [d for d in NB201_DATASETS if (space == "full" or f"nb201/{d}" in settings) and d in held]


def require_full_table(what: str) -> None:
    """Refuse before any work when ``what`` needs the all-cell proxy table and it is not complete."""
    if not nb201_proxies.fingerprint():
        raise ParameterError(f"{what} needs the proxy table of every NB201 cell, which is not complete "
                             f"({nb201_proxies.status()}); or set -p nb201_space pool and -p transfer_tasks ''")


def full_space(task: str, metrics: list[str]) -> tuple[SearchPool, pd.Series]:
    """All 15,625 cells with the project's proxies; a query looks up ``task``'s own accuracy."""
    table = benchmarks.load("nb201_full", task)
    return SearchPool.from_table(table, metrics), table.frame["arch_str"]


def objective_pool(dataset: str, metrics: list[str], space: str) -> tuple[SearchPool, pd.Series]:
    """The search space of ``dataset`` with CIFAR-10 accuracy as the objective: every cell
    (``full``), or the dataset's Suite-Zero pool (its own proxies, as the official code reads
    per-dataset metrics) without the cells that have no CIFAR-10 validation accuracy (``pool``)."""
    if space == "full":
        return full_space("cifar10", metrics)
    table = benchmarks.load("nb201", dataset)
    objective = benchmarks.load(*OBJECTIVE["pool"]).frame.set_index("arch_str")["accuracy"]
    frame = table.frame.assign(objective=table.frame["arch_str"].map(objective))
    frame = frame.dropna(subset=["objective"]).reset_index(drop=True)
    pool = SearchPool.from_table(BenchmarkTable(table.setting, frame), metrics, objective="objective")
    return pool, frame["arch_str"]


def methods(metrics: list[str], normalisation: str) -> list[tuple[str, str, str, dict]]:
    out = [("RoBoT", "RoBoT", "robot", {"normalisation": normalisation}),
           ("random", "training-based", "random", {}), ("REA", "training-based", "rea", {}),
           ("REINFORCE", "training-based", "reinforce", {})]
    return out + [(f"{p} (greedy top-T)", "single proxy, greedy top-T", "proxy_greedy", {"proxy": p}) for p in metrics]


def run_dataset(dataset: str, metrics: list[str], params: dict) -> dict:
    """Every method on one dataset's search space, each found cell's test accuracy from the
    all-cell table."""
    space = params["nb201_space"]
    pool, arch_str = objective_pool(dataset, metrics, space)
    full = benchmarks.load("nb201_full", dataset).frame.set_index("arch_str")["accuracy"]
    rows = []
    for seed in range(params["seeds"]):
        for label, family, name, options in methods(metrics, params["normalisation"]):
            outcome = SEARCHERS[name](pool, params["budget"], seeded_rng(seed, f"nb201-test/{dataset}"), **options)
            test = float(full[arch_str[outcome.best]])
            rows.append({"dataset": dataset, "method": label, "family": family, "seed": seed,
                         "arch_str": arch_str[outcome.best], "objective": float(pool.accuracy[outcome.best]),
                         "test_accuracy": test, "full_percentile": stats.percentile_in_pool(test, full.to_numpy())})
    in_pool = full[arch_str].to_numpy()
    dropped = 0 if space == "full" else len(benchmarks.load("nb201", dataset)) - len(pool)
    info = {"dataset": dataset, "space": space, "pool": len(pool), "dropped_without_objective": dropped,
            "objective": OBJECTIVE_LABEL[space], "T": params["budget"],
            "ceiling_test_accuracy": float(in_pool.max()),
            "ceiling_percentile": stats.percentile_in_pool(in_pool.max(), full.to_numpy()),
            "optimum_test_accuracy": float(full.max())}
    return {"runs": rows, "pool": info}


def shuffled(pool: SearchPool, rng: np.random.Generator) -> SearchPool:
    """The pool with its proxy rows permuted between architectures: the metrics keep their
    distribution but say nothing about accuracy (a negative control for what they contribute)."""
    return SearchPool(pool.key, pool.proxy_names, pool.proxies[rng.permutation(len(pool))], pool.accuracy,
                      pool.genotypes)


def run_transfer(task: str, metrics: list[str], params: dict) -> dict:
    """RoBoT with the CIFAR-10 proxies on every NB201 cell, querying ``task``'s own accuracy,
    beside random search, REA, REINFORCE, each single metric's top-T and RoBoT on shuffled
    proxies; and each metric's rank correlation with the task's accuracy over all cells."""
    pool, arch_str = full_space(task, metrics)
    accuracy = pool.accuracy
    compared = methods(metrics, params["normalisation"])
    compared.insert(1, (SHUFFLED, "negative control", "robot", {"normalisation": params["normalisation"]}))
    rows = []
    for seed in range(params["seeds"]):
        for label, family, name, options in compared:
            rng = seeded_rng(seed, f"transfer/{task}")
            searched = shuffled(pool, rng) if label == SHUFFLED else pool
            outcome = SEARCHERS[name](searched, params["budget"], rng, **options)
            found = float(accuracy[outcome.best])
            rows.append({"task": task, "method": label, "family": family, "seed": seed,
                         "arch_str": arch_str[outcome.best], "accuracy": found,
                         "percentile": stats.percentile_in_pool(found, accuracy), "rank": pool.true_rank(outcome.best)})
    correlations = [{"task": task, "metric": m, "spearman": stats.spearman(pool.proxies[:, i], accuracy)}
                    for i, m in enumerate(metrics)]
    return {"runs": rows, "metrics": correlations}


def paper_percentiles(datasets: list[str]) -> pd.DataFrame:
    """Each Table 2 number and its percentile among the all-cell test accuracies of that dataset."""
    rows = []
    for dataset in datasets:
        full = benchmarks.load("nb201_full", dataset).accuracy.to_numpy()
        for method, values in PAPER_NB201.items():
            mean, std = values[dataset]
            text = f"{mean:.2f}" + (f" ± {std:.2f}" if std is not None else "")
            rows.append({"method": method, "dataset": dataset, "paper": text, "paper_mean": mean,
                         "full_percentile": stats.percentile_in_pool(mean, full)})
    return pd.DataFrame(rows)


def table2(runs: pd.DataFrame, pools: pd.DataFrame, paper: pd.DataFrame) -> pd.DataFrame:
    """Table 2 with our numbers beside the paper's: test accuracy, mean ± std over seeds. Our
    "training-free average" averages the single metrics' top-T results; "best" takes the best
    metric per dataset in hindsight, as the paper's enumeration rows do; "optimum" is the best
    cell of the searched space, the most any method searching it can find."""
    stat = lambda s: f"{s.mean():.2f} ± {s.std(ddof=1) if len(s) > 1 else 0.0:.2f}"  # noqa: E731
    ours: dict[tuple[str, str], str] = {}
    for dataset, sub in runs.groupby("dataset", sort=False):
        for label, method in (("RoBoT", "RoBoT"), ("REA", "REA"), ("RS", "random"), ("REINFORCE", "REINFORCE")):
            ours[(label, dataset)] = stat(sub.loc[sub["method"] == method, "test_accuracy"])
        single = sub[sub["family"] == "single proxy, greedy top-T"].groupby("method")["test_accuracy"].mean()
        ours[("training-free average", dataset)] = f"{single.mean():.2f} ± {single.std(ddof=1):.2f}"
        ours[("training-free best", dataset)] = f"{single.max():.2f} ({single.idxmax().split(' ')[0]})"
    for pool in pools.itertuples():
        ours[("optimum", pool.dataset)] = f"{pool.ceiling_test_accuracy:.2f} ({pool.pool:,} cells searched)"
    rows = {}
    for r in paper.itertuples():
        row = rows.setdefault(r.method, {"method": r.method})
        row[f"{r.dataset} paper"] = r.paper
        row[f"{r.dataset} paper percentile"] = round(r.full_percentile, 3)
        row[f"{r.dataset} ours"] = ours.get((r.method, r.dataset), "not run")
    return pd.DataFrame(list(rows.values()))
