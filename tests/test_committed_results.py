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
    assert _text(checks) == _text(result.checks)


def _text(items) -> str:
    """JSON text of claims or checks: equal text means equal values, NaN included."""
    return json.dumps([c.to_dict() for c in items], sort_keys=True)
