"""All 15,625 NAS-Bench-201 cells: final test accuracy on three vision data sets, NinaPro and Darcy.

Two files, both keyed by the official NB201 index:

- the NATS-Bench export (``nats_bench_landscape``) gives CIFAR-10, CIFAR-100 and ImageNet16-120:
  one export, one seed set for the three vision data sets;
- HW-NAS-Bench-360's parquet (``hw_nas_bench_360``) gives NinaPro and Darcy (precomputed by
  NAS-Bench-360). Its CIFAR-100 rows are another export of NB201 that differs from the first one
  for 16% of the cells by up to 2.9 points; they are only read to measure that difference.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.data import DataError, fetch

# Task -> column of the NATS-Bench export.
VISION_COLUMNS = {
    "cifar10": "CIFAR10TestAccuracy200Epochs",
    "cifar100": "CIFAR100TestAccuracy200Epochs",
    "ImageNet16-120": "ImageNetTestAccuracy200Epochs",
}
NB360_TASKS = ("ninapro", "darcy")
TASKS = (*VISION_COLUMNS, *NB360_TASKS)

VISION_FILE = ("nats_bench_landscape", "nats_bench.csv")
NB360_FILE = ("hw_nas_bench_360", "dataset.parquet")


def data_file(task: str) -> tuple[str, str]:
    """(manifest source, file name) that holds ``task``."""
    return VISION_FILE if task in VISION_COLUMNS else NB360_FILE


@lru_cache(maxsize=1)
def vision_export() -> pd.DataFrame:
    """The NATS-Bench export, one row per official index (checked against the index recipe)."""
    frame = pd.read_csv(fetch(*VISION_FILE, progress=False))
    expected = [*VISION_COLUMNS.values(), "ArchitectureString", "UniqueString"]
    if list(frame.columns) != expected or len(frame) != nb201.N_ARCHS:
        raise DataError(
            f"{VISION_FILE[1]}: expected {nb201.N_ARCHS} rows with columns {expected}, got "
            f"{len(frame)} rows with {list(frame.columns)}; the file does not match its manifest's format"
        )
    return frame


@lru_cache(maxsize=1)
def nb360_export() -> pd.DataFrame:
    """HW-NAS-Bench-360's accuracies, one row per (index, task): cifar100, ninapro, darcy."""
    path = fetch(*NB360_FILE, progress=False)
    cols = ["arch_idx", "rep_arch_idx", "task", "accuracy"]
    return pd.read_parquet(path, columns=cols).drop_duplicates(["arch_idx", "task"])


def nb360_accuracy(task: str) -> pd.Series:
    """Accuracy by official index for one task of the parquet (also its unused cifar100 rows)."""
    acc = nb360_export()
    return acc[acc["task"] == task].set_index("arch_idx")["accuracy"].sort_index()


def _representatives(unique_strings: pd.Series) -> np.ndarray:
    """Per cell, the lowest index with the same isomorphism-unique string (NB201's rep index)."""
    index = pd.Series(np.arange(len(unique_strings)), index=unique_strings.index)
    return index.groupby(unique_strings.to_numpy()).transform("min").to_numpy()


def parse(task: str) -> pd.DataFrame:
    if task in VISION_COLUMNS:
        export = vision_export()
        indices = np.arange(len(export))
        accuracy = export[VISION_COLUMNS[task]].to_numpy(dtype=float)
        representatives = _representatives(export["UniqueString"])
    else:
        acc = nb360_export()
        acc = acc[acc["task"] == task].sort_values("arch_idx")
        indices = acc["arch_idx"].to_numpy()
        accuracy = acc["accuracy"].to_numpy(dtype=float)
        representatives = acc["rep_arch_idx"].to_numpy()
    ops = [nb201.ops_of_index(int(i)) for i in indices]
    adjacency = nb201.adjacency()
    return pd.DataFrame(
        {
            "arch_id": indices.astype(str),
            "ops": [list(o) for o in ops],
            "adjacency": [adjacency] * len(ops),
            "accuracy": accuracy,
            "nb201_index": indices,
            "nb201_rep_index": representatives,
            "arch_str": [nb201.to_string(o) for o in ops],
        }
    )
