"""The project's generated table of zero-cost proxies for every NB201 cell, as stored on disk.

``nasmeta_lib.proxies.table`` computes it in parts of ``CLASSES_PER_PART`` isomorphism classes
(see that module and ``generated/nb201_proxies/README.md``); this module reads it without
importing torch, so that loading a benchmark stays light. Each part is a parquet file (one row
per cell of its classes) beside a JSON file with its provenance; the JSON is written last, so a
part counts as done only when both exist. ``join`` adds the proxy columns to an ``nb201_full``
frame once every part is done, and ``fingerprint`` keys the parsed-table cache on the table.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import pandas as pd

from nasmeta_lib.data import DataError
from nasmeta_lib.paths import REPO_ROOT

# Suite-Zero's column names: RoBoT's six, then nwot and the two size baselines.
COLUMNS: tuple[str, ...] = ("grad_norm", "snip", "grasp", "fisher", "synflow", "jacov", "nwot", "params", "flops")
N_CELLS = 15_625
N_CLASSES = 6_466  # NB201's isomorphism classes (distinct ``nb201_rep_index``)
CLASSES_PER_PART = 100
N_PARTS = math.ceil(N_CLASSES / CLASSES_PER_PART)
SEED = 0  # the stored table's seed: batch draw and network initialisation


def folder() -> Path:
    """Where the parts live (``NASMETA_NB201_PROXIES``, default ``generated/nb201_proxies``)."""
    return Path(os.environ.get("NASMETA_NB201_PROXIES", REPO_ROOT / "generated" / "nb201_proxies"))


def part_path(index: int, where: Path | None = None) -> Path:
    return (where or folder()) / f"part-{index:03d}.parquet"


def provenance_path(index: int, where: Path | None = None) -> Path:
    return part_path(index, where).with_suffix(".json")


def done_parts(where: Path | None = None) -> list[int]:
    """Indices of the finished parts (parquet and provenance both present)."""
    return [i for i in range(N_PARTS) if provenance_path(i, where).exists() and part_path(i, where).exists()]


def provenance(where: Path | None = None) -> pd.DataFrame:
    """One row per finished part: its provenance (commit, seed, device, seconds, versions)."""
    return pd.DataFrame([json.loads(provenance_path(i, where).read_text()) for i in done_parts(where)])


def read_parts(where: Path | None = None) -> pd.DataFrame:
    """The finished parts' rows, one per cell (possibly none), after checking each part's seed."""
    frames = []
    for i in done_parts(where):
        seed = json.loads(provenance_path(i, where).read_text()).get("seed")
        if seed != SEED:
            raise DataError(f"{provenance_path(i, where)}: seed {seed}, but the table is defined for seed {SEED}; "
                            "delete the part and recompute it")
        frames.append(pd.read_parquet(part_path(i, where)))
    if not frames:
        return pd.DataFrame(columns=["nb201_index", "nb201_rep_index", *COLUMNS])
    return pd.concat(frames, ignore_index=True)


def status(where: Path | None = None) -> str:
    """One line: how much of the table is done, and the command that computes the rest."""
    done = done_parts(where)
    classes = sum(min(CLASSES_PER_PART, N_CLASSES - i * CLASSES_PER_PART) for i in done)
    line = f"NB201 proxy table: {classes:,} of {N_CLASSES:,} isomorphism classes done ({len(done)} of {N_PARTS} parts)"
    if len(done) < N_PARTS:
        line += "; compute the rest with: python -m nasmeta_lib.proxies.table"
    return line


def complete_table(where: Path | None = None) -> pd.DataFrame | None:
    """Every cell's proxies, or None while parts are missing."""
    if len(done_parts(where)) < N_PARTS:
        return None
    table = read_parts(where)
    if len(table) != N_CELLS or table["nb201_index"].nunique() != N_CELLS:
        raise DataError(f"{where or folder()}: the parts hold {len(table)} rows for "
                        f"{table['nb201_index'].nunique()} cells, expected {N_CELLS}; recompute the parts")
    return table.sort_values("nb201_index", ignore_index=True)


def fingerprint(where: Path | None = None) -> str:
    """Short hash of the complete table's files ("" while incomplete): part of the cache key of
    every frame the table is joined to, so a changed table is never served from a stale cache."""
    done = done_parts(where)
    if len(done) < N_PARTS:
        return ""
    digest = hashlib.sha256()
    for i in done:
        digest.update(part_path(i, where).read_bytes())
    return digest.hexdigest()[:12]


def join(frame: pd.DataFrame, where: Path | None = None) -> pd.DataFrame:
    """``frame`` (with ``nb201_index``) plus the proxy columns once the table is complete;
    unchanged while it is not (``status()`` says how far it is)."""
    table = complete_table(where)
    if table is None:
        return frame
    return frame.merge(table[["nb201_index", *COLUMNS]], on="nb201_index", how="left", validate="one_to_one")
