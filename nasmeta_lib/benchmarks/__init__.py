"""Unified tabular benchmark API: ``load("nb201", task="cifar10")`` -> :class:`BenchmarkTable`.

One registry covers every setting the project holds. The first load of a setting parses the
source file (verified through its manifest) and caches a parquet copy keyed by the file's
sha256, so later loads, in any process, take a fraction of a second.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd

from nasmeta_lib.benchmarks import nb201_full, nb201_proxies, nbgraph, suite_zero
from nasmeta_lib.benchmarks.table import PROXIES, BenchmarkTable, Setting
from nasmeta_lib.data import source
from nasmeta_lib.data.fetch import note_use
from nasmeta_lib.paths import cache_dir

log = logging.getLogger(__name__)
SCHEMA_VERSION = 3  # bump when parsed columns change, so stale parquet copies are ignored

TNB_TASKS = ("class_scene", "class_object", "autoencoder", "normal", "jigsaw", "room_layout", "segmentsemantic")


@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark: its space, tasks and how to parse one task."""

    name: str
    space: str
    tasks: tuple[str, ...]
    metric: str
    data_file: Callable[[str], tuple[str, str]]  # task -> (manifest source, file name)
    parse: Callable[[str], pd.DataFrame]
    description: str
    derived_key: Callable[[str], str] = lambda task: ""  # fingerprint of generated data the parse joins in


def _suite_zero(name: str, space: str, tasks: tuple[str, ...], description: str) -> Benchmark:
    return Benchmark(
        name=name,
        space=space,
        tasks=tasks,
        metric="validation accuracy / task score as stored by NAS-Bench-Suite-Zero",
        data_file=lambda task, n=name: ("suite_zero", suite_zero.FILES[n]),
        parse=lambda task, n=name: suite_zero.parse(n, task),
        description=description,
    )


REGISTRY: dict[str, Benchmark] = {
    b.name: b
    for b in (
        _suite_zero("nb101", "nb101", ("cifar10",), "NAS-Bench-101 sample, 500 archs"),
        _suite_zero("nb201", "nb201", ("cifar10", "cifar100", "ImageNet16-120"), "NAS-Bench-201 sample, ~725 archs"),
        _suite_zero("nb301", "nb301", ("cifar10",), "NAS-Bench-301 (DARTS space) sample, surrogate accuracy"),
        _suite_zero("tnb101_micro", "tnb101_micro", TNB_TASKS, "TransNAS-Bench-101 micro (cell) space"),
        _suite_zero("tnb101_macro", "tnb101_macro", TNB_TASKS, "TransNAS-Bench-101 macro (skeleton) space"),
        Benchmark(
            name="nb201_full",
            space="nb201",
            tasks=nb201_full.TASKS,
            metric="final (200-epoch) test accuracy (%; vision: mean over seeds, NinaPro/Darcy: one run); "
            "darcy: 1 - relative L2 error",
            data_file=nb201_full.data_file,
            parse=nb201_full.parse,
            derived_key=lambda task: nb201_proxies.fingerprint(),
            description="All 15,625 NAS-Bench-201 cells: CIFAR-10, CIFAR-100 and ImageNet16-120 from one "
            "NATS-Bench export (one seed set for the three; its CIFAR-100 differs from NAS-Bench-360's "
            "copy for 16% of cells, by up to 2.9 points), NinaPro and Darcy from NAS-Bench-360; zero-cost "
            "proxies from the project's generated table once complete (nb201_proxies.status())",
        ),
        Benchmark(
            name="nbgraph",
            space="nbgraph",
            tasks=nbgraph.TASKS,
            metric="test accuracy (%)",
            data_file=lambda task: ("nas_bench_graph", task),
            parse=nbgraph.parse,
            description="NAS-Bench-Graph, 26,206 GNN archs (proteins: reduced op set)",
        ),
    )
}


