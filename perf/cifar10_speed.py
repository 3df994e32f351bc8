"""Seconds to get CIFAR-10 as arrays: the first decode of the JPEG tarball vs. later cached loads.

Targets (project): first decode <= 30 s on 2 cores, later loads <= 1 s. Wall time depends on what
else the machine runs, so the table also gives the process's CPU time. Uses a fresh cache folder
so the first decode is real. Run: ``python perf/cifar10_speed.py``.
"""

from __future__ import annotations

import os
import tempfile
import time


def timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    os.environ["NASMETA_CACHE"] = tempfile.mkdtemp(prefix="nasmeta-cifar10-")
    from nasmeta_lib.data import cifar10

    rows = [("first load (decode 60,000 JPEGs, write cache)", *timed(lambda: cifar10.load("train")), 30.0)]
    for split in ("train", "test"):
        rows.append((f"later load, {split} (checksum + read)", *timed(lambda s=split: cifar10.load(s)), 1.0))
    print(f"{'step':48s} {'wall (s)':>9s} {'CPU (s)':>8s} {'target':>7s}")
    for name, wall, cpu, target in rows:
        verdict = "OK" if wall <= target else ("OK (CPU)" if cpu <= target else "MISSED")
        print(f"{name:48s} {wall:9.2f} {cpu:8.2f} {target:6.0f}s  {verdict}")
    print(f"\nmachine: {os.cpu_count()} logical CPUs, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
