"""RoBoT's NAS-Bench-201 experiment beside the paper's Table 2 (a part of the ``robot`` chapter).

The paper searches all 15,625 cells with T = 20 queries of a 12-epoch CIFAR-10 validation
accuracy (for all three datasets) and reports the found cell's test accuracy. Zero-cost proxies
are stored only for the Suite-Zero sample (~725 cells), so the search runs there; the objective is
the closest accuracy we hold, Suite-Zero's CIFAR-10 validation accuracy after full (200-epoch)
training; and the found cell's test accuracy on each dataset is looked up, by its cell string,
in the all-cell table. Random search and REA get the same pool, objective, T and seeds; each
single metric's top-T gives the paper's training-free "average" and "best" rows.
"""

from __future__ import annotations

import pandas as pd

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.benchmarks import BenchmarkTable
from nasmeta_lib.claims.robot import NB201_DATASETS, PAPER_NB201
from nasmeta_lib.searchers import SEARCHERS, baselines, robot  # noqa: F401  (imports register the searchers)
from nasmeta_lib.searchers.pool import SearchPool, seeded_rng

OBJECTIVE = ("nb201", "cifar10")  # stand-in for the paper's 12-epoch CIFAR-10 validation accuracy


def available(settings: list[str]) -> list[str]:
    """The NB201 datasets among ``settings`` whose all-cell test table the project holds."""
    held = benchmarks.REGISTRY["nb201_full"].tasks
    return [d for d in NB201_DATASETS if f"nb201/{d}" in settings and d in held]


def objective_pool(dataset: str, metrics: list[str]) -> tuple[SearchPool, pd.Series]:
    """The dataset's Suite-Zero pool (its own proxies, as the official code reads per-dataset
    metrics) with CIFAR-10 validation accuracy as the objective; cells without one are dropped."""
    table = benchmarks.load("nb201", dataset)
    objective = benchmarks.load(*OBJECTIVE).frame.set_index("arch_str")["accuracy"]
    frame = table.frame.assign(objective=table.frame["arch_str"].map(objective))
    frame = frame.dropna(subset=["objective"]).reset_index(drop=True)
    pool = SearchPool.from_table(BenchmarkTable(table.setting, frame), metrics, objective="objective")
    return pool, frame["arch_str"]


def methods(metrics: list[str], normalisation: str) -> list[tuple[str, str, str, dict]]:
    out = [("RoBoT", "RoBoT", "robot", {"normalisation": normalisation}),
           ("random", "training-based", "random", {}), ("REA", "training-based", "rea", {})]
    return out + [(f"{p} (greedy top-T)", "single proxy, greedy top-T", "proxy_greedy", {"proxy": p}) for p in metrics]


def run_dataset(dataset: str, metrics: list[str], params: dict) -> dict:
    """Every method on one dataset's pool, each found cell's test accuracy from the all-cell table."""
    pool, arch_str = objective_pool(dataset, metrics)
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
    dropped = len(benchmarks.load("nb201", dataset)) - len(pool)
    info = {"dataset": dataset, "pool": len(pool), "dropped_without_objective": dropped,
            "objective": "/".join(OBJECTIVE) + " validation accuracy (Suite-Zero)", "T": params["budget"],
            "ceiling_test_accuracy": float(in_pool.max()),
            "ceiling_percentile": stats.percentile_in_pool(in_pool.max(), full.to_numpy()),
            "optimum_test_accuracy": float(full.max())}
    return {"runs": rows, "pool": info}


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
    metric per dataset in hindsight, as the paper's enumeration rows do; "optimum" is the pool's
    best cell, the most any method searching our pool can find."""
    stat = lambda s: f"{s.mean():.2f} ± {s.std(ddof=1) if len(s) > 1 else 0.0:.2f}"  # noqa: E731
    ours: dict[tuple[str, str], str] = {}
    for dataset, sub in runs.groupby("dataset", sort=False):
        for label, method in (("RoBoT", "RoBoT"), ("REA", "REA"), ("RS", "random")):
            ours[(label, dataset)] = stat(sub.loc[sub["method"] == method, "test_accuracy"])
        single = sub[sub["family"] == "single proxy, greedy top-T"].groupby("method")["test_accuracy"].mean()
        ours[("training-free average", dataset)] = f"{single.mean():.2f} ± {single.std(ddof=1):.2f}"
        ours[("training-free best", dataset)] = f"{single.max():.2f} ({single.idxmax().split(' ')[0]})"
    for pool in pools.itertuples():
        ours[("optimum", pool.dataset)] = f"{pool.ceiling_test_accuracy:.2f} (pool of {pool.pool})"
    rows = {}
    for r in paper.itertuples():
        row = rows.setdefault(r.method, {"method": r.method})
        row[f"{r.dataset} paper"] = r.paper
        row[f"{r.dataset} paper percentile"] = round(r.full_percentile, 3)
        row[f"{r.dataset} ours"] = ours.get((r.method, r.dataset), "not run")
    return pd.DataFrame(list(rows.values()))
