"""Committed results are only ever written by a run: their verdicts follow from their own tables.

Each committed full result of a chapter's current version is judged again from its stored tables,
metrics and parameters with the chapter's ``judge``; the claims and checks must come out exactly
as stored. A result of an older version is stale: the ledger never shows it.
"""

import json
from pathlib import Path

import pytest

from nasmeta_lib import book, chapters
from nasmeta_lib.paths import REPO_ROOT
from nasmeta_lib.results import Result

COMMITTED = sorted((REPO_ROOT / "results").glob("*/full-*.json"))


def test_every_chapter_judges_from_stored_tables():
    assert all(c.judge is not None for c in chapters.registry().values())


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_verdicts_are_rederived_from_their_tables(path: Path):
    result = Result.load(path)
    chapter = chapters.get(result.chapter)
    if result.provenance.get("chapter_version", 1) != chapter.version:
        shown = book.current_results().get(result.chapter)
        assert shown is None or shown[0] != path, "a stale result must never be shown"
        return
    claims, checks = chapter.judge(result)
    assert _text(claims) == _text(result.claims)
    # a check's outcome must match; its detail may print a deviation at machine precision (e.g. 6e-15
    # in memory, 0 from the stored tables)
    assert [(c.id, c.statement, c.passed) for c in checks] == [(c.id, c.statement, c.passed) for c in result.checks]


def _text(items) -> str:
    """JSON text of claims or checks with numbers to 8 significant digits: stored tables keep 10, so
    a verdict judged before its tables were written may differ from a re-derived one in the last
    digits of an interval, never in anything a reader sees (NaN compares equal as text)."""
    return json.dumps(_rounded([c.to_dict() for c in items]), sort_keys=True)


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.8g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value
