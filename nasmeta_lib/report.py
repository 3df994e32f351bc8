"""Presentation helpers shared by every chapter notebook."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from nasmeta_lib.results import Result

VERDICT_MARKS = {"reproduced": "REPRODUCED", "partly": "PARTLY", "not reproduced": "NOT REPRODUCED", "not run": "NOT RUN"}


def claims_table(result: Result) -> pd.DataFrame:
    """The chapter's claims: the paper's number beside ours and the computed verdict."""
    frame = pd.DataFrame([asdict(c) for c in result.claims])
    if frame.empty:
        return frame
    frame["verdict"] = frame["verdict"].map(VERDICT_MARKS)
    return frame[["id", "statement", "paper", "ours", "verdict", "evidence"]]


def provenance_line(result: Result) -> str:
    p = result.provenance
    return (
        f"profile **{result.profile}**, git {p.get('git_sha', '?')[:12]}, {p.get('device', '?')}, "
        f"{p.get('seconds', '?')} s, finished {p.get('finished', '?')}"
    )
