"""Unified tabular benchmark API: ``load("nb201", task="cifar10")`` -> :class:`BenchmarkTable`.

One registry covers every setting the project holds. The first load of a setting parses the
source file (verified through its manifest) and caches a parquet copy keyed by the file's
sha256, so later loads, in any process, take a fraction of a second.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import pandas as pd

from nasmeta_lib.benchmarks import nb201_full, nbgraph, suite_zero
from nasmeta_lib.benchmarks.table import PROXIES, BenchmarkTable, Setting
from nasmeta_lib.data import source
from nasmeta_lib.paths import cache_dir

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
            description="All 15,625 NAS-Bench-201 cells: CIFAR-10, CIFAR-100 and ImageNet16-120 from one "
            "NATS-Bench export (one seed set for the three; its CIFAR-100 differs from NAS-Bench-360's "
            "copy for 16% of cells, by up to 2.9 points), NinaPro and Darcy from NAS-Bench-360",
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
    names = [benchmark] if benchmark else list(REGISTRY)
    return [setting(n, t) for n in names for t in REGISTRY[n].tasks]


def parse_key(key: str) -> Setting:
    """``"nb201/cifar10"`` -> Setting."""
    benchmark, sep, task = key.partition("/")
    if not sep:
        raise UnknownSetting(f"setting {key!r} should look like 'benchmark/task', e.g. 'nb201/cifar10'")
    return setting(benchmark, task)


def _parquet_path(s: Setting) -> os.PathLike:
    sha = source(s.source).file(s.file).sha256 or "unverified"
    safe_task = s.task.replace("/", "_")
    return cache_dir() / "tables" / f"{s.benchmark}__{safe_task}__{sha[:12]}__v{SCHEMA_VERSION}.parquet"


@lru_cache(maxsize=None)
def _frame(benchmark: str, task: str) -> pd.DataFrame:
    s = setting(benchmark, task)
    path = _parquet_path(s)
    if path.exists():
        return pd.read_parquet(path)
    frame = REGISTRY[benchmark].parse(task).reset_index(drop=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)  # atomic: a crash never leaves a half-written cache file
    return frame


def load(benchmark: str, task: str | None = None) -> BenchmarkTable:
    """Load one setting; ``task`` may be omitted for single-task benchmarks."""
    if task is None:
        tasks = REGISTRY[benchmark].tasks if benchmark in REGISTRY else ()
        if len(tasks) != 1:
            raise UnknownSetting(f"benchmark {benchmark!r} has tasks {', '.join(tasks)}: pass task=")
        task = tasks[0]
    s = setting(benchmark, task)
    frame = _frame(benchmark, task).copy()
    for col in ("ops", "adjacency"):  # parquet gives numpy arrays; the API promises lists
        frame[col] = [list(v.tolist() if hasattr(v, "tolist") else v) for v in frame[col]]
    return BenchmarkTable(s, frame)


__all__ = ["PROXIES", "REGISTRY", "BenchmarkTable", "Setting", "UnknownSetting", "load", "parse_key", "setting", "settings"]
