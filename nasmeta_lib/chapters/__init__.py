"""Chapter registry: every module in this package that defines ``CHAPTER`` is a chapter."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from nasmeta_lib.chapters.base import PROFILES, Chapter, Context, StepsDone


@lru_cache(maxsize=1)
def registry() -> dict[str, Chapter]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        chapter = getattr(module, "CHAPTER", None)
        if isinstance(chapter, Chapter):
            found.append(chapter)
    return {c.name: c for c in sorted(found, key=lambda c: (c.order, c.name))}


def get(name: str) -> Chapter:
    chapters = registry()
    if name not in chapters:
        raise KeyError(f"unknown chapter {name!r}; chapters: {', '.join(chapters)}")
    return chapters[name]


__all__ = ["PROFILES", "Chapter", "Context", "StepsDone", "get", "registry"]
