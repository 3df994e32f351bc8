"""Seconds per architecture per proxy, ours beside NASLib's recorded cost.

Scores ``--n-archs`` NB201 architectures of the Suite-Zero sample with every proxy on the
chosen device and prints, per proxy, our mean and median seconds per architecture next to the
mean of Suite-Zero's ``<proxy>_seconds`` columns for the same architectures (NASLib's own
implementation, on the Suite-Zero authors' hardware, real CIFAR-10 batch). The first
architecture is scored once more beforehand and not timed (warm-up: allocator, CUDA context).

    python perf/proxy_speed.py --n-archs 5 --device cpu --threads 1
    python perf/proxy_speed.py --n-archs 20 --device cuda
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import torch

from nasmeta_lib import benchmarks
from nasmeta_lib.proxies import PROXIES, make_batch, score_archs

TASK_SHAPE = {"cifar10": (10, 32), "cifar100": (100, 32), "ImageNet16-120": (120, 16)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-archs", type=int, default=5)
    parser.add_argument("--task", default="cifar10", choices=tuple(TASK_SHAPE))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--proxies", nargs="*", default=list(PROXIES.names()))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    frame = benchmarks.load("nb201", args.task).frame
    rows = frame.iloc[np.random.default_rng(args.seed).choice(len(frame), args.n_archs, replace=False)]
    num_classes, image_size = TASK_SHAPE[args.task]
    batch = make_batch("random", num_classes, image_size=image_size, seed=args.seed)
    archs = list(zip(rows["ops"], rows["adjacency"]))
    kw = dict(batch=batch, seed=args.seed, device=args.device, progress=False, num_classes=num_classes)
    score_archs("nb201", archs[:1], args.proxies, **kw)  # warm-up
    ours = score_archs("nb201", archs, args.proxies, **kw)

    table = pd.DataFrame([{
        "proxy": p,
        "ours_s_mean": ours[f"{p}_seconds"].mean(),
        "ours_s_median": ours[f"{p}_seconds"].median(),
        "naslib_s_mean": rows[f"{p}_seconds"].mean() if f"{p}_seconds" in rows else np.nan,
    } for p in args.proxies])
    table["ours/naslib"] = table["ours_s_mean"] / table["naslib_s_mean"]
    total = table[["ours_s_mean", "naslib_s_mean"]].sum()
    print(f"NB201 {args.task}, {args.n_archs} archs, device {args.device}, "
          f"torch threads {torch.get_num_threads()}, batch {len(batch.targets)}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"all proxies: ours {total.ours_s_mean:.3f} s/arch, NASLib {total.naslib_s_mean:.3f} s/arch "
          "(NASLib has no zen value here)")


if __name__ == "__main__":
    main()
