"""Run a chapter: through its notebook with papermill, or headless through the library.

Parameters are validated here, before a kernel starts, so a typo costs nothing. The notebook
route writes the executed notebook into the book's ``chapters/`` folder; both routes write the
same result file (the notebook calls ``Chapter.execute`` itself).
"""

from __future__ import annotations

import importlib.util
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nasmeta_lib import chapters
from nasmeta_lib.params import ParameterError
from nasmeta_lib.paths import EXECUTED_DIR
from nasmeta_lib.results import Result

KERNEL = "python3"


def papermill_available() -> bool:
    return importlib.util.find_spec("papermill") is not None


@contextmanager
def _kernel_environment():
    """Environment the kernel inherits: no frozen progress bars in the book, and inline figures
    even when the caller runs with MPLBACKEND=Agg (as CI does)."""
    wanted = {"NASMETA_PROGRESS": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_notebook(name: str, profile: str = "quick", overrides: dict[str, Any] | None = None,
                 output_dir: Path = EXECUTED_DIR, progress: bool = True, force: bool = False) -> Path:
    """Execute a chapter's notebook with papermill; returns the executed notebook's path.

    ``force`` recomputes the result first (headless, ignoring the saved result and checkpoints);
    the notebook then shows that fresh result. Bad parameters, including combinations the
    chapter's own checks refuse, raise :class:`ParameterError` before a kernel starts; one
    raised inside the kernel is passed on as such. A failed run leaves no notebook behind.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    chapter = chapters.get(name)
    params = chapter.resolve(profile, overrides)  # raises ParameterError before the kernel starts
    chapter.check_params(params)
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if force:
        chapter.execute(profile, force=True, progress=progress, **given)
    else:
        chapter.saved(profile, params)  # a damaged result file stops here, with its fix, not in the kernel
    output_dir.mkdir(parents=True, exist_ok=True)
    out = output_dir / chapter.notebook.name
    tmp = out.with_name(f".{out.stem}.running.ipynb")
    try:
        with _kernel_environment():
            papermill.execute_notebook(
                str(chapter.notebook),
                str(tmp),
                parameters={"profile": profile, **{k: params[k] for k in given}},
                kernel_name=KERNEL,
                progress_bar=progress,
                cwd=str(chapter.notebook.parent),
            )
        tmp.replace(out)  # the book only ever sees complete notebooks
    except PapermillExecutionError as exc:
        if exc.ename == ParameterError.__name__:
            raise ParameterError(exc.evalue) from None
        raise
    finally:
        tmp.unlink(missing_ok=True)
    return out


def run_headless(name: str, profile: str = "quick", overrides: dict[str, Any] | None = None,
                 force: bool = False, steps: list[str] | None = None) -> Result:
    """Run a chapter's experiment without Jupyter (e.g. on a GPU machine); ``steps``: see
    :meth:`~nasmeta_lib.chapters.Chapter.execute`."""
    return chapters.get(name).execute(profile, force=force, steps=steps, **(overrides or {}))
