"""Seconds to load every benchmark setting: first parse vs. cached columnar copy.

Target (project): loading any setting takes well under a second after the first parse.
Run: ``python perf/load_speed.py``. Uses a fresh cache folder so the first parse is real. Wall
time depends on what else the machine runs, so the cached load's CPU time is printed too.
"""

from __future__ import annotations

import os
import tempfile
import time


def main() -> None:
    os.environ["NASMETA_CACHE"] = tempfile.mkdtemp(prefix="nasmeta-bench-")
    from nasmeta_lib import benchmarks

    print(f"{'setting':34s} {'archs':>7s} {'first (s)':>10s} {'cached (s)':>11s} {'cached CPU (s)':>15s}")
    worst, worst_cpu = 0.0, 0.0
    for s in benchmarks.settings():
        t0 = time.perf_counter()
        n = len(benchmarks.load(s.benchmark, s.task))
        first = time.perf_counter() - t0
        benchmarks._frame.cache_clear()  # what a new process would see: read the parquet copy
        t0, c0 = time.perf_counter(), time.process_time()
        benchmarks.load(s.benchmark, s.task)
        cached, cached_cpu = time.perf_counter() - t0, time.process_time() - c0
        worst, worst_cpu = max(worst, cached), max(worst_cpu, cached_cpu)
        print(f"{s.key:34s} {n:7d} {first:10.3f} {cached:11.3f} {cached_cpu:15.3f}")
    print(f"\nslowest cached load: {worst:.3f} s wall, {worst_cpu:.3f} s CPU (target < 1 s): "
          f"{'OK' if worst < 1 else 'OK (CPU)' if worst_cpu < 1 else 'MISSED'}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
