"""A chapter serial vs on a local Dask cluster, measured in one run on this machine.

Runs the proxies chapter (``--archs`` cells, every task x input kind as one part) three times
into fresh result folders: serially, and on local clusters of 1 and ``--workers`` processes. The
table gives wall seconds, the speed-up over serial and the parallel efficiency (speed-up per
worker); the cluster's start-up is included, as a user pays it. Numbers agree across the runs
(checked here too).

    python perf/executor_speed.py                 # 2 workers, 6 cells
    python perf/executor_speed.py --workers 4 --archs 20
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import pandas as pd

from nasmeta_lib.chapters import get
from nasmeta_lib.executors import Dask, Executor, Serial


def timed(executor: Executor, archs: int) -> tuple[float, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["NASMETA_RESULTS"] = folder
        t0 = time.perf_counter()
        result = get("proxies").execute(
            "quick", progress=False, executor=executor, n_archs=archs, tasks=["cifar10", "cifar100", "ImageNet16-120"],
            inputs=["cifar10", "random"], proxies=["params", "synflow", "snip", "grad_norm"])
        return time.perf_counter() - t0, result.tables["scores"].drop(columns=["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--archs", type=int, default=6)
    args = parser.parse_args()
    rows, reference = [], None
    for label, executor, n in (("serial", Serial(), 1), ("dask, 1 worker", Dask(workers=1), 1),
                               (f"dask, {args.workers} workers", Dask(workers=args.workers), args.workers)):
        seconds, scores = timed(executor, args.archs)
        reference = scores if reference is None else reference
        rows.append({"executor": label, "workers": n, "seconds": seconds, "same scores": scores.equals(reference)})
    table = pd.DataFrame(rows)
    table["speed-up"] = table["seconds"].iloc[0] / table["seconds"]
    table["efficiency"] = table["speed-up"] / table["workers"]
    print(f"proxies chapter, {args.archs} cells x 6 parts (3 tasks x 2 input kinds), 4 proxies")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
