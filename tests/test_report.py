"""What a reader sees: tables for reading, claims anchored by id, figures with their provenance."""

from __future__ import annotations

import pandas as pd

from nasmeta_lib import report
from nasmeta_lib.results import Claim, Result
from nasmeta_lib.verdicts import Interval, Rule, judge


def _result(**claim_fields) -> Result:
    claim = Claim(id="tour.nb201-mapping", statement="s", paper="0.9", ours="0.95", verdict="partly", **claim_fields)
    return Result(chapter="tour", profile="quick", params={"benchmarks": ["nb201"]}, claims=[claim],
                  provenance={"git_sha": "0123456789abcdef", "device": "cpu", "seconds": 3.0})


def test_table_has_no_index_rounds_and_names_columns_in_words():
    frame = pd.DataFrame({"share_of_steps": [0.123456, 2.0], "n_archs": [3, 4]}, index=[7, 9])  # e.g. filtered
    html = report.table(frame, digits=2, units={"share_of_steps": "%"})._repr_html_()
    assert "index" not in html and ">7<" not in html
    keyed = report.table(frame.rename_axis("setting"))._repr_html_()
    assert "<th>setting</th>" in keyed  # a named index (groupby, pivot keys) stays, as a column
    assert "share of steps (%)" in html and "0.12" in html and "0.123" not in html
    assert "long-table" not in html


def test_long_tables_scroll_and_multiindex_columns_flatten():
    frame = pd.DataFrame({"x": range(40)}).assign(g=lambda f: f.x % 2).groupby("g").agg(["mean", "std"])
    assert "<th>x mean</th>" in report.table(frame)._repr_html_()
    long = report.table(pd.DataFrame({"x": range(40)}))._repr_html_()
    assert "long-table" in long and "40 rows" in long


def test_claims_rows_are_anchored_by_id_and_show_rule_interval_and_controls():
    html = report.claims(_result())._repr_html_()
    assert 'id="claim-tour-nb201-mapping"' in html and "verdict-partly" in html and "PARTLY" in html
    judged = judge("x.gain", "s", "p", "o", Rule("gain", ">", 0.0), Interval(0.2, 0.1, 0.3),
                   controls={"random search": Interval(0.0, -0.1, 0.1)})
    html = report.claims(Result("x", "quick", {}, claims=[judged]))._repr_html_()
    assert "gain &gt; 0" in html and "0.2 [0.1, 0.3]" in html and "random search: INCONCLUSIVE" in html
    assert report.claim_anchor("tour.nb201-mapping") == "claim-tour-nb201-mapping"


def test_the_verdict_and_interval_stand_beside_the_statement():
    """Where the claims table is wider than the page and scrolls, its first columns still say what was found."""
    html = report.claims(_result())._repr_html_()
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert head.startswith("<tr><th>statement</th><th>verdict</th><th>interval (95%)</th>"), head


def test_sentence_tables_wrap_and_number_tables_do_not():
    frame = pd.DataFrame({"check": ["a long sentence"], "passed": [True]})
    assert 'class="prose-table"' in report.table(frame, prose=True)._repr_html_()
    assert "prose-table" not in report.table(frame)._repr_html_()


def test_figure_caption_names_the_function_the_file_and_the_commit():
    from nasmeta_lib.plots import tour

    caption = report.figure_caption(tour.accuracy_ecdfs, _result())
    assert "nasmeta_lib.plots.tour.accuracy_ecdfs" in caption and "results/tour/quick-" in caption
    assert "0123456789ab" in caption


def test_profile_paragraph_is_written_from_the_chapter_profiles():
    from nasmeta_lib import chapters

    text = report.profile_paragraph(_result()).data
    assert text.startswith("**This page shows the quick profile**")
    full = chapters.get("tour").resolve("full")
    if full != {"benchmarks": ["nb201"]}:
        assert "The full profile differs in" in text


def test_warnings_are_collected_not_printed(capsys):
    import warnings

    saved = warnings.showwarning
    try:
        log = report.capture_warnings()
        warnings.warn("invalid value encountered in divide", RuntimeWarning)
        warnings.warn("invalid value encountered in divide", RuntimeWarning)
    finally:
        warnings.showwarning = saved
    assert capsys.readouterr().err == ""
    summary = log.summary().data
    assert "invalid value encountered in divide (RuntimeWarning, 2x)" in summary and "/" not in summary.split(":")[0]
