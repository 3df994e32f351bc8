"""End to end: papermill executes the tour notebook, Jupyter Book builds the HTML offline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from nasmeta_lib import book, run
from nasmeta_lib.notebook import parameters_source
from nasmeta_lib.params import ParameterError
from nasmeta_lib.paths import EXECUTED_DIR, REPO_ROOT


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


def _build_tour_book() -> Path:
    """Execute the tour at the profile the ledger shows, and build the book strictly."""
    profile = book.reader_profile("tour")
    run.run_notebook("tour", profile, progress=False)
    return book.build_html()


@pytest.mark.slow
def test_tour_notebook_executes_and_the_book_builds_with_ledger_and_figures():
    index = _build_tour_book()
    assert index.exists()
    nb = json.loads((EXECUTED_DIR / "tour.ipynb").read_text())
    assert any("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
    assert all("hide-input" in c["metadata"]["tags"] for c in nb["cells"] if c["cell_type"] == "code")
    html = REPO_ROOT / "_build" / "html"
    ledger = (html / "book" / "ledger.html").read_text()
    # the tour judges no paper's claim: its loading checks are counted apart on the ledger
    assert "ledger-table" in ledger and "checks passed" in ledger and "ledger-verdicts.svg" in ledger
    assert "inconclusive" in ledger  # the rule is explained on the page
    tour = (html / "book" / "chapters" / "tour.html").read_text()
    assert tour.count("<img") >= 2 and tour.count("figure-caption") >= 2
    assert "Suite-Zero&#x27;s NB201 sample" in tour  # a check row (HTML-escaped apostrophe)
    assert f"This page shows the {book.reader_profile('tour')} profile" in tour
    assert "verified" in (html / "book" / "data.html").read_text()
    assert "cdn.jsdelivr" not in tour and (html / "_static" / "mathjax" / "tex-chtml.js").exists()


@pytest.mark.slow
def test_every_built_page_passes_the_browser_check():
    """Headless Chromium opens every page: math rendered, images loaded, no traceback, warning,
    local path or broken link (tools/browser_check.py)."""
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    import browser_check

    if browser_check.browser() is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; .ci/run tries that)")
    _build_tour_book()
    assert browser_check.main([]) == 0  # its output names each failing page and problem
    assert (REPO_ROOT / "_build" / "screenshots" / "book_ledger.png").exists()


def test_a_chapter_page_shows_the_profile_the_ledger_shows(tmp_path, monkeypatch):
    from nasmeta_lib import chapters

    monkeypatch.setenv("NASMETA_RESULTS", str(tmp_path))
    tour = chapters.get("tour")
    assert book.reader_profile("tour") == "quick"  # no full result: quick, never a full recompute
    full = tour.execute("full", progress=False)
    assert book.reader_profile("tour") == "full"
    assert book.current_results()["tour"][1].profile == full.profile
    object.__setattr__(tour, "version", tour.version + 1)  # the committed full result is now stale
    try:
        assert book.reader_profile("tour") == "quick"
    finally:
        object.__setattr__(tour, "version", tour.version - 1)


def test_a_failed_chapter_becomes_an_execution_report_page(tmp_path, monkeypatch):
    from nasmeta_lib import chapters

    monkeypatch.setattr(book, "EXECUTED_DIR", tmp_path)
    out = book.write_execution_report("robot", "quick", ValueError(f"bad file {REPO_ROOT}/results/x.json"))
    text = json.loads(out.read_text())["cells"][0]["source"]
    text = "".join(text) if isinstance(text, list) else text
    assert text.startswith(f"# {chapters.get('robot').title}") and "Execution report" in text
    assert "ValueError: bad file x.json" in text and str(REPO_ROOT) not in text


def test_executed_copies_hide_code_behind_toggles(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("1")])
    path = tmp_path / "t.ipynb"
    nbformat.write(nb, path)
    book.prepare_for_readers(path)
    cells = nbformat.read(path, as_version=4).cells
    assert cells[1].metadata["tags"] == ["hide-input"] and cells[0].metadata["tags"] == []


def test_verdict_overview_counts_every_verdict_even_new_ones():
    import matplotlib

    matplotlib.use("Agg")
    from nasmeta_lib.plots.ledger import verdict_overview

    verdicts = pd.DataFrame({"chapter": ["A", "A", "B"], "verdict": ["reproduced", "inconclusive", "partly"]})
    fig = verdict_overview(verdicts, ["reproduced", "partly", "inconclusive"], {"reproduced": "REPRODUCED"})
    ax = fig.axes[0]
    widths = sorted(p.get_width() for p in ax.patches if p.get_width())
    assert widths == [1, 1, 1] and [t.get_text() for t in ax.get_legend().get_texts()][-1] == "inconclusive"


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


def test_notebooks_show_tables_and_figures_through_the_reader_helpers():
    """A bare DataFrame prints its index and every digit; a bare plot call has no provenance caption."""
    import re

    from nasmeta_lib import chapters

    for chapter in chapters.registry().values():
        nb = json.loads(chapter.notebook.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            lines = "".join(cell["source"]).splitlines()
            assert not any(re.match(r"\s*plots\.\w+\(", line) for line in lines), \
                f"{chapter.name}: draw figures with report.show(plots.X, result, ...)"
            assert not (lines and re.match(r"(result\.tables|\w+\[)", lines[-1])), \
                f"{chapter.name}: show tables with report.table(...): {lines[-1]}"
