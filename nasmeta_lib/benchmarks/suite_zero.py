"""NAS-Bench-Suite-Zero sample files: proxies + accuracy for NB101, NB201, NB301, TransNAS-Bench-101."""

from __future__ import annotations

import ast
import json
from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd

from nasmeta_lib.benchmarks import encoding, nb201
from nasmeta_lib.benchmarks.table import PROXIES
from nasmeta_lib.data import fetch

# Suite-Zero marks a proxy that failed on an architecture with this sentinel (e.g. epe_nas on
# non-classification TransNAS tasks); it becomes NaN.
FAILED_SENTINEL = -1e8

FILES = {
    "nb101": "zc_nasbench101.json",
    "nb201": "zc_nasbench201.json",
    "nb301": "zc_nasbench301.json",
    "tnb101_micro": "zc_transbench101_micro.json",
    "tnb101_macro": "zc_transbench101_macro.json",
}

ENCODERS: dict[str, Callable] = {
    "nb101": encoding.nb101,
    "nb201": encoding.nb201_suite_zero,
    "nb301": encoding.nb301,
    "tnb101_micro": encoding.tnb101_micro,
    "tnb101_macro": encoding.tnb101_macro,
}


@lru_cache(maxsize=None)
def _raw(benchmark: str) -> dict:
    data = json.loads(fetch("suite_zero", FILES[benchmark], progress=False).read_text())
    return data["nasbench101"] if benchmark == "nb101" else data


def tasks(benchmark: str) -> list[str]:
    return list(_raw(benchmark))


def parse(benchmark: str, task: str) -> pd.DataFrame:
    """One row per architecture of a Suite-Zero file's task."""
    entries = _raw(benchmark)[task]
    encode = ENCODERS[benchmark]
    rows = []
    for key, entry in entries.items():
        raw_key = ast.literal_eval(key)
        ops, adjacency = encode(raw_key)
        row = {"arch_id": key, "ops": ops, "adjacency": adjacency, "accuracy": entry["val_accuracy"]}
        for proxy in PROXIES:
            if proxy not in entry:
                continue
            value = entry[proxy]
            if isinstance(value, dict):  # {"score": ..., "time": ...}
                row[f"{proxy}_seconds"] = value.get("time", np.nan)
                value = value["score"]
            row[proxy] = np.nan if value is None or value <= FAILED_SENTINEL else float(value)
        if benchmark == "nb201":
            row["nb201_index"] = nb201.index_of(ops)
            row["arch_str"] = nb201.to_string(ops)
            row["arch_id"] = str(row["nb201_index"])
        rows.append(row)
    return pd.DataFrame(rows)
