"""Presentation helpers shared by every chapter notebook."""

from __future__ import annotations

import pandas as pd

from nasmeta_lib.results import Result
from nasmeta_lib.verdicts import Claim

VERDICT_MARKS = {"reproduced": "REPRODUCED", "partly": "PARTLY", "inconclusive": "INCONCLUSIVE",
                 "not reproduced": "NOT REPRODUCED", "not run": "NOT RUN"}


def controls_text(claim: Claim) -> str:
    """The claim's negative controls, e.g. "random search: NOT REPRODUCED -3.1 [-4.0, -2.2]"."""
    return "; ".join(f"{c.method}: {VERDICT_MARKS[c.verdict]}" + (f" {c.interval}" if c.interval else "")
                     for c in claim.controls)


def claims_table(result: Result) -> pd.DataFrame:
    """The chapter's claims: the paper's number beside ours, the rule, our interval, the verdict
    and what the same rule says of the negative controls."""
    rows = [{"id": c.id, "statement": c.statement, "paper": c.paper, "ours": c.ours, "rule": c.rule,
             "interval (95%)": str(c.interval) if c.interval else "", "verdict": VERDICT_MARKS[c.verdict],
             "negative controls": controls_text(c), "evidence": c.evidence} for c in result.claims]
    return pd.DataFrame(rows)


def checks_table(result: Result) -> pd.DataFrame:
    """Sanity checks (identities, arithmetic, internal targets): shown apart, never counted as reproductions."""
    return pd.DataFrame([{"id": c.id, "check": c.statement, "passed": "yes" if c.passed else "NO", "detail": c.detail}
                         for c in result.checks])


def provenance_line(result: Result) -> str:
    p = result.provenance
    return (
        f"profile **{result.profile}**, git {p.get('git_sha', '?')[:12]}, {p.get('device', '?')}, "
        f"{p.get('seconds', '?')} s, finished {p.get('finished', '?')}"
    )


def rule_changes_table(chapter, result: Result) -> pd.DataFrame:
    """Rules the chapter changed after results were seen: the change, the verdict the previous
    version gave, and the verdict the current result gives."""
    now = {c.id: VERDICT_MARKS[c.verdict] for c in result.claims}
    return pd.DataFrame([{"version": r.version, "claim": r.claim, "change": r.change,
                          "verdict before": VERDICT_MARKS.get(r.before, r.before), "verdict now": now.get(r.claim, "-")}
                         for r in chapter.rule_changes])
