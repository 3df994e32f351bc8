"""Benchmark tour: what the data the project stands on looks like, and that it is consistent."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.benchmarks import nb201_full
from nasmeta_lib.benchmarks.nb201_full import VISION_COLUMNS
from nasmeta_lib.chapters.base import Chapter, Context
from nasmeta_lib.params import Param
from nasmeta_lib.claims.tour import RULE_CHANGES, judge
from nasmeta_lib.results import Result

QUANTILES = np.linspace(0, 1, 51)
# The benchmark that holds every cell of one space on several data sets: its accuracy histograms
# and cross-data-set rank correlations get their own figures.
FULL_SPACE = "nb201_full"
HISTOGRAM_BINS = 60


def _summary(table: benchmarks.BenchmarkTable) -> dict:
    acc = table.accuracy
    return {
        "setting": table.setting.key,
        "benchmark": table.setting.benchmark,
        "task": table.setting.task,
        "n_archs": len(table),
        "accuracy_min": acc.min(),
        "accuracy_median": acc.median(),
        "accuracy_max": acc.max(),
        "n_proxies": len(table.proxies),
    }


def _histogram(table: benchmarks.BenchmarkTable) -> list[dict]:
    """Counts of all cells per accuracy bin (the bins span the task's own range)."""
    counts, edges = np.histogram(table.accuracy, bins=HISTOGRAM_BINS)
    return [
        {"task": table.setting.task, "bin_left": float(lo), "bin_right": float(hi), "count": int(c)}
        for c, lo, hi in zip(counts, edges[:-1], edges[1:])
    ]


def _task_correlations(name: str, tables: dict[str, benchmarks.BenchmarkTable]) -> list[dict]:
    rows = []
    for (ta, a), (tb, b) in itertools.combinations(tables.items(), 2):
        joined = a.frame[["arch_id", "accuracy"]].merge(b.frame[["arch_id", "accuracy"]], on="arch_id")
        rows.append(
            {
                "benchmark": name,
                "task_a": ta,
                "task_b": tb,
                "n_common": len(joined),
                "spearman": stats.spearman(joined.accuracy_x, joined.accuracy_y),
                "kendall": stats.kendall(joined.accuracy_x, joined.accuracy_y),
            }
        )
    return rows


def _cross_dataset_ranges(correlations: pd.DataFrame) -> dict[str, float]:
    """Range of Spearman rho over all cells: among the image data sets, and image vs. NB360 tasks."""
    full = correlations[correlations["benchmark"] == FULL_SPACE]
    n_vision = full["task_a"].isin(VISION_COLUMNS).astype(int) + full["task_b"].isin(VISION_COLUMNS).astype(int)
    out = {}
    for label, rows in (("vision", full[n_vision == 2]), ("vision_vs_nb360", full[n_vision == 1])):
        out[f"full_space_rho_{label}_min"] = float(rows["spearman"].min())
        out[f"full_space_rho_{label}_max"] = float(rows["spearman"].max())
    return out


def _cifar100_exports(full: benchmarks.BenchmarkTable) -> dict[str, float]:
    """How the CIFAR-100 column we use differs from NAS-Bench-360's copy of it, cell by cell."""
    ours = full.frame.set_index("nb201_index")["accuracy"]
    other = nb201_full.nb360_accuracy("cifar100").reindex(ours.index)
    gap = (ours - other).abs()
    return {
        "cifar100_exports_equal_share": float((gap <= 1e-4).mean()),
        "cifar100_exports_max_gap": float(gap.max()),
        "cifar100_exports_spearman": stats.spearman(ours, other),
    }


def run(params: dict, ctx: Context) -> Result:
    summaries, quantiles, correlations, histograms = [], [], [], []
    for name in ctx.progress(params["benchmarks"], desc="benchmarks"):
        tables = {t: benchmarks.load(name, t) for t in benchmarks.REGISTRY[name].tasks}
        for task, table in tables.items():
            summaries.append(_summary(table))
            q = table.accuracy.quantile(QUANTILES).to_numpy()
            quantiles += [
                {"setting": table.setting.key, "benchmark": name, "task": task, "quantile": float(p), "accuracy": float(v)}
                for p, v in zip(QUANTILES, q)
            ]
            if name == FULL_SPACE:
                histograms += _histogram(table)
        correlations += _task_correlations(name, tables)

    # Cross-file consistency: the Suite-Zero NB201 sample must land on the same official index
    # as the full table (a wrong mapping gives rho near 0).
    sample = benchmarks.load("nb201", "cifar100").frame
    full = benchmarks.load("nb201_full", "cifar100").frame
    joined = sample.merge(full[["nb201_index", "accuracy"]], on="nb201_index", suffixes=("_sz", "_full"))
    rho = stats.spearman(joined.accuracy_sz, joined.accuracy_full)
    metrics = {"nb201_mapping_rho": rho, "nb201_mapping_n": len(joined), "n_settings": len(summaries)}
    if FULL_SPACE in params["benchmarks"]:
        metrics |= _cross_dataset_ranges(pd.DataFrame(correlations)) | _cifar100_exports(benchmarks.load(FULL_SPACE, "cifar100"))
    return Result(
        chapter="tour",
        profile="",
        params=params,
        metrics=metrics,
        tables={
            "settings": pd.DataFrame(summaries),
            "quantiles": pd.DataFrame(quantiles),
            "task_correlation": pd.DataFrame(correlations),
            "full_space_histogram": pd.DataFrame(histograms, columns=["task", "bin_left", "bin_right", "count"]),
        },
    )


CHAPTER = Chapter(
    name="tour",
    title="A tour of the benchmarks",
    order=0,
    paper="NAS-Bench-101/201/301, TransNAS-Bench-101, NAS-Bench-Suite-Zero, NAS-Bench-360, NAS-Bench-Graph",
    claim="The tabular benchmarks are loaded faithfully: counts, ranges and cross-file indices agree.",
    params=(
        Param("benchmarks", "str", "benchmarks to tour", many=True, choices=lambda: tuple(benchmarks.REGISTRY)),
    ),
    profiles={
        "lab": {"benchmarks": ["nb201", "nb201_full"]},
        "quick": {"benchmarks": list(benchmarks.REGISTRY)},
        "full": {"benchmarks": list(benchmarks.REGISTRY)},
    },
    run=run,
    judge=judge,
    version=2,
    rule_changes=RULE_CHANGES,
)
