"""The ``parameters`` cell of a chapter notebook, generated from the chapter's typed parameters.

Keeping the cell generated (and tested) means the notebook, the CLI and papermill always agree
on names, and every parameter carries its type, range and meaning for the reader. Papermill
reads the comments as help text (``papermill --help-notebook``); they must contain no '='.
"""

from __future__ import annotations

import nbformat

from nasmeta_lib import chapters
from nasmeta_lib.chapters import Chapter


def parameters_source(chapter: Chapter) -> str:
    lines = ['profile = "quick"  # "quick" (CPU, minutes) or "full" (meant for a GPU)']
    for p in chapter.params:
        comment = f"{p.constraint(max_choices=4)}; {p.help} (None: profile default)"
        lines.append(f"{p.name} = None  # {comment.replace(' = ', ': ').replace('=', ':')}")
    return "\n".join(lines)


def sync_parameters_cell(chapter: Chapter) -> bool:
    """Rewrite the notebook's ``parameters`` cell from the chapter; True if it changed."""
    nb = nbformat.read(chapter.notebook, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    wanted = parameters_source(chapter)
    if cell.source == wanted:
        return False
    cell.source = wanted
    nbformat.write(nb, chapter.notebook)
    return True


if __name__ == "__main__":  # python -m nasmeta_lib.notebook: refresh every notebook's parameters cell
    for chapter in chapters.registry().values():
        if sync_parameters_cell(chapter):
            print(f"updated {chapter.notebook}")
