"""Wall-clock seconds of every exercise command in the book, as a student would run it.

Each command runs through the CLI (papermill executes the chapter notebook) with a fresh results
folder, so nothing is reloaded, and writes its executed notebook to a scratch folder. The numbers
go into ``seconds`` of ``nasmeta_lib/exercises.py``. Run: ``nice -n 10 python perf/exercise_runtimes.py
[CHAPTER ...]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from nasmeta_lib import run as runner
from nasmeta_lib.exercises import GUIDES, parse_command


def main(names: list[str]) -> None:
    os.environ["NASMETA_RESULTS"] = tempfile.mkdtemp(prefix="nasmeta-exercises-")
    scratch = tempfile.mkdtemp(prefix="nasmeta-exercise-notebooks-")
    print(f"{'chapter':14s} {'seconds':>8s}  command", flush=True)
    for name in names or list(GUIDES):
        for exercise in GUIDES[name].exercises:
            for command in exercise.commands:
                chapter, profile, overrides = parse_command(command)
                t0 = time.perf_counter()
                runner.run_notebook(chapter, profile, overrides, output_dir=Path(tempfile.mkdtemp(dir=scratch)), progress=False)
                print(f"{chapter:14s} {time.perf_counter() - t0:8.0f}  {command}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