class UnknownSetting(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def setting(benchmark: str, task: str) -> Setting:
    if benchmark not in REGISTRY:
        raise UnknownSetting(f"unknown benchmark {benchmark!r}; known: {', '.join(REGISTRY)}")
    b = REGISTRY[benchmark]
    if task not in b.tasks:
        raise UnknownSetting(f"benchmark {benchmark!r} has no task {task!r}; tasks: {', '.join(b.tasks)}")
    return Setting(benchmark, task, b.space, b.metric, *b.data_file(task))


def settings(benchmark: str | None = None) -> list[Setting]:
    """Every (benchmark, task) setting, optionally of one benchmark."""
    if benchmark is not None and benchmark not in REGISTRY:
        raise UnknownSetting(f"unknown benchmark {benchmark!r}; known: {', '.join(REGISTRY)}")
    names = [benchmark] if benchmark else list(REGISTRY)
    return [setting(n, t) for n in names for t in REGISTRY[n].tasks]


def parse_key(key: str) -> Setting:
    """``"nb201/cifar10"`` -> Setting."""
    benchmark, sep, task = key.partition("/")
    if not sep:
        raise UnknownSetting(f"setting {key!r} should look like 'benchmark/task', e.g. 'nb201/cifar10'")
    return setting(benchmark, task)


def _parquet_path(s: Setting) -> Path:
    sha = source(s.source).file(s.file).sha256 or "unverified"
    safe_task = s.task.replace("/", "_")
    derived = REGISTRY[s.benchmark].derived_key(s.task)
    key = f"{sha[:12]}-{derived}" if derived else sha[:12]
    return cache_dir() / "tables" / f"{s.benchmark}__{safe_task}__{key}__v{SCHEMA_VERSION}.parquet"


@lru_cache(maxsize=None)
def _frame(benchmark: str, task: str, derived: str) -> pd.DataFrame:
    """The parsed table of a setting, from the parquet cache when that verifies (else parsed
    again from the verified source and the cache rewritten: a damaged or swapped cache file
    never yields wrong numbers). ``derived`` (the benchmark's derived key, e.g. the proxy
    table's fingerprint) keys the in-memory copy too, so a table completed meanwhile is seen."""
    s = setting(benchmark, task)
    path = _parquet_path(s)
    stamp = _cache_stamp(s)
    if _stamp_path(path).exists():  # no record: a cache from before records, or a write cut short
        frame, problem = _read_cached(path, stamp)
        if frame is not None:
            return frame
        log.warning("cached table %s is not used (%s); parsing %s/%s again", path, problem, s.source, s.file)
    frame = REGISTRY[benchmark].parse(task).reset_index(drop=True)
    _write_cached(path, frame, stamp)
    return frame


def _cache_stamp(s: Setting) -> dict[str, object]:
    """What a cached table must have been parsed from: its setting, the source file's sha256
    and the parser's schema version."""
    return {"benchmark": s.benchmark, "task": s.task, "source": s.source, "file": s.file,
            "source_sha256": source(s.source).file(s.file).sha256, "schema_version": SCHEMA_VERSION}


def _stamp_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.json")


def _read_cached(path: Path, stamp: dict[str, object]) -> tuple[pd.DataFrame | None, str]:
    """The cached table if its sidecar matches ``stamp`` and the parquet's sha256, else why not."""
    try:
        recorded = json.loads(_stamp_path(path).read_text())
        data = path.read_bytes()
    except (OSError, ValueError) as exc:
        return None, f"unreadable: {type(exc).__name__}: {exc}"
    if not isinstance(recorded, dict) or {k: recorded.get(k) for k in stamp} != stamp:
        return None, "its record names another setting, source file or schema"
    if hashlib.sha256(data).hexdigest() != recorded.get("sha256"):
        return None, "sha256 mismatch: the file was damaged or replaced"
    try:
        return pd.read_parquet(io.BytesIO(data)), ""
    except Exception as exc:  # pyarrow raises several types for damaged files
        return None, f"unreadable: {type(exc).__name__}: {exc}"


def _write_cached(path: Path, frame: pd.DataFrame, stamp: dict[str, object]) -> None:
    """Write the parquet, then its checksum record, each atomically: a crash leaves at worst a
    parquet without a matching record, which the next read ignores."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    data = buffer.getvalue()
    record = json.dumps(stamp | {"sha256": hashlib.sha256(data).hexdigest()}).encode()
    for target, payload in ((path, data), (_stamp_path(path), record)):
        tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
        tmp.write_bytes(payload)
        os.replace(tmp, target)


def load(benchmark: str, task: str | None = None) -> BenchmarkTable:
    """Load one setting; ``task`` may be omitted for single-task benchmarks."""
    if task is None:
        if benchmark not in REGISTRY:
            raise UnknownSetting(f"unknown benchmark {benchmark!r}; known: {', '.join(REGISTRY)}")
        tasks = REGISTRY[benchmark].tasks
        if len(tasks) != 1:
            raise UnknownSetting(f"benchmark {benchmark!r} has tasks {', '.join(tasks)}: pass task=")
        task = tasks[0]
    s = setting(benchmark, task)
    note_use(source(s.source).file(s.file))  # the result being computed read this file (maybe via the cache)
    frame = _frame(benchmark, task, REGISTRY[benchmark].derived_key(task)).copy()
    for col in ("ops", "adjacency"):  # parquet gives numpy arrays; the API promises lists
        frame[col] = [list(v.tolist() if hasattr(v, "tolist") else v) for v in frame[col]]
    return BenchmarkTable(s, frame)


__all__ = ["PROXIES", "REGISTRY", "BenchmarkTable", "Setting", "UnknownSetting", "load", "parse_key", "setting", "settings"]
