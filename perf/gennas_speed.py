"""Seconds per architecture for GenNAS scoring: one network at a time vs grouped training.

Prints a table (and optionally writes JSON): for NB201 cells of the Suite-Zero sample, the
one-at-a-time path (``spaces.build('nb201')`` + heads, one training loop per network), the
grouped path with one network per group (same code as grouped, no batching) and grouped with
larger groups. ``agreement_rho`` is the Spearman correlation of each path's scores with the
one-at-a-time scores on the same cells (different initialisations, so not exactly 1).

    python perf/gennas_speed.py                  # CPU, small settings
    python perf/gennas_speed.py --device cuda --archs 128 --single-archs 4 --C 16 --N 5 --iters 50 --groups 128 1
"""

from __future__ import annotations

import argparse
import json

import pandas as pd
import torch

from nasmeta_lib import benchmarks, spaces, stats
from nasmeta_lib.gennas.images import input_batch
from nasmeta_lib.gennas.presets import PRESETS
from nasmeta_lib.gennas.score import score_cells, score_models
from nasmeta_lib.gennas.train import TrainConfig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--archs", type=int, default=16)
    ap.add_argument("--single-archs", type=int, default=None, help="cells for the one-at-a-time path (default: --archs)")
    ap.add_argument("--C", type=int, default=8)
    ap.add_argument("--N", type=int, default=1)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--groups", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--task", default="nb101_searched", choices=tuple(PRESETS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.backends.cudnn.benchmark = True

    cells = benchmarks.load("nb201", "cifar10").frame.sample(a.archs, random_state=0)
    archs = [list(o) for o in cells.ops]
    n_single = a.single_archs or a.archs
    images = input_batch("photo", 16, 32, 0)
    task, cfg = PRESETS[a.task], TrainConfig(iters=a.iters, eval_every=min(10, a.iters))

    warm = score_cells(archs[:2], images, task, TrainConfig(iters=2, eval_every=1), a.C, a.N, 2, a.device)
    del warm
    single = score_models(lambda i: spaces.build("nb201", archs[i], C=a.C, N=a.N), n_single, images, task, cfg, a.device)
    rows = [{"path": "one at a time (spaces.NB201Network)", "group": 1, "archs": n_single,
             "seconds": single.seconds, "s_per_arch": single.seconds_per_arch, "agreement_rho": 1.0}]
    print(rows[-1], flush=True)
    for g in a.groups:
        n = n_single if g == 1 else a.archs
        res = score_cells(archs[:n], images, task, cfg, a.C, a.N, g, a.device)
        agree = stats.spearman(res.score[:n_single], single.score[: min(n, n_single)]) if n >= 3 else float("nan")
        rows.append({"path": f"grouped, {g} per group", "group": g, "archs": n, "seconds": res.seconds,
                     "s_per_arch": res.seconds_per_arch, "agreement_rho": agree})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table["speedup_vs_one_at_a_time"] = table.s_per_arch.iloc[0] / table.s_per_arch
    device = torch.cuda.get_device_name() if a.device.startswith("cuda") else "cpu"
    print(f"device {device}; NB201 C={a.C} N={a.N}; {a.iters} iterations; batch 16; task {a.task}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"device": device, "C": a.C, "N": a.N, "iters": a.iters, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
