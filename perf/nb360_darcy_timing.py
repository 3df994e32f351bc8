"""Seconds per training epoch of each NB360 Darcy baseline, to size the chapter's budgets.

Usage: python perf/nb360_darcy_timing.py [--solve-resolution 169 --subsample 2 --n 1100 --timed-samples 32]
Prints one row per model: parameters, wall and CPU seconds for one pass over ``timed-samples``
train + val samples (all of them by default), and that pass scaled to an epoch over the full
profile's 1,000 train + val samples. CPU seconds are shown because the machine may be shared.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
import torch

from nasmeta_lib.models import FNO2d, WideResNet
from nasmeta_lib.models.cells import TaskCellNetwork
from nasmeta_lib.compute import device, one_cpu_thread
from nasmeta_lib.models.training import Recipe, fit, n_parameters
from nasmeta_lib.searchers.darts import darts_search
from nasmeta_lib.tasks import load_darcy_generated
from nasmeta_lib.tasks.darcy_baselines import DarcyProblem

FULL_EPOCH_SAMPLES = 1000  # the full profile's train + val, which every final model trains on


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--solve-resolution", type=int, default=169)
    ap.add_argument("--subsample", type=int, default=2)
    ap.add_argument("--n", type=int, default=1100, help="train+val+test; 1100 = the full profile's set (then cached)")
    ap.add_argument("--cells-per-stage", type=int, default=2, help="2 = the full profile's")
    ap.add_argument("--timed-samples", type=int, default=0, help="time one pass over this many samples (0: all)")
    args = ap.parse_args()
    dev = device()
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
    t0 = time.perf_counter()
    data = load_darcy_generated(args.n - 200, 100, 100, seed=0, solve_resolution=args.solve_resolution,
                                subsample=args.subsample, workers=16)
    print(f"data: {data.train.x.shape} in {time.perf_counter() - t0:.1f} s on {dev}")
    problem = DarcyProblem.from_data(data, dev)
    x, y = problem.x["trainval"], problem.y["trainval"]
    if args.timed_samples:
        x, y = x[: args.timed_samples], y[: args.timed_samples]
    scale = FULL_EPOCH_SAMPLES / len(x)
    one = lambda opt, lr, batch: Recipe(opt, lr, 1, batch, 5e-4, grad_clip=5.0)  # noqa: E731
    models = {
        "WRN-16-4 (batch 8)": (lambda: WideResNet(3, 1, dense=True), one("sgd", 1e-3, 8), problem.loss),
        "FNO (batch 20)": (lambda: FNO2d(3, 1), one("adam", 1e-3, 20), problem.loss),
        "NB201 conv3x3 cell (batch 16)": (
            lambda: TaskCellNetwork(3, 1, ("nor_conv_3x3",) * 6, dense=True, cells_per_stage=args.cells_per_stage),
            one("sgd", 0.1, 16), problem.mean_loss),
    }
    rows = []

    def timed(name: str, params_m: float, run) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append({"model": name, "params_m": params_m, "samples": len(x), "wall_s": wall, "cpu_s": cpu,
                     f"wall_s_per_{FULL_EPOCH_SAMPLES}": wall * scale})
        print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)

    with one_cpu_thread(dev):  # as the chapter trains
        for name, (make, recipe, loss) in models.items():
            model = make().to(dev)
            fit(model, x[:8], y[:8], loss, recipe, 0)  # warm-up (cudnn autotuning, allocator)
            timed(name, n_parameters(model) / 1e6, lambda: fit(model, x, y, loss, recipe, 0))
        timed("DARTS supernet (batch 16)", float("nan"), lambda: darts_search(
            lambda: TaskCellNetwork(3, 1, None, dense=True, cells_per_stage=args.cells_per_stage).to(dev), x, y,
            problem.mean_loss, one("sgd", 0.1, 16), 0.1, 0))


if __name__ == "__main__":
    main()
