"""All 15,625 NAS-Bench-201 cells with test accuracy on CIFAR-100, NinaPro and Darcy Flow."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.data import fetch

TASKS = ("cifar100", "ninapro", "darcy")


@lru_cache(maxsize=1)
def _accuracies() -> pd.DataFrame:
    path = fetch("hw_nas_bench_360", "dataset.parquet", progress=False)
    cols = ["arch_idx", "rep_arch_idx", "task", "accuracy"]
    return pd.read_parquet(path, columns=cols).drop_duplicates(["arch_idx", "task"])


def parse(task: str) -> pd.DataFrame:
    acc = _accuracies()
    acc = acc[acc["task"] == task].sort_values("arch_idx")
    ops = [nb201.ops_of_index(i) for i in acc["arch_idx"]]
    adjacency = nb201.adjacency()
    return pd.DataFrame(
        {
            "arch_id": acc["arch_idx"].astype(str).to_numpy(),
            "ops": [list(o) for o in ops],
            "adjacency": [adjacency] * len(ops),
            "accuracy": acc["accuracy"].to_numpy(dtype=float),
            "nb201_index": acc["arch_idx"].to_numpy(),
            "nb201_rep_index": acc["rep_arch_idx"].to_numpy(),
            "arch_str": [nb201.to_string(o) for o in ops],
        }
    )
