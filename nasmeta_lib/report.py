"""Presentation helpers shared by every chapter notebook: what a reader of the book sees.

Notebooks stay thin: they call these helpers so that every page states its profile the same way,
every table reads the same (no index, rounded, column names in words) and every figure says which
function drew it from which result file.
"""

from __future__ import annotations

import html
import re
import warnings
from collections import Counter
from collections.abc import Mapping
from typing import Any, Callable

import pandas as pd

from nasmeta_lib.paths import results_dir
from nasmeta_lib.results import Result, duration, result_path
from nasmeta_lib.verdicts import Claim

VERDICT_MARKS = {"reproduced": "REPRODUCED", "partly": "PARTLY", "inconclusive": "INCONCLUSIVE",
                 "not reproduced": "NOT REPRODUCED", "not run": "NOT RUN"}
LONG_TABLE = 15  # rows; longer tables scroll inside a box (CSS class ``long-table``)


# ----------------------------------------------------------------------------- claims


def claim_anchor(claim_id: str) -> str:
    """The HTML id of a claim's row in its chapter's claims table (the ledger links to it)."""
    return "claim-" + re.sub(r"[^A-Za-z0-9_-]+", "-", claim_id).strip("-")


def claims(result: Result) -> "Html":
    """The claims table for readers: one row per claim, anchored by its id, with the verdict
    (coloured) and our interval beside the statement, where a table wider than the page still shows
    them, then the paper's numbers and ours, the rule and what it says of the negative controls."""
    if not result.claims:
        return Html("<p>No claims of a paper are judged in this run (see the checks below).</p>")
    columns = ("statement", "verdict", "interval (95%)", "paper", "ours", "rule", "negative controls", "evidence")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = []
    for c in result.claims:
        values = (c.statement, None, str(c.interval) if c.interval else "", c.paper, c.ours, c.rule,
                  controls_text(c), c.evidence)
        cells = [f'<td class="verdict verdict-{c.verdict.replace(" ", "-")}">{VERDICT_MARKS[c.verdict]}</td>'
                 if col == "verdict" else f'<td class="{col.split()[0]}">{html.escape(v)}</td>'
                 for col, v in zip(columns, values)]
        rows.append(f'<tr id="{claim_anchor(c.id)}">{"".join(cells)}</tr>')
    return Html(f'<div class="reader-table"><table class="claims-table"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></div>')


def controls_text(claim: Claim) -> str:
    """The claim's negative controls, e.g. "random search: NOT REPRODUCED -3.1 [-4.0, -2.2]"."""
    return "; ".join(f"{c.method}: {VERDICT_MARKS[c.verdict]}" + (f" {c.interval}" if c.interval else "")
                     for c in claim.controls)


def checks(result: Result) -> "Html":
    """Sanity checks (identities, arithmetic, internal targets): shown apart, never counted as reproductions."""
    if not result.checks:
        return Html("<p>No sanity checks in this run.</p>")
    return table(pd.DataFrame([{"check": c.statement, "passed": c.passed, "detail": c.detail} for c in result.checks]),
                 prose=True)


def rule_changes(result: Result) -> "Html":
    """Rules the chapter changed after results were seen: the change, the verdict the previous
    version gave and the verdict of the result on this page."""
    from nasmeta_lib import chapters

    now = {c.id: VERDICT_MARKS[c.verdict] for c in result.claims}
    changes = chapters.get(result.chapter).rule_changes
    if not changes:
        return Html("<p>No rule has changed since the first version of this chapter.</p>")
    return table(pd.DataFrame([{"version": r.version, "claim": r.claim, "change": r.change,
                                "verdict before": VERDICT_MARKS.get(r.before, r.before),
                                "verdict now": now.get(r.claim, "-")} for r in changes]), prose=True)


# ----------------------------------------------------------------------------- profile and provenance


def result_file(result: Result) -> str:
    """The result's file, relative to the results folder's parent (``results/<chapter>/<file>``)."""
    path = result_path(result.chapter, result.profile, result.params)
    return f"{results_dir().name}/{path.parent.name}/{path.name}"


def profile_paragraph(result: Result) -> "Markdown":
    """Which profile this page shows, its parameters, and how the other profile differs.

    Written from the chapter's own profiles, so no profile size is ever typed into prose.
    """
    from IPython.display import Markdown

    from nasmeta_lib import chapters

    chapter = chapters.get(result.chapter)
    p = result.provenance
    if result.profile == "full":
        how = (f"the committed result `{result_file(result)}` (git {p.get('git_sha', '?')[:12]}, "
               f"{p.get('device', '?')}, {duration(p)})")
        if again := p.get("rejudged"):
            how += (f"; its verdicts were judged again by chapter version {result.chapter_version}'s rules (git "
                    f"{again['git_sha'][:12]}) from the tables its version-{again['from_version']} run stored, "
                    "as the rule history at the end of this page says")
    else:
        how = (f"a reduced run computed when this page was built ({p.get('device', '?')}, "
               f"{duration(p)}); its verdicts are capped by the smaller budget")
    lines = [f"**This page shows the {result.profile} profile**: {how}. Parameters: "
             + "; ".join(f"{k} {_value(v)}" for k, v in result.params.items()) + "."]
    for other in chapter.profiles:
        if other == result.profile:
            continue
        theirs = chapter.resolve(other)
        diff = [f"{k} {_value(v)}" for k, v in theirs.items() if result.params.get(k) != v]
        if diff:
            lines.append(f"The {other} profile differs in: " + "; ".join(diff) + ".")
    return Markdown(" ".join(lines))


