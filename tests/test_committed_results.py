"""Committed results are only ever written by a run: their verdicts follow from their own tables.

Each committed full result of a chapter's current version is judged again from its stored tables,
metrics and parameters with the chapter's ``judge``: its verdicts must come out exactly as stored,
and where an interval differs in its last digits (a result judged before its tables were stored)
the ledger says so. A result of an older version is stale: the ledger never shows it.
"""

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
    if result.chapter_version != chapter.version:
        shown = book.current_results().get(result.chapter)
        assert shown is None or shown[0] != path, "a stale result must never be shown"
        return
    problem = chapter.rederivation(result)
    assert "verdicts" not in problem, problem
    if problem:  # intervals differ in their last digits: the ledger must say so
        assert problem in book.provenance_flags(result)


def test_a_verdict_that_does_not_follow_from_the_tables_is_caught():
    current = [r for r in map(Result.load, COMMITTED)
               if r.claims and r.chapter_version == chapters.get(r.chapter).version]
    result = current[0]
    result.claims[0].verdict = "reproduced" if result.claims[0].verdict != "reproduced" else "not reproduced"
    assert chapters.get(result.chapter).rederivation(result) == "its verdicts do not follow from its stored tables"
    assert "do not follow" in book.provenance_flags(result)
