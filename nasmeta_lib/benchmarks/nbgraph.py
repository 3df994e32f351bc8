"""NAS-Bench-Graph: 26,206 GNN architectures on 9 graph datasets, from the PyPI wheel."""

from __future__ import annotations

import contextlib
import io
import pickle
from functools import lru_cache

import pandas as pd

from nasmeta_lib.benchmarks import encoding
from nasmeta_lib.data import fetch

TASKS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")


@lru_cache(maxsize=1)
def _archs():
    from nas_bench_graph.architecture import all_archs

    with contextlib.redirect_stdout(io.StringIO()):  # all_archs() prints its count
        return all_archs()


def parse(task: str) -> pd.DataFrame:
    path = fetch("nas_bench_graph", task, progress=False)  # sha256-verified before unpickling
    with open(path, "rb") as fh:
        bench = pickle.load(fh)
    rows = []
    for arch in _archs():
        # Tables are keyed by the full-op-set hash; proteins covers only its reduced op set.
        key = arch.hash_arch()
        if key not in bench:
            continue
        entry = bench[key]
        ops, adjacency = encoding.nbgraph(arch.link, arch.ops)
        rows.append(
            {
                "arch_id": str(key),
                "ops": ops,
                "adjacency": adjacency,
                "accuracy": 100.0 * float(entry["perf"]),
                "valid_accuracy": 100.0 * float(entry["valid_perf"]),
                "params": float(entry["para"]),
                "latency": float(entry["latency"]),
            }
        )
    return pd.DataFrame(rows)
