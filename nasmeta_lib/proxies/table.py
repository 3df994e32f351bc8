"""Zero-cost proxies for every NB201 cell: the project's own generated table, part by part.

NAS-Bench-Suite-Zero stores proxies for ~725 NB201 cells only; RoBoT searches all 15,625. This
module computes RoBoT's six proxies (grad_norm, snip, grasp, fisher, synflow, jacov), nwot,
params and flops for every cell, with Suite-Zero's conventions (``proxies.base``): a real
CIFAR-10 batch of 32 training images drawn from ``SEED``, a 10-class NB201 network built with
PyTorch's default initialisation after ``torch.manual_seed(SEED)``, train-mode BatchNorm.

- The seven data- and weight-dependent proxies are computed ONCE per isomorphism class (6,466
  classes, ``nb201_rep_index``), on the network of the class's representative cell, and shared
  by every cell of the class: isomorphic cells compute the same function, and their scores
  would differ only by which random weights land where.
- ``params`` and ``flops`` are counted for every cell: a class may hold cells that differ in
  operations on edges whose output is never used (368 classes do), which still carry weights
  and run in the forward pass.
- The values are computed on CIFAR-10 and joined to all five ``nb201_full`` tasks alike: they
  describe the architecture at initialisation, not a task (Suite-Zero computes them per task,
  on each task's images and head size; ``agreement`` measures what that changes).

Work comes in parts of ``CLASSES_PER_PART`` classes; ``compute_part(index, seed)`` is a pure
function of its arguments (no hidden state), so parts can run anywhere, in any order::

    python -m nasmeta_lib.proxies.table              # compute every missing part (resumes)
    python -m nasmeta_lib.proxies.table --parts 0-9  # only these
    python -m nasmeta_lib.proxies.table --status     # how far the table is
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from nasmeta_lib import benchmarks, spaces, stats
from nasmeta_lib.benchmarks import nb201, nb201_proxies
from nasmeta_lib.benchmarks.nb201_proxies import CLASSES_PER_PART, COLUMNS, N_PARTS, SEED
from nasmeta_lib.proxies.base import Batch, score
from nasmeta_lib.proxies.data import make_batch
from nasmeta_lib.proxies.shared import score_together
from nasmeta_lib.results import device_description, git_sha, write_atomic

PER_CLASS: tuple[str, ...] = ("grad_norm", "snip", "grasp", "fisher", "synflow", "jacov", "nwot")
PER_CELL: tuple[str, ...] = ("params", "flops")
NUM_CLASSES, IMAGE_SIZE, INPUTS = 10, 32, "cifar10"
SUITE_ZERO_TASKS = ("cifar10", "cifar100", "ImageNet16-120")


@lru_cache(maxsize=1)
def classes() -> dict[int, list[int]]:
    """Representative index -> the indices of its class's cells, in representative order."""
    frame = benchmarks.load("nb201_full", "cifar10").frame
    members = frame.groupby("nb201_rep_index")["nb201_index"].apply(sorted)
    return {int(rep): [int(i) for i in cells] for rep, cells in members.sort_index().items()}


def part_classes(index: int) -> list[int]:
    """The representatives of part ``index``: ``CLASSES_PER_PART`` consecutive ones."""
    if not 0 <= index < N_PARTS:
        raise ValueError(f"part {index} outside 0..{N_PARTS - 1}")
    return list(classes())[index * CLASSES_PER_PART:(index + 1) * CLASSES_PER_PART]


@lru_cache(maxsize=4)
def batch(seed: int) -> Batch:
    """The one input batch every network of the table sees."""
    return make_batch(INPUTS, NUM_CLASSES, image_size=IMAGE_SIZE, seed=seed)


def network(index: int, seed: int) -> torch.nn.Module:
    """The NB201 network of cell ``index``, initialised from ``seed``."""
    torch.manual_seed(seed)
    return spaces.build("nb201", nb201.ops_of_index(index), nb201.adjacency(), num_classes=NUM_CLASSES)


