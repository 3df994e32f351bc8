"""Seconds per search in the RoBoT chapter, and the quick profile end to end.

Project target: the quick profile (3 settings, 3 seeds) runs in under 3 minutes on 2 CPU cores.
Run: ``python perf/robot_speed.py``. Uses a fresh results folder so nothing is reloaded.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np


def main() -> None:
    os.environ["NASMETA_RESULTS"] = tempfile.mkdtemp(prefix="nasmeta-robot-")
    from nasmeta_lib import benchmarks
    from nasmeta_lib.chapters import get
    from nasmeta_lib.chapters.robot import PAPER_METRICS, usable_metrics
    from nasmeta_lib.searchers import SEARCHERS
    from nasmeta_lib.searchers.pool import SearchPool

    print(f"{'setting':30s} {'T':>4s} {'robot (s)':>10s} {'rea (s)':>8s} {'random (s)':>11s}")
    for key, budget in [("nb201/cifar10", 20), ("tnb101_micro/jigsaw", 100), ("tnb101_macro/normal", 100)]:
        table = benchmarks.load(*key.split("/"))
        pool = SearchPool.from_table(table, usable_metrics(table, PAPER_METRICS))
        times = []
        for name in ("robot", "rea", "random"):
            t0 = time.perf_counter()
            SEARCHERS[name](pool, budget, np.random.default_rng(0))
            times.append(time.perf_counter() - t0)
        print(f"{key:30s} {budget:4d} " + " ".join(f"{t:{w}.3f}" for t, w in zip(times, (10, 8, 11))))

    t0 = time.perf_counter()
    get("robot").execute("quick", progress=False)
    quick = time.perf_counter() - t0
    print(f"\nquick profile end to end: {quick:.1f} s (target < 180 s): {'OK' if quick < 180 else 'MISSED'}")


if __name__ == "__main__":
    main()
