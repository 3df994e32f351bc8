"""A chapter: one claim, its parameters and profiles, and the function that checks it.

``Chapter.execute(profile, **overrides)`` validates parameters, reuses a saved result for the
same parameters if there is one, otherwise runs the experiment (resumably, through
:class:`Context`) and saves the result with provenance. Notebooks and the headless CLI both go
through it, so a notebook never holds experiment logic.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar

from tqdm.auto import tqdm

from nasmeta_lib.data.fetch import data_records, note_data, recording_data, stale_data
from nasmeta_lib.executors import Executor, Serial, from_environment
from nasmeta_lib.params import Param, ParameterError, validate
from nasmeta_lib.paths import NOTEBOOK_DIR
from nasmeta_lib.results import Result, duration, git_sha, param_hash, provenance, result_path, run_sha, write_atomic
from nasmeta_lib.verdicts import Check, Claim, RuleChange

T = TypeVar("T")
# lab: <= 1 min on a 2-core laptop (a room of students on one server); quick: minutes on a CPU, the
# book's default; full: the paper's setting as far as the data allows
PROFILES = ("lab", "quick", "full")
log = logging.getLogger(__name__)
CHECKPOINT_FIELDS = frozenset({"stamp", "data", "sha256", "value"})


def bar(iterable: Iterable[T], desc: str = "", total: int | None = None, show: bool = True) -> Iterable[T]:
    """A progress bar that disappears when done, or the bare iterable when not ``show``."""
    return tqdm(iterable, desc=desc, total=total, disable=not show, leave=False)


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

    A checkpoint records ``stamp`` (chapter, version, parameter hash), the data files its step
    read and the sha256 of its value; one that does not match (damaged, edited, or written for
    other parameters) is recomputed, never used.
    """

    def __init__(self, partial_dir: Path, progress: bool = True, only: frozenset[str] | None = None,
                 stamp: dict[str, Any] | None = None, executor: Executor | None = None):
        self.partial_dir = partial_dir
        self.executor = executor or Serial()
        # papermill runs set NASMETA_PROGRESS=0: bars would be frozen into the book's pages
        self.show_progress = progress and os.environ.get("NASMETA_PROGRESS", "1") != "0"
        self.only = None if only is None else frozenset(_safe(k) for k in only)
        self.stamp = stamp or {}
        self.seen: list[str] = []  # step keys in the order this run reached them
        self.resumed: list[str] = []  # step keys read back from an earlier run's checkpoints

    def progress(self, iterable: Iterable[T], desc: str = "", total: int | None = None) -> Iterable[T]:
        return bar(iterable, desc, total, self.show_progress)

    @property
    def part_progress(self) -> Callable[..., Iterable]:
        """Progress bars for use inside a part of :meth:`map`: shown when the parts run here, one
        after another, silent on a cluster's workers. A plain function, so a part can carry it."""
        return partial(bar, show=self.show_progress and isinstance(self.executor, Serial))

    def step(self, key: str, fn: Callable[[], Any]) -> Any:
        self.seen.append(key)
        found, value = self._load(key)
        if found:
            return value
        if self.only is not None and _safe(key) not in self.only:
            self._stop(key)
        value, data = _recorded(fn)()
        return self._save(key, value, data)

    def map(self, parts: Sequence[tuple[str, Callable[[], Any]]], desc: str = "parts",
            prepare: Callable[[], Any] | None = None) -> list[Any]:
        """The values of independent parts, in order, each checkpointed like a step.

        Parts without a checkpoint run on the run's executor: one after another here, or as tasks
        on a Dask cluster (``--workers``/``--scheduler``); this process writes each checkpoint as
        its part finishes, so a distributed run resumes like a serial one. A part must not depend
        on another, and its seed must follow from its own key and parameters, never the worker.
        If some parts fail, the others keep their checkpoints and the failures are reported.
        ``prepare()`` runs here once before the parts, and only when some part is to run: input
        the parts share and would otherwise each make (e.g. generated data in the disk cache).
        """
        keys = [key for key, _ in parts]
        reached_before = any(_safe(k) in self.only for k in self.seen) if self.only is not None else True
        self.seen.extend(keys)
        values, todo = {}, []
        for key, fn in parts:
            found, value = self._load(key)
            if found:
                values[key] = value
            elif self.only is None or _safe(key) in self.only:
                todo.append((key, _recorded(fn)))
        blocked = [k for k in keys if k not in values and all(k != t for t, _ in todo)]
        if blocked and not todo and not reached_before:
            self._stop(blocked[0], reached=False)
        if todo and prepare is not None:
            prepare()
        with tqdm(total=len(todo), desc=desc, disable=not self.show_progress or not todo, leave=False) as shown:
            for key, (value, data) in self.executor.run(todo):
                values[key] = self._save(key, value, data)
                shown.update()
        if blocked:
            self._stop(blocked[0], reached=True)
        return [values[k] for k in keys]

    def _load(self, key: str) -> tuple[bool, Any]:
        """(True, value) when ``key`` has a checkpoint that verifies; a bad one is removed."""
        path = self.partial_dir / f"{_safe(key)}.json"
        if not path.exists():
            return False, None
        checkpoint, problem = self._read(path, key)
        if not problem:
            note_data(checkpoint["data"])
            self.resumed.append(key)
            return True, checkpoint["value"]
        log.warning("checkpoint %s is not used (%s); recomputing step %r", path, problem, key)
        path.unlink(missing_ok=True)
        return False, None

    def _save(self, key: str, value: Any, data: list[dict[str, str]]) -> Any:
        note_data(data)
        checkpoint = {"stamp": self.stamp | {"step": key}, "data": data, "sha256": _digest(value), "value": value}
        write_atomic(self.partial_dir / f"{_safe(key)}.json", json.dumps(checkpoint))
        return value

    def _stop(self, key: str, reached: bool | None = None) -> None:
        """Stop a run limited to some steps before ``key``: say so (:class:`StepsDone`), or, when
        none of the requested steps comes before it, refuse the request as it can never be met."""
        done = sorted(p.stem for p in self.partial_dir.glob("*.json")) if self.partial_dir.exists() else []
        if reached is None:
            reached = any(_safe(k) in self.only for k in self.seen[:-1])
        if not reached:
            raise ParameterError(
                f"steps {', '.join(sorted(self.only))}: the run never reaches them, it stops first at step "
                f"{_safe(key)!r}, which has no checkpoint (steps run in order; checkpointed so far: "
                f"{', '.join(done) or 'none'}). Name that step too, or check the step names")
        raise StepsDone(key, done, self.partial_dir)

    def _read(self, path: Path, key: str) -> tuple[dict, str]:
        """The checkpoint at ``path`` and '' if it verifies, else why not."""
        try:
            checkpoint = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            return {}, f"unreadable: {type(exc).__name__}: {exc}"
        if not isinstance(checkpoint, dict) or not CHECKPOINT_FIELDS <= set(checkpoint):
            return {}, f"unreadable: not a checkpoint with {', '.join(sorted(CHECKPOINT_FIELDS))}"
        if checkpoint["stamp"] != self.stamp | {"step": key}:
            return {}, f"written for {checkpoint['stamp']}, this run is {self.stamp | {'step': key}}"
        if _digest(checkpoint["value"]) != checkpoint["sha256"]:
            return {}, "its value does not match its recorded sha256 (damaged or edited)"
        return checkpoint, ""


