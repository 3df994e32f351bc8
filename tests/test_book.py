"""End to end: papermill executes the tour notebook, Jupyter Book builds the HTML offline."""

from __future__ import annotations

import json

import pytest

from nasmeta_lib import book, run
from nasmeta_lib.notebook import parameters_source
from nasmeta_lib.params import ParameterError
from nasmeta_lib.paths import REPO_ROOT


def test_notebooks_have_a_kernelspec_and_a_parameters_cell():
    from nasmeta_lib import chapters

    for chapter in chapters.registry().values():
        nb = json.loads(chapter.notebook.read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "python3", chapter.name
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{chapter.name}: needs exactly one cell tagged 'parameters'"
        source = "".join(tagged[0]["source"])
        assert source == parameters_source(chapter), \
            f"{chapter.name}: parameters cell is stale; run `python -m nasmeta_lib.notebook`"
        assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), \
            f"{chapter.name}: commit notebooks without outputs"
        code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code" and c is not tagged[0])
        passed = {p.name for p in chapter.params if f"{p.name}={p.name}" in code}
        assert passed == {p.name for p in chapter.params}, \
            f"{chapter.name}: the notebook ignores papermill values of {sorted({p.name for p in chapter.params} - passed)}"


def test_bad_parameters_stop_before_a_kernel_starts(tmp_path):
    with pytest.raises(ParameterError, match="unknown parameter"):
        run.run_notebook("tour", "quick", {"nope": 1}, output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_tour_notebook_executes_and_the_book_builds_with_ledger_and_figures():
    executed = run.run_notebook("tour", "quick", progress=False)  # the ledger shows current-profile results
    nb = json.loads(executed.read_text())
    assert any("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
    index = book.build_html()
    assert index.exists()
    html = REPO_ROOT / "_build" / "html"
    ledger = (html / "book" / "ledger.html").read_text()
    assert "ledger-table" in ledger and "REPRODUCED" in ledger and "Suite-Zero" in ledger
    tour = (html / "book" / "chapters" / "tour.html").read_text()
    assert tour.count("<img") >= 2
    assert "verified" in (html / "book" / "data.html").read_text()


def test_ledger_lists_every_chapter_even_without_results(tmp_path, monkeypatch):
    from nasmeta_lib import chapters

    monkeypatch.setenv("NASMETA_RESULTS", str(tmp_path / "empty"))
    frame = book.ledger_frame()
    assert set(frame["chapter"]) == {c.title for c in chapters.registry().values()}
    assert (frame["ours"] == "no result yet").all()
    assert "NOT RUN" in book.ledger_page()


def test_ledger_skips_a_result_written_by_an_older_version_of_the_chapter(tmp_path, monkeypatch):
    from nasmeta_lib import chapters

    monkeypatch.setenv("NASMETA_RESULTS", str(tmp_path))
    tour = chapters.get("tour")
    tour.execute("quick", progress=False)
    assert "tour" in book.current_results()
    object.__setattr__(tour, "version", tour.version + 1)  # the analysis changed (Chapter is frozen)
    try:
        assert "tour" not in book.current_results()
        assert (book.ledger_frame().query("chapter == @tour.title")["ours"] == "no result yet").all()
    finally:
        object.__setattr__(tour, "version", tour.version - 1)
