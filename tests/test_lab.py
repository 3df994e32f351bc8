"""The hands-on lab: both notebooks come from tools/lab_notebooks.py, the student version holds only
stubs, and the solutions run end to end at a tiny size."""

from __future__ import annotations

import importlib.util
import json
import sys

import nbformat
import pytest

from nasmeta_lib.paths import NOTEBOOK_DIR, REPO_ROOT
from nasmeta_lib.run import _kernel_environment


def _builder():
    spec = importlib.util.spec_from_file_location("lab_notebooks", REPO_ROOT / "tools" / "lab_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("name", "solutions"), [("lab", False), ("lab_solutions", True)])
def test_committed_lab_notebooks_are_what_the_builder_writes(name, solutions):
    committed = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    built = _builder().notebook(solutions)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in built.cells], \
        "run `python tools/lab_notebooks.py`"
    assert not any(c.get("outputs") for c in committed.cells if c.cell_type == "code")


def test_student_version_has_stubs_where_the_solutions_have_code():
    student, solved = (nbformat.read(NOTEBOOK_DIR / f"{n}.ipynb", as_version=4) for n in ("lab", "lab_solutions"))
    tasks = [c for c in student.cells if "task" in c.metadata.get("tags", [])]
    assert len(tasks) == 3 and all("raise NotImplementedError" in c.source for c in tasks)
    solved_tasks = [c for c in solved.cells if "task" in c.metadata.get("tags", [])]
    assert not any("NotImplementedError" in c.source for c in solved_tasks)
    for nb in (student, solved):
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and "repeats = " in params[0].source and nb.metadata.kernelspec.name == "python3"


@pytest.mark.slow
def test_lab_solutions_run_end_to_end_at_tiny_size(tmp_path):
    import papermill

    out = tmp_path / "lab.ipynb"
    with _kernel_environment():  # inline figures, as in the book build
        papermill.execute_notebook(str(NOTEBOOK_DIR / "lab_solutions.ipynb"), str(out), kernel_name="python3",
                                   parameters={"repeats": 1, "budget": 6}, cwd=str(NOTEBOOK_DIR), progress_bar=False)
    nb = json.loads(out.read_text())
    text = "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                   for c in nb["cells"] for o in c.get("outputs", []))
    assert "RoBoT (library)" in text and "REA (ours)" in text and "random search, T=6" in text
    assert any("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))


@pytest.mark.slow
def test_primer_runs_and_draws_its_concept_figures(tmp_path):
    import papermill

    out = tmp_path / "primer.ipynb"
    with _kernel_environment():
        papermill.execute_notebook(str(NOTEBOOK_DIR / "primer.ipynb"), str(out), kernel_name="python3",
                                   cwd=str(NOTEBOOK_DIR), progress_bar=False)
    nb = json.loads(out.read_text())
    figures = sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
    assert figures >= 5