def _recorded(fn: Callable[[], Any]) -> Callable[[], tuple[Any, list[dict[str, str]]]]:
    """``fn`` returning its JSON-normalised value (callers see the same types on first and resumed
    runs) and the data files it read, recorded where it runs (also in a worker process)."""

    def part() -> tuple[Any, list[dict[str, str]]]:
        with recording_data() as used:
            value = json.loads(json.dumps(fn(), default=_plain))
        return value, data_records(used)

    return part


def _comparable(claims: list[Claim]) -> str:
    """Claims as JSON text with numbers to 8 significant digits (NaN compares equal as text)."""

    def rounded(value: Any) -> Any:
        if isinstance(value, float):
            return float(f"{value:.8g}")
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rounded(v) for v in value]
        return value

    return json.dumps(rounded([c.to_dict() for c in claims]), sort_keys=True)


def _safe(key: str) -> str:
    """A step key as a file name (and as ``--steps`` matches it)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


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
    # The oldest version whose runs store the same tables as this one, when the versions since then
    # changed only the judge (a rule, listed in ``rule_changes``): a saved result of such a version
    # is judged again from its stored tables instead of being recomputed (see :meth:`rejudged`).
    same_tables_since: int | None = None
    # Rules changed after results were seen, listed on the chapter page with the verdict before/after.
    rule_changes: tuple[RuleChange, ...] = ()
    # The full profile is sized for a GPU (hours or more on a laptop CPU); shown by `nasmeta chapters`.
    full_needs_gpu: bool = False
    # Optional checks of a parameter combination that need more than one parameter's range
    # (raise ParameterError); called before any work, also before papermill starts a kernel.
    check: Callable[[dict[str, Any]], Any] | None = None

    @property
    def notebook(self) -> Path:
        return NOTEBOOK_DIR / f"{self.name}.ipynb"

    def resolve(self, profile: str = "quick", overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Full, validated parameters: the profile's defaults updated by ``overrides``.

        A profile other than ``quick`` may list only what differs from ``quick`` (the ``lab``
        profiles do). ``None`` values in ``overrides`` mean "profile default" (papermill's empty
        parameters).
        """
        if profile not in self.profiles:
            raise ParameterError(f"unknown profile {profile!r}; choose one of {', '.join(self.profiles)}")
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        params = validate(self.params, self.profiles["quick"] | self.profiles[profile])
        params.update(validate(self.params, given))
        return params

    def execute(self, profile: str = "quick", force: bool = False, progress: bool = True,
                steps: Iterable[str] | None = None, executor: Executor | None = None, **overrides: Any) -> Result:
        """Run (or reload) the chapter's experiment; see the module docstring.

        ``force`` recomputes from scratch: the saved result and the run's checkpoints are ignored
        (the checkpoints are deleted). ``steps`` computes only those checkpointed steps and raises
        :class:`StepsDone` at the first other one (see :class:`Context`); without it the run goes
        to the end. ``executor`` runs the chapter's independent parts (default: serial here, or
        the Dask cluster named by ``NASMETA_WORKERS``/``NASMETA_SCHEDULER``, see
        :mod:`nasmeta_lib.executors`); the numbers do not depend on it.
        """
        params = self.resolve(profile, overrides)
        path = result_path(self.name, profile, params)
        saved = None if force else self.saved(profile, params)
        if saved is not None:
            return saved
        older = None if force else self.rejudgeable(profile, params)
        if older is not None:
            write_atomic(path, self.rejudged(older).to_json())
            return Result.load(path)
        self.check_params(params)
        partial = self.partial_dir(profile, params)
        if force:
            shutil.rmtree(partial, ignore_errors=True)
        stamp = {"chapter": self.name, "version": self.tables_version, "params": param_hash(params)}
        started, sha = datetime.now(timezone.utc), git_sha()
        t0 = time.perf_counter()
        executor = executor or from_environment()
        ctx = Context(partial, progress, None if steps is None else frozenset(steps), stamp, executor)
        try:
            with recording_data() as used:
                result = self.run(params, ctx)
        finally:
            executor.close()
        result.chapter, result.profile, result.params = self.name, profile, params
        if self.judge is not None:
            result = Result.from_json(result.to_json())  # judge the tables as stored, as any re-derivation will
            result.claims, result.checks = self.judge(result)
        result.provenance = provenance(params, time.perf_counter() - t0, started, run_sha(sha)) | {
            "chapter_version": self.version, "data": data_records(used), "executor": executor.describe()}
        if ctx.resumed:
            result.provenance["resumed_steps"] = len(ctx.resumed)
        write_atomic(path, result.to_json())
        shutil.rmtree(partial, ignore_errors=True)
        if unknown := sorted((ctx.only or set()) - {_safe(k) for k in ctx.seen}):
            steps_seen = ", ".join(dict.fromkeys(_safe(k) for k in ctx.seen)) or "none: it is not split into steps"
            raise ParameterError(f"no step is named {', '.join(unknown)} (this run's steps: {steps_seen}); "
                                 f"the run went to the end and its result is saved ({path})")
        return Result.load(path)

    def rederivation(self, result: Result) -> str:
        """'' when judging ``result``'s stored tables gives exactly its stored claims and checks
        (numbers to 8 significant digits: stored tables keep 10), else what differs. A result judged
        before its tables were stored can differ in the digits of an interval; its verdicts never may."""
        if self.judge is None:
            return ""  # its run set the claims itself: nothing to re-derive
        claims, checks = self.judge(result)
        if [c.verdict for c in claims] != [c.verdict for c in result.claims] or \
                [(c.id, c.passed) for c in checks] != [(c.id, c.passed) for c in result.checks]:
            return "its verdicts do not follow from its stored tables"
        if _comparable(claims) != _comparable(result.claims):
            return "re-derived from its stored tables, its intervals differ in the last digits shown"
        return ""

    def check_params(self, params: dict[str, Any]) -> None:
        """The chapter's own checks of a parameter combination (e.g. a budget larger than a
        benchmark's pool), run before any work and before a notebook kernel starts."""
        if self.check is not None:
            self.check(params)

    def partial_dir(self, profile: str, params: dict[str, Any]) -> Path:
        """Checkpoint folder of a run: named by parameters and :attr:`tables_version`, so a changed
        analysis never resumes from an older one's steps (a changed rule does: its steps are the same)."""
        path = result_path(self.name, profile, params)
        return path.parent / ".partial" / f"{path.stem}-v{self.tables_version}"

    def saved(self, profile: str, params: dict[str, Any]) -> Result | None:
        """The saved result of these parameters, if one exists, this version of the chapter wrote
        it (files from before versions were recorded count as version 1) and the data files it
        read are still the ones the manifests name. Raises
        :class:`~nasmeta_lib.results.ResultFileError` for an unreadable file."""
        result = self._saved_any_version(profile, params)
        return result if result is not None and result.chapter_version == self.version else None

    @property
    def tables_version(self) -> int:
        """The oldest version whose runs compute the same steps and tables as this one."""
        return self.version if self.same_tables_since is None else self.same_tables_since

    def rejudgeable(self, profile: str, params: dict[str, Any]) -> Result | None:
        """The saved result of these parameters if an older version wrote it whose tables this
        version stores unchanged (``same_tables_since``), so that judging it again is all a rerun
        would change; else None."""
        result = self._saved_any_version(profile, params)
        if result is None or self.judge is None:
            return None
        return result if self.tables_version <= result.chapter_version < self.version else None

    def rejudged(self, result: Result) -> Result:
        """``result`` with its claims and checks judged again from its stored tables by this
        version's rules. Its measurements and their provenance (the run's commit, device, time)
        stay as they are; ``provenance["rejudged"]`` records the version it came from and the
        commit of the judge, and the rule history on the chapter page shows what changed."""
        claims, checks = self.judge(result)
        judged = {"from_version": result.chapter_version, "git_sha": git_sha(),
                  "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        return replace(result, claims=claims, checks=checks,
                       provenance=result.provenance | {"chapter_version": self.version, "rejudged": judged})

    def _saved_any_version(self, profile: str, params: dict[str, Any]) -> Result | None:
        """The saved result of these parameters whichever version wrote it, unless the data files
        it read are no longer the ones the manifests name."""
        path = result_path(self.name, profile, params)
        if not path.exists():
            return None
        result = Result.load(path)
        return None if stale_data(result.provenance.get("data")) else result

    def help(self) -> str:
        lines = [f"{self.name}: {self.title}", "", "parameters:"]
        lines += [f"  {p.describe()}" for p in self.params]
        for prof, values in self.profiles.items():
            lines.append(f"profile {prof} ({self.runtime(prof)}): " + ", ".join(f"{k}={v}" for k, v in values.items()))
        return "\n".join(lines)

    def runtime(self, profile: str) -> str:
        """How long the profile took where its result was computed (read from the saved result, never
        typed), and for the full profile whether a CPU is enough."""
        saved = self.saved(profile, self.resolve(profile))
        if saved is not None:
            p = saved.provenance
            measured = f"took {duration(p)} on {p.get('device', 'an unknown device')}"
        else:
            measured = "no saved run here to time"
        if profile == "full":
            measured += "; sized for a GPU" if self.full_needs_gpu else "; runs on a CPU"
        return measured
