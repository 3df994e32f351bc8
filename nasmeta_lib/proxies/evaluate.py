"""Score many architectures of one search space with several proxies, with per-proxy timings.

Each architecture's network is built once (initialised from ``seed``, so a row does not depend
on which other rows are scored) and moved to the device once; every proxy then reuses it and
the shared batch. That sharing is where batching pays here: the networks of different
architectures have different graphs, so their forward passes cannot be fused.
"""

from __future__ import annotations

import time
from typing import Iterable, Sequence

import pandas as pd
import torch
from tqdm.auto import tqdm

from nasmeta_lib import spaces
from nasmeta_lib.proxies.base import PROXIES, Batch, score


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def score_archs(space: str, archs: Iterable[tuple[Sequence[str], Sequence[int] | None]],
                proxies: Sequence[str], batch: Batch, seed: int = 0,
                device: torch.device | str = "cpu", progress: bool = True, **build_kw) -> pd.DataFrame:
    """One row per architecture: each proxy's score and ``<proxy>_seconds`` (wall time of the call)."""
    for name in proxies:
        PROXIES[name]  # unknown names fail before any work
    device = torch.device(device)
    batch = batch.to(device)
    rows = []
    for ops, adjacency in tqdm(list(archs), desc=f"{space} proxies", disable=not progress, leave=False):
        torch.manual_seed(seed)
        model = spaces.build(space, ops, adjacency, **build_kw).to(device)
        row: dict[str, float] = {}
        for name in proxies:
            _sync(device)
            t0 = time.perf_counter()
            row[name] = score(name, model, batch, seed)
            _sync(device)
            row[f"{name}_seconds"] = time.perf_counter() - t0
        rows.append(row)
    return pd.DataFrame(rows, columns=[c for p in proxies for c in (p, f"{p}_seconds")])
