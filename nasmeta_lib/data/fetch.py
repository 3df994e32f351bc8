"""Fetch a manifest file: local mirror first, then the cache, then the upstream URL (pooch).

Every file is checked against its manifest sha256 before it is used. Errors name the file,
the manifest and the fix. Downloads go through pooch, which writes to a temporary file and
moves it into the cache only once the hash matches, so a failed or truncated download leaves
nothing half-written behind.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from nasmeta_lib.data.manifest import DataFile, ManifestError, source
from nasmeta_lib.paths import cache_dir, mirror_dir

log = logging.getLogger(__name__)


class DataError(RuntimeError):
    """A data file could not be provided in verified form."""


@dataclass(frozen=True)
class FileStatus:
    """Where a file is and whether its checksum was verified."""

    file: DataFile
    location: str  # "mirror", "cache", "package" (inside a PyPI wheel) or "missing"
    path: Path | None
    verified: bool
    problem: str = ""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fix_hint(f: DataFile) -> str:
    return (
        f"Fix: put a good copy at $NASMETA_DATA_MIRROR/{f.path} (currently "
        f"{mirror_dir() or 'no mirror'}), or run `nasmeta data fetch {f.source}` with network "
        f"access; the expected sha256 is in {f.manifest.name}."
    )


def _verify(f: DataFile, path: Path) -> str:
    """Return '' when ``path`` matches the manifest, else a description of the mismatch."""
    if not f.sha256:
        return "no sha256 recorded in the manifest"
    actual = sha256_of(path)
    if actual != f.sha256:
        size = path.stat().st_size
        expect = f" (expected {f.size} bytes)" if f.size else ""
        return f"sha256 mismatch: got {actual[:16]}..., {size} bytes{expect}"
    return ""


def _package_dir(f: DataFile) -> Path | None:
    """Installed folder of the PyPI package that ships ``f`` (None if not installed)."""
    src = source(f.source)
    module = src.package.split("==")[0].replace("-", "_")
    spec = importlib.util.find_spec(module)
    return Path(spec.origin).parent if spec and spec.origin else None


def status(f: DataFile) -> FileStatus:
    """Locate ``f`` without downloading and report whether it verifies."""
    if source(f.source).kind == "pypi":
        roots = (("package", _package_dir(f)),)
    else:
        roots = (("mirror", mirror_dir()), ("cache", cache_dir()))
    for location, root in roots:
        if root is None:
            continue
        path = root / f.path
        if path.is_file():
            problem = _verify(f, path)
            return FileStatus(f, location, path, not problem, problem)
    return FileStatus(f, "missing", None, False, "not found locally")


def fetch_file(f: DataFile, progress: bool = True) -> Path:
    """Return a verified local path for ``f``, downloading it into the cache if needed."""
    if not f.sha256:
        raise DataError(
            f"{f.name} (source {f.source!r}, manifest {f.manifest.name}) has no recorded "
            "sha256, so it cannot be verified and is not used. Fix: download it from "
            f"{', '.join(f.urls) or 'its upstream'}, check it, and record its sha256 in the manifest."
        )
    st = status(f)
    if st.location == "package" and st.verified:
        note_use(f)
        return st.path
    if source(f.source).kind == "pypi":
        raise DataError(
            f"{f.name} from package {source(f.source).package!r} ({f.manifest.name}): "
            f"{st.problem or 'not installed'}. Fix: `pip install {source(f.source).package}`."
        )
    if st.location == "mirror":
        if not st.verified:
            raise DataError(
                f"{f.name} in the data mirror ({st.path}) fails verification against "
                f"{f.manifest.name}: {st.problem}. The copy is refused, and the mirror is searched "
                f"first. Fix: replace it with a good copy (sha256 {f.sha256[:16]}...) or remove it, "
                "or set NASMETA_DATA_MIRROR=\"\" to skip the mirror and use the cache or a download."
            )
        note_use(f)
        return st.path
    removed = ""
    if st.location == "cache":
        if st.verified:
            note_use(f)
            return st.path
        st.path.unlink()  # a corrupt cached copy is removed and fetched again
        removed = f"The corrupt cached copy {st.path} ({st.problem}) was deleted. "
    target = cache_dir() / f.path
    if offline():
        raise DataError(
            f"{f.name} (source {f.source!r}, manifest {f.manifest.name}) is not in the mirror "
            f"or the cache, and downloads are off (NASMETA_OFFLINE is set). {removed}{_fix_hint(f)}"
        )
    if removed:
        log.warning("%s: %sDownloading it again.", f.name, removed)
    import pooch  # imported only when a download is needed

    errors = []
    for url in f.urls:
        try:
            got = pooch.retrieve(
                url,
                known_hash=f"sha256:{f.sha256}",
                fname=target.name,
                path=target.parent,
                progressbar=progress,
            )
            note_use(f)
            return Path(got)
        except ValueError as exc:  # pooch: hash mismatch (e.g. truncated download)
            errors.append(f"{url}: downloaded file failed verification ({exc})")
        except Exception as exc:  # network errors of every flavour
            errors.append(f"{url}: {type(exc).__name__}: {exc}")
    for leftover in target.parent.glob(f"tmp*{target.name}*") if target.parent.exists() else ():
        leftover.unlink()
    if target.exists() and _verify(f, target):
        target.unlink()
    raise DataError(
        f"{f.name} (source {f.source!r}, manifest {f.manifest.name}) is not in the mirror or "
        f"the cache and could not be downloaded:\n  " + "\n  ".join(errors) + f"\n{removed}{_fix_hint(f)}"
    )


def fetch(source_name: str, file_name: str | None = None, progress: bool = True) -> Path:
    """Path of a verified file of ``source_name`` (its only file when ``file_name`` is None)."""
    src = source(source_name)
    if file_name is None:
        if len(src.files) != 1:
            raise DataError(f"source {source_name!r} has {len(src.files)} files: name one")
        return fetch_file(src.files[0], progress)
    return fetch_file(src.file(file_name), progress)


def offline() -> bool:
    """True when downloads are disabled (``NASMETA_OFFLINE=1``)."""
    return os.environ.get("NASMETA_OFFLINE", "") not in ("", "0")


# ---------------------------------------------------------------- which data a run read

_USED: ContextVar[dict[tuple[str, str], dict[str, str]] | None] = ContextVar("nasmeta_data_used", default=None)


@contextmanager
def recording_data() -> Iterator[dict[tuple[str, str], dict[str, str]]]:
    """Collect every verified data file provided while the block runs (a result's provenance
    records them); a recording inside another also counts for the outer one."""
    outer = _USED.get()
    used: dict[tuple[str, str], dict[str, str]] = {}
    token = _USED.set(used)
    try:
        yield used
    finally:
        _USED.reset(token)
        if outer is not None:
            outer.update(used)


def note_use(f: DataFile) -> None:
    """Record that ``f``, verified against its manifest, was used by the running recording."""
    note_data([{"source": f.source, "file": f.name, "manifest": f.manifest.name, "sha256": f.sha256 or ""}])


def note_data(records: list[dict[str, str]]) -> None:
    """Record data files read earlier (e.g. by a step whose checkpoint is reused)."""
    used = _USED.get()
    if used is not None:
        for r in records:
            used[(r["source"], r["file"])] = dict(r)


def data_records(used: dict[tuple[str, str], dict[str, str]]) -> list[dict[str, str]]:
    """A recording as a sorted list, as results and checkpoints store it."""
    return [used[k] for k in sorted(used)]


def stale_data(records: list[dict[str, Any]] | None) -> list[str]:
    """Recorded data files whose sha256 is no longer the one their manifest names ([] if all
    current, or if nothing was recorded)."""
    stale = []
    for r in records or ():
        try:
            current = source(r["source"]).file(r["file"]).sha256
        except ManifestError:
            current = None
        if current != r.get("sha256"):
            stale.append(f"{r['source']}/{r['file']}")
    return stale
