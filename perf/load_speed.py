"""Seconds to load every benchmark setting: first parse vs. cached columnar copy.

Target (project): loading any setting takes well under a second after the first parse.
Run: ``python perf/load_speed.py``. Uses a fresh cache folder so the first parse is real.
"""

from __future__ import annotations

import os
import tempfile
import time


def main() -> None:
    os.environ["NASMETA_CACHE"] = tempfile.mkdtemp(prefix="nasmeta-bench-")
    from nasmeta_lib import benchmarks

    print(f"{'setting':34s} {'archs':>7s} {'first (s)':>10s} {'cached (s)':>11s}")
    worst = 0.0
    for s in benchmarks.settings():
        t0 = time.perf_counter()
        n = len(benchmarks.load(s.benchmark, s.task))
        first = time.perf_counter() - t0
        benchmarks._frame.cache_clear()  # what a new process would see: read the parquet copy
        t0 = time.perf_counter()
        benchmarks.load(s.benchmark, s.task)
        cached = time.perf_counter() - t0
        worst = max(worst, cached)
        print(f"{s.key:34s} {n:7d} {first:10.3f} {cached:11.3f}")
    print(f"\nslowest cached load: {worst:.3f} s (target < 1 s): {'OK' if worst < 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
