"""A chapter serial vs on a local Dask cluster, measured in one run on this machine.

Runs the proxies chapter (``--archs`` cells, every task x input kind as one part) into fresh
result folders: serially with torch's default threads (all cores) and with one thread, and on
local clusters of 1 and ``--workers`` processes (one torch thread each), and once more on one
worker without :data:`nasmeta_lib.executors.WORKER_ENVIRON` (Dask's own malloc setting). The table gives wall
seconds, the speed-up over the default serial run and the parallel efficiency (speed-up per
worker); the cluster's start-up is included, as a user pays it. Scores are compared with the
one-thread serial run (same thread count, so they must be equal) and, as the largest relative
difference, with the default serial run (other thread counts sum in another order).

    python perf/executor_speed.py                 # 2 workers, 6 cells
    python perf/executor_speed.py --workers 4 --archs 20
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import pandas as pd
import torch

from nasmeta_lib import compute
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
    default_threads = torch.get_num_threads()
    runs = []
    for label, executor, n, threads in (
            (f"serial, {default_threads} threads", Serial(), 1, default_threads), ("serial, 1 thread", Serial(), 1, 1),
            ("dask, 1 worker", Dask(workers=1), 1, default_threads),
            ("dask, 1 worker, Dask's own malloc setting", Dask(workers=1, environ={}), 1, default_threads),
            (f"dask, {args.workers} workers", Dask(workers=args.workers), args.workers, default_threads)):
        compute.use_threads(threads)  # this process's threads; each Dask worker caps its own at 1
        runs.append((label, n, *timed(executor, args.archs)))
    compute.use_threads(default_threads)
    one_thread, default = runs[1][3], runs[0][3]
    rows = [{"executor": label, "workers": n, "seconds": seconds, "same scores as 1 thread": scores.equals(one_thread),
             "max rel. diff": float(((scores["ours"] - default["ours"]).abs()
                                     / default["ours"].abs().clip(lower=1e-12)).max())}
            for label, n, seconds, scores in runs]
    table = pd.DataFrame(rows)
    table["speed-up"] = table["seconds"].iloc[0] / table["seconds"]
    table["efficiency"] = table["speed-up"] / table["workers"]
    print(f"proxies chapter, {args.archs} cells x 6 parts (3 tasks x 2 input kinds), 4 proxies")
    print(table.to_string(index=False, formatters={"max rel. diff": "{:.1e}".format},
                          float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
