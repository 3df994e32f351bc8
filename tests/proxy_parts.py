"""Writing a proxy table's parts in the stored layout, for tests that need a (made-up) table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from nasmeta_lib.benchmarks import nb201_proxies
from nasmeta_lib.benchmarks.nb201_proxies import N_PARTS


def write_parts(where, frame: pd.DataFrame, n_parts: int = N_PARTS, seed: int = 0) -> None:
    """``frame`` (one row per cell, in index order) stored as the table's first ``n_parts`` parts,
    each with a provenance record naming ``seed``."""
    where.mkdir(parents=True, exist_ok=True)
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), N_PARTS)[:n_parts]):
        frame.iloc[rows].to_parquet(nb201_proxies.part_path(i, where), index=False)
        nb201_proxies.provenance_path(i, where).write_text(json.dumps({"part": i, "seed": seed}))
