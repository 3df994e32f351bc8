"""Seconds per architecture for GenNAS scoring: one network at a time vs the other CPU/GPU paths.

Prints a table (and optionally writes JSON) for NB201 cells of the Suite-Zero sample, all scored
in one run on the same cells, input (real CIFAR-10 by default) and cell BatchNorm:

- one network at a time (``spaces.build('nb201')`` + heads, one training loop per network),
  with 1 and with ``--threads`` torch threads, and in channels-last memory format;
- grouped training (``nasmeta_lib.gennas.grouped``) with each of ``--groups`` networks per group.

``cpu_s_per_arch`` is process CPU time (all threads), ``s_per_arch`` wall time: on a shared
machine compare paths by CPU seconds and by ratios from one run. ``agreement_rho`` is the
Spearman correlation of a path's scores with the first row's on the same cells (grouped models
are initialised differently, so it is not exactly 1).

    python perf/gennas_speed.py                  # CPU, quick-profile size
    python perf/gennas_speed.py --C 16 --N 5 --iters 100 --archs 4   # CPU, the paper's size
    python perf/gennas_speed.py --device cuda --archs 128 --single-archs 4 --C 16 --N 5 --iters 50 --groups 128
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Callable

import pandas as pd
import torch

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.gennas.images import SOURCES, input_batch
from nasmeta_lib.gennas.presets import PRESETS
from nasmeta_lib.gennas.score import CELL_BN, Scores, nb201_network, score_cells, score_models
from nasmeta_lib.gennas.train import TrainConfig


def _timed(fn: Callable[[], Scores], threads: int) -> tuple[Scores, float]:
    torch.set_num_threads(threads)
    t0 = time.process_time()
    scores = fn()
    return scores, time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--archs", type=int, default=8)
    ap.add_argument("--single-archs", type=int, default=None, help="cells for the one-at-a-time paths (default: --archs)")
    ap.add_argument("--C", type=int, default=8)
    ap.add_argument("--N", type=int, default=1)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--groups", type=int, nargs="*", default=[8])
    ap.add_argument("--task", default="nb101_searched", choices=tuple(PRESETS))
    ap.add_argument("--input", default="cifar10", choices=SOURCES)
    ap.add_argument("--cell-bn", default="official", choices=tuple(CELL_BN))
    ap.add_argument("--threads", type=int, default=2, help="torch threads of the multi-threaded row")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    torch.backends.cudnn.benchmark = True

    cells = benchmarks.load("nb201", "cifar10").frame.sample(a.archs, random_state=0)
    archs = [list(o) for o in cells.ops]
    n_single = a.single_archs or a.archs
    images = input_batch(a.input, 16, 32, 0)
    task, cfg = PRESETS[a.task], TrainConfig(iters=a.iters, eval_every=min(10, a.iters))
    build = lambda i: nb201_network(archs[i], a.C, a.N, a.cell_bn)

    score_cells(archs[:2], images, task, TrainConfig(iters=2, eval_every=1), a.C, a.N, 2, a.device)  # warm-up
    paths = [("one at a time, 1 thread", 1, n_single, 1, lambda: score_models(build, n_single, images, task, cfg, a.device)),
             (f"one at a time, {a.threads} threads" if a.threads > 1 else "one at a time, 1 thread (repeat)", 1,
              n_single, a.threads,
              lambda: score_models(build, n_single, images, task, cfg, a.device)),
             ("one at a time, channels-last, 1 thread", 1, n_single, 1,
              lambda: score_models(build, n_single, images, task, cfg, a.device, channels_last=True))]
    paths += [(f"grouped, {g} per group, {a.threads} threads", g, a.archs, a.threads,
               lambda g=g: score_cells(archs, images, task, cfg, a.C, a.N, g, a.device, cell_bn=a.cell_bn))
              for g in a.groups]
    rows, first = [], None
    for name, group, n, threads, fn in paths:
        scores, cpu = _timed(fn, threads)
        first = scores if first is None else first
        k = min(n, n_single)
        agree = stats.spearman(scores.score[:k], first.score[:k]) if k >= 3 else float("nan")
        rows.append({"path": name, "group": group, "threads": threads, "archs": n, "s_per_arch": scores.seconds_per_arch,
                     "cpu_s_per_arch": cpu / n, "agreement_rho": agree})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table["speedup_vs_one_at_a_time"] = table.s_per_arch.iloc[0] / table.s_per_arch
    device = torch.cuda.get_device_name() if a.device.startswith("cuda") else "cpu"
    print(f"device {device}; NB201 C={a.C} N={a.N}; {a.iters} iterations; batch 16; task {a.task}; "
          f"input {a.input}; cell BN {a.cell_bn}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"device": device, "C": a.C, "N": a.N, "iters": a.iters, "input": a.input, "cell_bn": a.cell_bn,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
