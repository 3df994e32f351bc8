"""A toy chapter of three cheap steps, for the tests of results, checkpoints and faults.

Step i returns ``i * scale`` and records its call; ``fail_at`` makes step i raise (a crash);
``read_data`` makes step 0 read a benchmark table (so the result records a data file). A toy
chapter may also judge its claim from the stored table (:func:`sum_judge`).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, ContextManager, Iterator

import pandas as pd

from nasmeta_lib import benchmarks
from nasmeta_lib.chapters import Chapter, Context
from nasmeta_lib.params import Param, ParameterError
from nasmeta_lib.results import Check, Claim, Result

PARAMS = (Param("scale", "int", "scale", low=1), Param("fail_at", "int", "step to fail at (-1: none)", low=-1),
          Param("read_data", "bool", "step 0 reads a benchmark table"), Param("share", "float", "a share", low=0.0))
QUICK = {"scale": 1, "fail_at": -1, "read_data": False, "share": 0.5}


def _check(params) -> None:
    if params["scale"] > 1000:
        raise ParameterError(f"scale {params['scale']} is larger than the pool (1000)")


def sum_judge(threshold: int) -> Callable[[Result], tuple[list[Claim], list[Check]]]:
    """A judge from the stored table alone: the values must add up to more than ``threshold``."""

    def judge(result: Result) -> tuple[list[Claim], list[Check]]:
        total = int(result.tables["values"]["v"].sum())
        verdict = "reproduced" if total > threshold else "not reproduced"
        return [Claim(f"{result.chapter}.sum", f"sum exceeds {threshold}", f"> {threshold}", str(total), verdict)], []

    return judge


def toy_chapter(name: str, judge: Callable[[Result], tuple[list[Claim], list[Check]]] | None = None
                ) -> tuple[Chapter, list[str]]:
    """The chapter ``name`` and the list its steps append their calls to ("step0", ...)."""
    calls: list[str] = []

    def run(params, ctx: Context) -> Result:
        values = []
        for i in range(3):
            def work(i=i):
                calls.append(f"step{i}")
                if params["fail_at"] == i:
                    raise RuntimeError("interrupted")
                if i == 0 and params["read_data"]:
                    return {"value": len(benchmarks.load("nb101", "cifar10"))}
                return {"value": i * params["scale"]}
            values.append(ctx.step(f"step-{i}", work)["value"])
        claim = Claim(f"{name}.sum", "sum is positive", "> 0", str(sum(values)), "reproduced")
        return Result(name, "", params, claims=[claim], metrics={"sum": sum(values)},
                      tables={"values": pd.DataFrame({"v": values})})

    chapter = Chapter(name=name, title=name.title(), order=99, paper="-", claim="-", params=PARAMS,
                      profiles={"quick": QUICK, "full": {**QUICK, "scale": 10}}, run=run, check=_check, judge=judge)
    return chapter, calls


@contextmanager
def crash_fixed(chapter: Chapter) -> Iterator[None]:
    """Runs after 'fixing the crash': the same parameters, the failure switched off."""
    run = chapter.run
    object.__setattr__(chapter, "run", lambda p, ctx: run({**p, "fail_at": -1}, ctx))
    try:
        yield
    finally:
        object.__setattr__(chapter, "run", run)


@contextmanager
def changed(chapter: Chapter, **fields: Any) -> Iterator[None]:
    """The chapter as if a later version had changed these fields (``version``, ``judge``, ...)."""
    old = {k: getattr(chapter, k) for k in fields}
    for k, v in fields.items():
        object.__setattr__(chapter, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            object.__setattr__(chapter, k, v)


def chapter_version(chapter: Chapter, version: int) -> ContextManager[None]:
    """The chapter as if its analysis had changed to ``version``."""
    return changed(chapter, version=version)