def _value(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        shown = ", ".join(str(x) for x in v[:4])
        return f"[{shown}{', ...' if len(v) > 4 else ''}] ({len(v)})" if len(v) > 4 else f"[{shown}]"
    return str(v)


# ----------------------------------------------------------------------------- tables


class Html:
    """A fragment of HTML that notebooks display as is (``text/html`` output)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


def table(data: pd.DataFrame | pd.Series | Mapping, digits: int = 3, units: Mapping[str, str] | None = None,
          long: int = LONG_TABLE, prose: bool = False) -> Html:
    """A table for reading: no index column, numbers rounded, column names in words, units in the header.

    A meaningful index (groupby, pivot) becomes ordinary columns; a dict becomes a two-column
    quantity/value table; tables longer than ``long`` rows scroll inside a box, and wide ones
    scroll sideways instead of being cut at the page edge. ``prose`` tables (sentences, not
    numbers) wrap their text in the page's width instead.
    """
    frame = _as_frame(data)
    units = units or {}
    header = [_words(c) + (f" ({units[c]})" if c in units else "") for c in frame.columns]
    body = "".join(
        "<tr>" + "".join(f'<td{_align(v)}>{html.escape(_format(v, digits))}</td>' for v in row) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    kind = "reader-table long-table" if len(frame) > long else "reader-table"
    note = f'<p class="table-note">{len(frame)} rows (scroll)</p>' if len(frame) > long else ""
    css = ' class="prose-table"' if prose else ""
    return Html(f'<div class="{kind}"><table{css}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
                f'{note}')


def _as_frame(data: pd.DataFrame | pd.Series | Mapping) -> pd.DataFrame:
    if isinstance(data, Mapping):
        return pd.DataFrame({"quantity": list(data), "value": list(data.values())})
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.copy()
        frame.columns = [" ".join(str(p) for p in col if str(p)) for col in frame.columns]
    named = any(name is not None for name in frame.index.names)  # groupby/pivot keys: keep as columns
    frame = frame.reset_index(drop=not named)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _words(name: str) -> str:
    return str(name).replace("_", " ")


def _format(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10 ** -digits:
            return f"{value:.{max(digits - 2, 1)}e}"
        return f"{value:,.{digits}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_format(v, digits) for v in value)
    return str(value)


def _align(value: Any) -> str:
    return ' class="num"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


# ----------------------------------------------------------------------------- figures


def show(draw: Callable[..., Any], result: Result, *args: Any, **kwargs: Any) -> None:
    """Draw a figure with ``draw(*args, **kwargs)`` and show it with its caption line: the function
    that drew it and the result file and commit it came from."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    out = draw(*args, **kwargs)
    fig = out if isinstance(out, plt.Figure) else out.figure
    display(fig)
    plt.close(fig)
    display(Html(figure_caption(draw, result)))


def figure_caption(draw: Callable[..., Any], result: Result) -> str:
    sha = result.provenance.get("git_sha", "unknown")[:12]
    return (f'<p class="figure-caption">Drawn by <code>{draw.__module__}.{draw.__qualname__}</code> '
            f"from <code>{result_file(result)}</code> (commit {html.escape(sha)}).</p>")


# ----------------------------------------------------------------------------- warnings


class WarningLog:
    """Warnings raised while a page runs, collected instead of printed (printed warnings carry local
    file paths and repeat once per call); :meth:`summary` shows them once, in words."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def record(self, message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ARG002
        self.counts[(category.__name__, str(message).split("\n")[0])] += 1

    def summary(self) -> "Markdown":
        from IPython.display import Markdown

        if not self.counts:
            return Markdown("No warnings were raised while this page ran.")
        items = [f"- {msg} ({cat}, {n}x)" for (cat, msg), n in self.counts.most_common()]
        return Markdown("Warnings raised while this page ran (collected, not printed):\n\n" + "\n".join(items))


def capture_warnings() -> WarningLog:
    """Collect every warning of this kernel into a :class:`WarningLog` instead of printing it."""
    log = WarningLog()
    warnings.simplefilter("default")  # count each distinct warning, as the default filter would show it
    warnings.showwarning = log.record
    return log
