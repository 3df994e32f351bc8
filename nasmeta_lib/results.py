"""Results with provenance, written atomically as ``results/<chapter>/<profile>-<hash>.json``.

A result holds what a chapter computed (tables, scalar metrics), the verdict on each claim,
and where it came from (git sha, parameters, device, library versions, seconds, and the sha256 of
every data file it read).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from nasmeta_lib.paths import REPO_ROOT, results_dir
from nasmeta_lib.verdicts import VERDICTS, Check, Claim  # noqa: F401  (re-exported for readers of results)


def verdict(ok: bool, partly: bool = False) -> str:
    """Map the outcome of a computed test to a verdict word."""
    return "reproduced" if ok else ("partly" if partly else "not reproduced")


@dataclass
class Result:
    """What one run of a chapter produced."""

    chapter: str
    profile: str
    params: dict[str, Any]
    claims: list[Claim] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "chapter": self.chapter,
                "profile": self.profile,
                "params": self.params,
                "claims": [c.to_dict() for c in self.claims],
                "checks": [c.to_dict() for c in self.checks],
                "metrics": self.metrics,
                "notes": self.notes,
                "provenance": self.provenance,
                "tables": {k: json.loads(v.to_json(orient="table", index=False)) for k, v in self.tables.items()},
            },
            indent=1,
            default=_jsonable,
        )

    @classmethod
    def from_json(cls, text: str) -> "Result":
        raw = json.loads(text)
        tables = {k: pd.read_json(io.StringIO(json.dumps(v)), orient="table") for k, v in raw["tables"].items()}
        return cls(
            chapter=raw["chapter"],
            profile=raw["profile"],
            params=raw["params"],
            claims=[Claim(**c) for c in raw["claims"]],
            checks=[Check(**c) for c in raw.get("checks", [])],
            metrics=raw["metrics"],
            tables=tables,
            provenance=raw["provenance"],
            notes=raw.get("notes", []),
        )

    @property
    def chapter_version(self) -> int:
        """The chapter version that wrote (or last judged) this result; files from before versions
        were recorded count as version 1."""
        return int(self.provenance.get("chapter_version", 1))

    @classmethod
    def load(cls, path: Path) -> "Result":
        """Read a result file; a damaged one is a :class:`ResultFileError` naming it and the fix."""
        try:
            return cls.from_json(Path(path).read_text())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ResultFileError(
                f"result file {path} is unreadable ({type(exc).__name__}: {exc}); it was damaged or edited. "
                "Fix: rerun with --force to recompute it, or delete it"
            ) from None


class ResultFileError(ValueError):
    """A result file exists but cannot be read back (truncated, edited, wrong layout)."""


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def param_hash(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:10]


def result_path(chapter: str, profile: str, params: dict[str, Any]) -> Path:
    return results_dir() / chapter / f"{profile}-{param_hash(params)}.json"


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def git_sha() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("NASMETA_GIT_SHA", "unknown")


def device_description() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return f"cuda: {torch.cuda.get_device_name(0)}"
    except ImportError:
        pass
    return f"cpu: {platform.processor() or platform.machine()} x{os.cpu_count()}"


def run_sha(at_start: str) -> str:
    """The commit a run's result is stamped with: the one checked out when it started, marked
    ``-changed`` when the checkout moved or was edited while it ran (its code is then not known)."""
    return at_start if git_sha() == at_start else f"{at_start.removesuffix('-dirty')}-changed"


def duration(provenance: dict[str, Any]) -> str:
    """How long the run that wrote a result took, and whether it resumed from checkpoints (then the
    time is its last sitting's only, not the whole computation's)."""
    seconds, resumed = provenance.get("seconds"), provenance.get("resumed_steps", 0)
    if not isinstance(seconds, (int, float)):
        return "time not recorded"
    took = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
    return f"{took} after reading back {resumed} checkpointed steps of earlier runs" if resumed else took


def provenance(params: dict[str, Any], seconds: float, started: datetime, sha: str) -> dict[str, Any]:
    """Where a result came from; ``sha`` is :func:`run_sha` of the commit at the start of the run."""
    versions = {}
    for pkg in ("nasmeta", "torch", "numpy", "pandas", "scipy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "git_sha": sha,
        "params": params,
        "device": device_description(),
        "python": platform.python_version(),
        "versions": versions,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "host": platform.node(),
    }
