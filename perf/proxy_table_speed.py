"""Seconds per NB201 cell for the proxy table: one proxy at a time vs the shared passes.

Scores ``--n-cells`` class representatives (a seeded draw) on the table's CIFAR-10 batch, in one
run, three ways: the seven per-class proxies each on its own (``score_archs``, one forward/backward per proxy),
the shared path the table uses (``score_together``), and the shared path without ``grasp``
(its Hessian-gradient product is the one costly extra pass). Besides wall time it prints the
process's CPU time, which is what a shared machine does not distort, and the full table's
estimated time: 6,466 classes x per-class cost + 15,625 cells x per-cell cost (params, flops),
split over the cores (one single-threaded process per core).

    python perf/proxy_table_speed.py --n-cells 4 --threads 1 --cores 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from nasmeta_lib.benchmarks import nb201, nb201_proxies
from nasmeta_lib.proxies import score, score_archs
from nasmeta_lib.proxies.shared import score_together
from nasmeta_lib.proxies.table import PER_CELL, PER_CLASS, batch, classes, network


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-cells", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per process")
    parser.add_argument("--cores", type=int, default=2, help="processes the estimate spreads the table over")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    reps = list(classes())
    cells = [reps[i] for i in np.random.default_rng(args.seed).choice(len(reps), args.n_cells, replace=False)]
    x = batch(args.seed)
    archs = [(nb201.ops_of_index(c), nb201.adjacency()) for c in cells]
    names = list(PER_CLASS)  # the per-class proxies; params and flops are the per-cell row
    score_archs("nb201", archs[:1], names, x, seed=args.seed, progress=False, num_classes=10)  # warm-up

    paths = {
        "one at a time (score_archs)": lambda: score_archs("nb201", archs, names, x, seed=args.seed,
                                                           progress=False, num_classes=10),
        "shared passes (score_together)": lambda: [score_together(network(c, args.seed), x, names, args.seed)
                                                   for c in cells],
        "shared passes without grasp": lambda: [score_together(network(c, args.seed), x,
                                                               [n for n in names if n != "grasp"], args.seed)
                                                for c in cells],
        "per-cell part (build + params + flops)": lambda: [[score(n, network(c, args.seed), x, args.seed)
                                                            for n in PER_CELL] for c in cells],
    }
    rows = []
    for path, fn in paths.items():
        wall, cpu = timed(fn)
        rows.append({"path": path, "wall_s_per_cell": wall / len(cells), "cpu_s_per_cell": cpu / len(cells)})
    table = pd.DataFrame(rows).set_index("path")
    per_cell = table.loc["per-cell part (build + params + flops)", "cpu_s_per_cell"]
    for path in table.index[:3]:
        core_s = nb201_proxies.N_CLASSES * table.loc[path, "cpu_s_per_cell"] + nb201_proxies.N_CELLS * per_cell
        table.loc[path, f"full_table_h_on_{args.cores}_cores"] = core_s / args.cores / 3600
    print(f"NB201 proxy table, {len(cells)} class representatives, CIFAR-10 batch of {len(x.targets)}, "
          f"torch threads {torch.get_num_threads()}; estimate: 6,466 classes at the path's CPU cost + "
          f"15,625 cells at the per-cell cost, over {args.cores} single-threaded processes")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
