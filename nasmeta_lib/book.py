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
from nasmeta_lib.paths import BOOK_DIR, EXECUTED_DIR, NOTEBOOK_DIR, REPO_ROOT
from nasmeta_lib.report import VERDICT_MARKS
from nasmeta_lib.results import Result, result_path

PROFILES = ("full", "quick")  # preference order on the ledger


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


def current_results() -> dict[str, tuple[Path, Result]]:
    """Per chapter, the result of its *current* profile parameters: full over quick.

    Results of older parameter sets or of an older version of the chapter's analysis (stale files
    in ``results/``) are never shown.
    """
    found = {}
    for name, chapter in chapters.registry().items():
        for profile in PROFILES:
            params = chapter.resolve(profile)
            result = chapter.saved(profile, params)
            if result is not None:
                found[name] = (result_path(name, profile, params), result)
                break
    return found


def ledger_frame() -> pd.DataFrame:
    """One row per claim of every registered chapter (a 'not run' row where no result exists)."""
    rows = []
    found = current_results()
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
                "result file": f"results/{path.parent.name}/{path.name}",
            })
    return pd.DataFrame(rows)


def _html_table(frame: pd.DataFrame) -> str:
    return _mark_verdicts(frame.to_html(index=False, classes="ledger-table", escape=True, border=0))


def ledger_page() -> str:
    """The claims ledger: a per-chapter summary, then every claim, grouped by chapter."""
    frame = ledger_frame()
    lines = [
        "# Claims ledger",
        "",
        "Every checked claim: the paper's number, ours, and the verdict computed by the chapter's code "
        "from our run. This page is generated from the `results/` files at build time; a full-profile "
        "result (GPU) is shown when one exists, else the quick profile (CPU), whose smaller budgets "
        "often cap a verdict at *partly* (each chapter says why).",
        "",
    ]
    if frame.empty:
        return "\n".join(lines + ["No results yet: run `make book`."])
    summary = (
        frame.groupby("chapter", sort=False)
        .agg(claims=("claim", "size"), profile=("profile", "first"), result=("result file", "first"),
             **{mark.lower(): ("verdict", lambda v, m=mark: int((v == m).sum())) for mark in VERDICT_MARKS.values()})
        .reset_index()
    )
    lines += ["## Summary", "", '<div class="ledger">', "", _html_table(summary), "", "</div>", ""]
    for chapter, claims in frame.groupby("chapter", sort=False):
        lines += [f"## {chapter}", "", '<div class="ledger">', "",
                  _html_table(claims[["claim", "paper", "ours", "verdict", "profile"]]), "", "</div>", ""]
    return "\n".join(lines)


def _mark_verdicts(html: str) -> str:
    """Give verdict cells a CSS class (book/_static/ledger.css colours them)."""
    for verdict, mark in VERDICT_MARKS.items():
        html = html.replace(f"<td>{mark}</td>", f'<td class="verdict verdict-{verdict.replace(" ", "-")}">{mark}</td>')
    return html


# The order a newcomer should read the chapters in (see the intro's learning path); chapters not
# listed here follow in registry order.
READING_ORDER = ("tour", "proxies", "nb360", "robot", "gennas", "advantagenas", "metalearning")
# Pages executed from notebooks/ like the chapters, but without a claim or a result file.
TEACHING_NOTEBOOKS = ("primer", "lab_solutions")


def teaching_pages() -> dict[str, bool]:
    """Execute the primer and the lab (with solutions, default size) into ``book/chapters/`` and write
    the instructors' page from the exercises registry; returns which notebooks are ready.

    A notebook that fails is left out of the book (and reported), as a failing chapter is.
    """
    import papermill

    from nasmeta_lib import exercises
    from nasmeta_lib.run import KERNEL, _kernel_environment

    (BOOK_DIR / "instructors.md").write_text(exercises.instructors_page())
    ready = {}
    EXECUTED_DIR.mkdir(parents=True, exist_ok=True)
    for name in TEACHING_NOTEBOOKS:
        source, out = NOTEBOOK_DIR / f"{name}.ipynb", EXECUTED_DIR / f"{name}.ipynb"
        tmp = out.with_name(f".{name}.running.ipynb")
        try:
            with _kernel_environment():
                papermill.execute_notebook(str(source), str(tmp), kernel_name=KERNEL, progress_bar=False,
                                           cwd=str(NOTEBOOK_DIR))
            tmp.replace(out)
            ready[name] = True
        except Exception as exc:  # the book still builds; the page is missing and the reason printed
            print(f"!! {name} notebook failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            ready[name] = False
    return ready


def _chapter_entries() -> list[str]:
    registry = chapters.registry()
    ordered = [n for n in READING_ORDER if n in registry] + [n for n in registry if n not in READING_ORDER]
    return [f"      - file: book/chapters/{registry[n].notebook.stem}" for n in ordered
            if (EXECUTED_DIR / registry[n].notebook.name).exists()]


def toc() -> str:
    """Start here (primer, glossary, install), the chapters in reading order, the hands-on lab, then the
    reference pages. Prepares the teaching pages first (:func:`teaching_pages`)."""
    ready = teaching_pages()
    start = ["      - file: book/chapters/primer"] if ready.get("primer") else []
    lines = ["format: jb-book", "root: book/intro", "parts:",
             "  - caption: Start here", "    chapters:", *start,
             "      - file: book/glossary", "      - file: book/install", "      - file: book/troubleshooting",
             "  - caption: Claims", "    chapters:", *_chapter_entries()]
    if ready.get("lab_solutions"):
        lines += ["  - caption: Hands-on", "    chapters:", "      - file: book/chapters/lab_solutions"]
    lines += ["  - caption: Reference", "    chapters:",
              "      - file: book/how-to-rerun", "      - file: book/data", "      - file: book/ledger",
              "      - file: book/references", "      - file: book/instructors"]
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
