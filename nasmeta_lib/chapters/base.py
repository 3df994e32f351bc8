"""A chapter: one claim, its parameters and profiles, and the function that checks it.

``Chapter.execute(profile, **overrides)`` validates parameters, reuses a saved result for the
same parameters if there is one, otherwise runs the experiment (resumably, through
:class:`Context`) and saves the result with provenance. Notebooks and the headless CLI both go
through it, so a notebook never holds experiment logic.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from tqdm.auto import tqdm

from nasmeta_lib.params import Param, ParameterError, validate
from nasmeta_lib.paths import NOTEBOOK_DIR
from nasmeta_lib.results import Result, provenance, result_path, write_atomic
from nasmeta_lib.verdicts import Check, Claim, RuleChange

T = TypeVar("T")
PROFILES = ("quick", "full")


class StepsDone(Exception):
    """A run limited to some steps (``--steps``) reached a step it was not asked to compute."""

    def __init__(self, next_step: str, computed: list[str], partial_dir: Path):
        self.next_step, self.computed, self.partial_dir = next_step, computed, partial_dir
        super().__init__(f"stopped before step {next_step!r}; checkpointed so far: {', '.join(computed) or 'none'}")


class Context:
    """Services a running experiment gets: progress bars and resumable checkpoints.

    ``ctx.step(key, fn)`` returns ``fn()``, saving its JSON-able value under ``key``; if the run
    is interrupted and restarted with the same parameters, finished steps are read back.
    ``only`` limits a run to some steps: it stops (:class:`StepsDone`) at the first other step
    without a checkpoint. That splits a full profile between machines, e.g. the steps a CPU
    handles well here and the rest on a GPU machine that resumes from the carried checkpoints.
    """

    def __init__(self, partial_dir: Path, progress: bool = True, only: frozenset[str] | None = None):
        self.partial_dir = partial_dir
        # papermill runs set NASMETA_PROGRESS=0: bars would be frozen into the book's pages
        self.show_progress = progress and os.environ.get("NASMETA_PROGRESS", "1") != "0"
        self.only = only

    def progress(self, iterable: Iterable[T], desc: str = "", total: int | None = None) -> Iterable[T]:
        return tqdm(iterable, desc=desc, total=total, disable=not self.show_progress, leave=False)

    def step(self, key: str, fn: Callable[[], Any]) -> Any:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
        path = self.partial_dir / f"{safe}.json"
        if path.exists():
            return json.loads(path.read_text())
        if self.only is not None and key not in self.only:
            done = sorted(p.stem for p in self.partial_dir.glob("*.json")) if self.partial_dir.exists() else []
            raise StepsDone(key, done, self.partial_dir)
        value = fn()
        write_atomic(path, json.dumps(value, default=_plain))
        return json.loads(path.read_text())  # callers see the same types on first and resumed runs


def _plain(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


@dataclass(frozen=True)
class Chapter:
    """Registry entry for one claim's chapter."""

    name: str
    title: str
    order: int
    paper: str
    claim: str
    params: tuple[Param, ...]
    profiles: dict[str, dict[str, Any]]
    run: Callable[[dict[str, Any], Context], Result]
    # Judges the claims from a finished run's tables, metrics and parameters alone, so the verdicts
    # of any saved result can be re-derived (and tested) without re-running the experiment.
    judge: Callable[[Result], tuple[list[Claim], list[Check]]] | None = None
    # Bump when the analysis changes (claims, verdict rules, tables): result files written by an
    # older version are then recomputed, and never shown in the book, instead of silently reused.
    version: int = 1
    # Rules changed after results were seen, listed on the chapter page with the verdict before/after.
    rule_changes: tuple[RuleChange, ...] = ()

    @property
    def notebook(self) -> Path:
        return NOTEBOOK_DIR / f"{self.name}.ipynb"

    def resolve(self, profile: str = "quick", overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Full, validated parameters: the profile's defaults updated by ``overrides``.

        ``None`` values in ``overrides`` mean "profile default" (papermill's empty parameters).
        """
        if profile not in self.profiles:
            raise ParameterError(f"unknown profile {profile!r}; choose one of {', '.join(self.profiles)}")
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        params = validate(self.params, dict(self.profiles[profile]))
        params.update(validate(self.params, given))
        return params

    def execute(self, profile: str = "quick", force: bool = False, progress: bool = True,
                steps: Iterable[str] | None = None, **overrides: Any) -> Result:
        """Run (or reload) the chapter's experiment; see the module docstring.

        ``steps`` computes only those checkpointed steps and raises :class:`StepsDone` at the
        first other one (see :class:`Context`); without it the run goes to the end.
        """
        params = self.resolve(profile, overrides)
        path = result_path(self.name, profile, params)
        saved = None if force else self.saved(profile, params)
        if saved is not None:
            return saved
        partial = path.parent / ".partial" / path.stem
        started = datetime.now(timezone.utc)
        t0 = time.perf_counter()
        result = self.run(params, Context(partial, progress, None if steps is None else frozenset(steps)))
        result.chapter, result.profile, result.params = self.name, profile, params
        if self.judge is not None:
            result.claims, result.checks = self.judge(result)
        result.provenance = provenance(params, time.perf_counter() - t0, started) | {"chapter_version": self.version}
        write_atomic(path, result.to_json())
        shutil.rmtree(partial, ignore_errors=True)
        return Result.load(path)

    def saved(self, profile: str, params: dict[str, Any]) -> Result | None:
        """The saved result of these parameters, if one exists and this version of the chapter wrote it
        (files from before versions were recorded count as version 1)."""
        path = result_path(self.name, profile, params)
        if not path.exists():
            return None
        result = Result.load(path)
        return result if result.provenance.get("chapter_version", 1) == self.version else None

    def help(self) -> str:
        lines = [f"{self.name}: {self.title}", "", "parameters:"]
        lines += [f"  {p.describe()}" for p in self.params]
        for prof, values in self.profiles.items():
            lines.append(f"profile {prof}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
        return "\n".join(lines)
