"""Data manifests: one TOML file per upstream source in ``data_manifests/``.

A manifest is the only way the project names a data file: where it comes from (URLs), what it
must hash to (sha256), how big it is, its licence and how to cite it. Files that live inside a
PyPI wheel (``kind = "pypi"``) are listed too, so the book's Data chapter is complete.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nasmeta_lib.paths import MANIFEST_DIR


class ManifestError(ValueError):
    """A manifest file is malformed or a name is not in any manifest."""


@dataclass(frozen=True)
class DataFile:
    """One file of a source. ``path`` is relative to the mirror and to the cache."""

    name: str
    path: str
    urls: tuple[str, ...]
    sha256: str | None
    size: int | None
    description: str
    source: str
    manifest: Path

    @property
    def verifiable(self) -> bool:
        return bool(self.sha256)


@dataclass(frozen=True)
class Source:
    """An upstream data source (a benchmark release, a task data set, a PyPI package)."""

    name: str
    title: str
    kind: str  # "file" (fetched by URL) or "pypi" (shipped inside an installed package)
    licence: str
    citation: str
    homepage: str
    manifest: Path
    package: str | None = None
    notes: str = ""
    files: tuple[DataFile, ...] = field(default_factory=tuple)

    def file(self, name: str) -> DataFile:
        for f in self.files:
            if f.name == name:
                return f
        names = ", ".join(f.name for f in self.files)
        raise ManifestError(f"source {self.name!r} has no file {name!r} (has: {names})")


_REQUIRED = ("name", "title", "kind", "licence", "citation", "homepage")


def _parse(path: Path) -> Source:
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML ({exc})") from exc
    meta = raw.get("source", {})
    missing = [k for k in _REQUIRED if not meta.get(k)]
    if missing:
        raise ManifestError(f"{path}: [source] lacks {', '.join(missing)}")
    files = []
    for entry in raw.get("files", []):
        for key in ("name", "path", "urls"):
            if key not in entry:
                raise ManifestError(f"{path}: a [[files]] entry lacks {key!r}")
        sha = entry.get("sha256") or None
        if sha is not None and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
            raise ManifestError(f"{path}: file {entry['name']!r} has a malformed sha256")
        files.append(
            DataFile(
                name=entry["name"],
                path=entry["path"],
                urls=tuple(entry["urls"]),
                sha256=sha,
                size=entry.get("size"),
                description=entry.get("description", ""),
                source=meta["name"],
                manifest=path,
            )
        )
    return Source(
        name=meta["name"],
        title=meta["title"],
        kind=meta["kind"],
        licence=meta["licence"],
        citation=meta["citation"].strip(),
        homepage=meta["homepage"],
        manifest=path,
        package=meta.get("package"),
        notes=meta.get("notes", "").strip(),
        files=tuple(files),
    )


@lru_cache(maxsize=None)
def sources(manifest_dir: Path = MANIFEST_DIR) -> dict[str, Source]:
    """All sources, keyed by name, parsed once per process."""
    out: dict[str, Source] = {}
    for path in sorted(manifest_dir.glob("*.toml")):
        src = _parse(path)
        if src.name in out:
            raise ManifestError(f"source {src.name!r} is defined twice ({path})")
        out[src.name] = src
    return out


def source(name: str) -> Source:
    try:
        return sources()[name]
    except KeyError:
        raise ManifestError(
            f"no data source {name!r}; known sources: {', '.join(sorted(sources()))}"
        ) from None
