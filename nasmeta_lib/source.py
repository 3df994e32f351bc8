"""Show the library's own code in the book: a chapter's core lines, pulled at build time.

The code a chapter page shows is read from the module that ran, with ``inspect.getsource``, so the
book can never show code that differs from what produced its numbers.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

from nasmeta_lib.paths import REPO_ROOT


def resolve(target: str) -> Any:
    """``"package.module:qualname"`` -> the object (a function, class or method)."""
    module_name, sep, qualname = target.partition(":")
    if not sep or not qualname:
        raise ValueError(f"{target!r}: expected 'module:qualname', e.g. 'nasmeta_lib.searchers.robot:robot'")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def code_block(target: str) -> str:
    """A fenced Python block with the object's source, headed by where it lives (file and first line)."""
    obj = inspect.unwrap(resolve(target))  # through decorators such as lru_cache
    lines, first = inspect.getsourcelines(obj)
    path = Path(inspect.getsourcefile(obj)).resolve()
    where = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path.name
    return f"`{where}`, line {first}:\n\n```python\n{''.join(lines).rstrip()}\n```\n"


def look_inside_markdown(chapter: str) -> str:
    from nasmeta_lib.exercises import guide

    g = guide(chapter)
    parts = ["## Look inside", "", g.look_inside_note, ""]
    parts += [code_block(target) for target in g.look_inside]
    return "\n".join(parts)


def look_inside(chapter: str) -> Any:
    """Display the chapter's core code (see ``exercises.Guide.look_inside``) as highlighted Markdown."""
    from IPython.display import Markdown

    return Markdown(look_inside_markdown(chapter))