def compute_part(index: int, seed: int = SEED, device: str = "cpu") -> pd.DataFrame:
    """One row per cell of part ``index``'s classes: ``nb201_index``, ``nb201_rep_index`` and
    every proxy of ``COLUMNS`` (per class: from the representative; per cell: params, flops)."""
    x = batch(seed).to(device)
    rows = []
    for rep in part_classes(index):
        rep_net = network(rep, seed).to(device)
        shared = score_together(rep_net, x, PER_CLASS, seed)
        for cell in classes()[rep]:
            net = rep_net if cell == rep else network(cell, seed).to(device)
            rows.append({"nb201_index": cell, "nb201_rep_index": rep, **shared,
                         **{name: score(name, net, x, seed) for name in PER_CELL}})
    return pd.DataFrame(rows, columns=["nb201_index", "nb201_rep_index", *COLUMNS]).sort_values(
        "nb201_index", ignore_index=True)


def write_part(index: int, seed: int = SEED, device: str = "cpu", where: Path | None = None,
               commit: str | None = None) -> Path:
    """Compute part ``index`` and store it with its provenance (parquet first, JSON last).
    ``commit``: the code's commit, taken when the computing process started (default: now)."""
    started = datetime.now(timezone.utc)
    t0, c0 = time.perf_counter(), time.process_time()
    frame = compute_part(index, seed, device)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    path = nb201_proxies.part_path(index, where)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    record = {
        "part": index, "classes": len(part_classes(index)), "cells": len(frame), "seed": seed,
        "inputs": f"{INPUTS} train, {len(batch(seed).targets)} images, drawn from the seed",
        "git_sha": commit or git_sha(), "device": f"{device}: {device_description()}",
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
        "nasmeta": metadata.version("nasmeta"), "started": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
    }
    write_atomic(nb201_proxies.provenance_path(index, where), json.dumps(record, indent=1) + "\n")
    return path


def agreement(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Spearman rho of our proxies with Suite-Zero's stored ones, per data set and proxy, on the
    cells both hold (``table``: default the finished parts). ``rho_representatives`` keeps only
    cells that are their class's representative, i.e. scored on exactly their own network."""
    table = nb201_proxies.read_parts() if table is None else table
    rows = []
    for task in SUITE_ZERO_TASKS:
        stored = benchmarks.load("nb201", task).frame
        both = stored.merge(table, on="nb201_index", suffixes=("_stored", ""))
        own = both["nb201_index"] == both["nb201_rep_index"]
        for proxy in COLUMNS:
            pair = both[[proxy, f"{proxy}_stored"]].notna().all(axis=1)
            rho = stats.spearman(both.loc[pair, proxy], both.loc[pair, f"{proxy}_stored"]) if pair.sum() > 2 else np.nan
            rep = pair & own
            rho_rep = stats.spearman(both.loc[rep, proxy], both.loc[rep, f"{proxy}_stored"]) if rep.sum() > 2 else np.nan
            rows.append({"task": task, "proxy": proxy, "n": int(pair.sum()), "rho": rho,
                         "n_representatives": int(rep.sum()), "rho_representatives": rho_rep})
    return pd.DataFrame(rows)


def parse_parts(text: str) -> list[int]:
    """``"0-9,12"`` -> [0, ..., 9, 12], each within 0..N_PARTS-1."""
    parts: list[int] = []
    for piece in filter(None, text.split(",")):
        first, _, last = piece.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise ValueError(f"--parts {text!r}: expected indices and ranges like 0-9,12") from None
        if not 0 <= low <= high < N_PARTS:
            raise ValueError(f"--parts {text!r}: parts run from 0 to {N_PARTS - 1}")
        parts += range(low, high + 1)
    return sorted(set(parts))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nasmeta_lib.proxies.table",
                                description="Compute (or resume) the NB201 proxy table, part by part.")
    p.add_argument("--parts", default=f"0-{N_PARTS - 1}", help=f"parts to compute, e.g. 0-9,12 (default: all {N_PARTS})")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1; run one process per core)")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    p.add_argument("--status", action="store_true", help="say how far the table is, compute nothing")
    p.add_argument("--check", action="store_true", help="print the agreement with Suite-Zero on the done cells")
    args = p.parse_args(argv)
    try:
        parts = parse_parts(args.parts)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.status or args.check:
        print(nb201_proxies.status())
        if args.check:
            print(agreement().to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        return 0
    torch.set_num_threads(max(1, args.threads))
    commit = git_sha()  # the code this process runs, whatever changes in the tree meanwhile
    todo = [i for i in parts if i not in nb201_proxies.done_parts()]
    for n, index in enumerate(todo, 1):
        t0 = time.perf_counter()
        write_part(index, SEED, args.device, commit=commit)
        print(f"part {index} done ({n} of {len(todo)}, {time.perf_counter() - t0:.0f} s); {nb201_proxies.status()}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
