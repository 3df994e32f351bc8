"""Build the Jupyter Book: table of contents, generated pages (data, ledger), then Sphinx.

Generated pages are written from the manifests and the results files on every build, so no
number in the ledger is ever typed by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from nasmeta_lib import chapters
from nasmeta_lib.data import sources, status
from nasmeta_lib.paths import BOOK_DIR, EXECUTED_DIR, REPO_ROOT
from nasmeta_lib.report import VERDICT_MARKS
from nasmeta_lib.results import Result, all_results

PROFILE_RANK = {"full": 0, "quick": 1}


def data_page() -> str:
    """Markdown for the Data chapter: every manifest source and file, with local status."""
    lines = [
        "# Data",
        "",
        "Every file the project reads is named in a manifest under `data_manifests/` with its "
        "upstream URL(s), sha256, size, licence and citation. The fetcher looks in the local mirror "
        "(`NASMETA_DATA_MIRROR`, default `../shared/data`), then the cache, then the URL, and "
        "verifies the sha256 before use. Third-party data is never committed. The status column is "
        "computed when the book is built.",
        "",
    ]
    for src in sources().values():
        lines += [f"## {src.title}", "", f"- source name: `{src.name}` ({src.manifest.name}), kind: {src.kind}"]
        if src.package:
            lines.append(f"- package: `{src.package}`")
        lines += [f"- licence: {src.licence}", f"- homepage: <{src.homepage}>", f"- citation: {' '.join(src.citation.split())}"]
        if src.notes:
            lines.append(f"- notes: {' '.join(src.notes.split())}")
        rows = []
        for f in src.files:
            st = status(f)
            state = "verified" if st.verified else (st.problem or "missing")
            rows.append({
                "file": f.name, "size (bytes)": f.size or "", "sha256": (f.sha256 or "not recorded")[:16],
                "local status": f"{st.location}: {state}" if st.location != "missing" else state,
                "description": f.description,
            })
        lines += ["", pd.DataFrame(rows).to_markdown(index=False) if rows else "(no files)", ""]
    return "\n".join(lines)


def latest_results() -> dict[str, tuple[Path, Result]]:
    """Per chapter, the result to show: full profile over quick, newest first."""
    best: dict[str, tuple[Path, Result]] = {}
    for path, res in all_results():
        key = (PROFILE_RANK.get(res.profile, 9), -path.stat().st_mtime)
        if res.chapter not in best or key < best[res.chapter][2]:
            best[res.chapter] = (path, res, key)  # type: ignore[assignment]
    return {k: (p, r) for k, (p, r, _) in best.items()}  # type: ignore[misc]


def ledger_frame() -> pd.DataFrame:
    rows = []
    found = latest_results()
    for name, chapter in chapters.registry().items():
        if name not in found:
            rows.append({"chapter": chapter.title, "claim": chapter.claim, "paper": "", "ours": "no result yet",
                         "verdict": VERDICT_MARKS["not run"], "profile": "", "result file": ""})
            continue
        path, res = found[name]
        for c in res.claims:
            rows.append({
                "chapter": chapter.title, "claim": c.statement, "paper": c.paper, "ours": c.ours,
                "verdict": VERDICT_MARKS[c.verdict], "profile": res.profile,
                "result file": str(path.relative_to(path.parents[2])) if len(path.parents) > 2 else path.name,
            })
    return pd.DataFrame(rows)


def ledger_page() -> str:
    frame = ledger_frame()
    counts = frame["verdict"].value_counts().to_dict() if not frame.empty else {}
    summary = ", ".join(f"{v}: {n}" for v, n in counts.items())
    return "\n".join([
        "# Claims ledger",
        "",
        "One row per checked claim: the paper's number, ours, and the verdict computed by the chapter's "
        "code from our run. This page is generated from the `results/` files at build time; a full-profile "
        "result (GPU) is shown when one exists, else the quick profile (CPU).",
        "",
        f"Summary: {summary}" if summary else "No results yet: run `make book`.",
        "",
        '<div class="ledger">',
        "",
        _mark_verdicts(frame.to_html(index=False, classes="ledger-table", escape=True, border=0)) if not frame.empty else "",
        "",
        "</div>",
    ])


def _mark_verdicts(html: str) -> str:
    """Give verdict cells a CSS class (book/_static/ledger.css colours them)."""
    for verdict, mark in VERDICT_MARKS.items():
        html = html.replace(f"<td>{mark}</td>", f'<td class="verdict verdict-{verdict.replace(" ", "-")}">{mark}</td>')
    return html


def toc() -> str:
    lines = ["format: jb-book", "root: book/intro", "parts:", "  - caption: Using nasmeta", "    chapters:",
             "      - file: book/how-to-rerun", "      - file: book/data", "      - file: book/ledger",
             "  - caption: Claims", "    chapters:"]
    for chapter in chapters.registry().values():
        executed = EXECUTED_DIR / chapter.notebook.name
        if executed.exists():
            lines.append(f"      - file: book/chapters/{chapter.notebook.stem}")
    return "\n".join(lines) + "\n"


def write_generated_pages() -> None:
    (BOOK_DIR / "data.md").write_text(data_page())
    (BOOK_DIR / "ledger.md").write_text(ledger_page())
    (REPO_ROOT / "_toc.yml").write_text(toc())


def build_html(strict: bool = False) -> Path:
    """Write generated pages and run Jupyter Book 1.x (offline); returns the index.html path."""
    write_generated_pages()
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO_ROOT)]
    if strict:
        cmd.append("-W")
    subprocess.run(cmd, check=True, cwd=REPO_ROOT)
    return REPO_ROOT / "_build" / "html" / "index.html"
