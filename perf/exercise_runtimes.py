"""Seconds each exercise command of the book takes, as a student would run it.

Each command runs through the CLI's notebook route (papermill executes the chapter notebook) with
a fresh results folder, so nothing is reloaded, and writes its executed notebook to a scratch
folder. Two numbers per command: wall-clock seconds, which depend on what else the machine is
doing, and CPU seconds of the run and its kernel, which do not (and which a student's idle 2-core
laptop needs at most, as wall time). The CPU seconds go into ``seconds`` of
``nasmeta_lib/exercises.py``. Run: ``nice -n 10 python perf/exercise_runtimes.py [CHAPTER ...]``.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from nasmeta_lib import run as runner
from nasmeta_lib.exercises import GUIDES, parse_command


def cpu_seconds() -> float:
    """User + system time of this process and its finished children (the papermill kernels)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(names: list[str]) -> None:
    os.environ["NASMETA_RESULTS"] = tempfile.mkdtemp(prefix="nasmeta-exercises-")
    scratch = Path(tempfile.mkdtemp(prefix="nasmeta-exercise-notebooks-"))
    print(f"{'chapter':14s} {'cpu s':>6s} {'wall s':>7s}  command", flush=True)
    for name in names or list(GUIDES):
        for exercise in GUIDES[name].exercises:
            for command in exercise.commands:
                chapter, profile, overrides = parse_command(command)
                wall, cpu = time.perf_counter(), cpu_seconds()
                runner.run_notebook(chapter, profile, overrides, output_dir=Path(tempfile.mkdtemp(dir=scratch)),
                                    progress=False)
                print(f"{chapter:14s} {cpu_seconds() - cpu:6.0f} {time.perf_counter() - wall:7.0f}  {command}",
                      flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
