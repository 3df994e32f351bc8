"""Build the Jupyter Book: table of contents, generated pages (data, ledger), then Sphinx.

Generated pages are written from the manifests and the results files on every build, so no
number in the ledger is ever typed by hand.
"""

from __future__ import annotations

import html
import logging
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd

from nasmeta_lib import chapters
from nasmeta_lib.data import sources, status
from nasmeta_lib.paths import BOOK_DIR, EXECUTED_DIR, NOTEBOOK_DIR, REPO_ROOT
from nasmeta_lib.report import VERDICT_MARKS, claim_anchor, controls_text
from nasmeta_lib.results import VERDICTS, Result, ResultFileError, result_path

log = logging.getLogger(__name__)
PROFILES = ("full", "quick")  # preference order on the ledger


class BookError(RuntimeError):
    """The HTML build failed (Sphinx reported warnings or errors)."""


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
            try:
                result = chapter.saved(profile, params)
            except ResultFileError as exc:  # shown as missing, never half-read
                log.warning("%s", exc)
                continue
            if result is not None:
                found[name] = (result_path(name, profile, params), result)
                break
    return found


def reader_profile(name: str) -> str:
    """The profile a chapter's page is built with: the one the ledger shows (see
    :func:`current_results`), so page and ledger never give two numbers for one claim.

    A current full result is reused by ``Chapter.execute`` (fast); a stale one (older chapter
    version) would be recomputed for hours, so the page falls back to the quick profile.
    """
    chapter = chapters.get(name)
    for profile in PROFILES:
        if profile == "quick" or chapter.saved(profile, chapter.resolve(profile)) is not None:
            return profile
    return "quick"


def ledger_frame() -> pd.DataFrame:
    """One row per claim of every registered chapter (a 'not run' row where no result exists)."""
    rows = []
    found = current_results()
    for name, chapter in chapters.registry().items():
        if name not in found:
            rows.append({"chapter": chapter.title, "name": name, "claim": chapter.claim, "paper": "", "ours": "no result yet",
                         "interval (95%)": "", "verdict": VERDICT_MARKS["not run"], "negative controls": "", "profile": "",
                         "result file": "", "provenance": ""})
            continue
        path, res = found[name]
        for c in res.claims:
            rows.append({
                "chapter": chapter.title, "name": name, "claim": c.statement, "paper": c.paper, "ours": c.ours,
                "interval (95%)": str(c.interval) if c.interval else "", "verdict": VERDICT_MARKS[c.verdict],
                "negative controls": controls_text(c), "profile": res.profile,
                "result file": f"results/{path.parent.name}/{path.name}", "provenance": provenance_flags(res),
                "link": (f"chapters/{chapter.notebook.stem}.html#{claim_anchor(c.id)}"
                         if (EXECUTED_DIR / chapter.notebook.name).exists() else None),
            })
    return pd.DataFrame(rows)


def provenance_flags(result: Result) -> str:
    """What a reader should know about where a result came from: written from uncommitted code
    (``-dirty`` sha), from an unknown commit, without a record of the data files it read, or judged
    again after a rule change (by which commit)."""
    sha = str(result.provenance.get("git_sha", "unknown"))
    flags = []
    if sha.endswith("-dirty"):
        flags.append("uncommitted changes (dirty tree)")
    elif sha.endswith("-changed"):
        flags.append("the checkout changed while it ran")
    elif sha == "unknown":
        flags.append("unknown commit")
    if "data" not in result.provenance:
        flags.append("data not recorded")
    if again := result.provenance.get("rejudged"):
        judge_sha = str(again.get("git_sha", "unknown"))
        flags.append(f"verdicts judged again by chapter version {result.chapter_version}'s rules "
                     + ("from uncommitted changes" if judge_sha.endswith("-dirty") else f"at git {judge_sha[:12]}"))
    chapter = chapters.registry().get(result.chapter)
    if chapter is not None and result.chapter_version == chapter.version:
        if problem := chapter.rederivation(result):
            flags.append(problem)
    return "; ".join(flags) or "ok"


def _html_table(frame: pd.DataFrame) -> str:
    """The table as HTML in a box that scrolls sideways where it is wider than the text column."""
    html_table = _mark_verdicts(frame.to_html(index=False, classes="ledger-table", escape=False, border=0))
    return f'<div class="ledger-scroll">\n{html_table}\n</div>'


def _escaped(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(lambda v: html.escape(str(v)))


def _linked_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims with each statement linked to its row in the chapter's claims table."""
    out = _escaped(claims[["claim", "paper", "ours", "interval (95%)", "verdict", "negative controls"]])
    if "link" in claims:
        out["claim"] = [f'<a href="{link}">{text}</a>' if isinstance(link, str) else text
                        for link, text in zip(claims["link"], out["claim"])]
    return out


VERDICT_FIGURE = "ledger-verdicts.svg"


def write_verdict_figure(frame: pd.DataFrame) -> str:
    """Draw the ledger's overview figure beside the page (claims of chapters with a result, as
    the summary table counts them); returns its file name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nasmeta_lib.plots.ledger import verdict_overview

    words = {mark: verdict for verdict, mark in VERDICT_MARKS.items()}
    judged = frame[frame["result file"] != ""]  # a chapter without a result has no claims to count
    verdicts = judged.assign(chapter=judged["name"], verdict=judged["verdict"].map(words))  # short names on the axis
    fig = verdict_overview(verdicts, [v for v in VERDICTS if v in VERDICT_MARKS], VERDICT_MARKS)
    fig.savefig(BOOK_DIR / VERDICT_FIGURE, metadata={"Date": None})
    plt.close(fig)
    return VERDICT_FIGURE


def summary_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Per chapter: claims counted by verdict, sanity checks counted apart (passed / all), and
    which result file they come from."""
    found = current_results()
    rows = []
    for name, chapter in chapters.registry().items():
        claims = frame[frame["name"] == name]
        path, res = found.get(name, (None, None))
        row = {"chapter": chapter.title, "profile": res.profile if res else "",
               "claims": len(res.claims) if res else 0}
        row |= {mark.lower(): int((claims["verdict"] == mark).sum()) if res else 0 for mark in VERDICT_MARKS.values()}
        row |= {"checks passed": f"{sum(c.passed for c in res.checks)} / {len(res.checks)}" if res else "",
                "result": f"results/{path.parent.name}/{path.name}" if path else "no result yet",
                "provenance": provenance_flags(res) if res else ""}
        rows.append(row)
    return pd.DataFrame(rows)


def ledger_page() -> str:
    """The claims ledger: a per-chapter summary, then every claim, grouped by chapter."""
    frame = ledger_frame()
    lines = [
        "# Claims ledger",
        "",
        "Every checked claim: the paper's number, ours, and the verdict computed by the chapter's code "
        "from our run. One rule decides every verdict: the claim's quantity is estimated with a 95% "
        "interval over its units (seeds, settings, cells); *reproduced* when the whole interval lies on "
        "the side the paper claims, *not reproduced* when it lies on the other side, *inconclusive* when "
        "the run cannot tell, *partly* when a claim made per task holds on some tasks and fails on others. "
        "The same rule is applied to negative controls (random search, REA, a mean predictor): a claim "
        "whose control also passes cannot be reproduced. Sanity checks (identities, arithmetic, internal "
        "targets) are counted apart, never as reproductions. This page is generated from the `results/` "
        "files at build time; a full-profile result is shown when one exists, else the quick profile, "
        "whose paper claims are usually not run (each chapter says why). The provenance column flags a result "
        "written from uncommitted code, from an unknown commit, or without a record of the data files it "
        "read (results written before such records were kept), and says when a result's verdicts were judged "
        "again from its stored tables after a rule change (the chapter's rule history shows the change); a "
        "result whose recorded data files are no longer the ones the manifests name is recomputed, never shown.",
        "",
    ]
    if frame.empty:
        return "\n".join(lines + ["No results yet: run `make book`."])
    summary = summary_frame(frame)
    figure = write_verdict_figure(frame)
    lines += ["## Summary", "", f"![Number of claims per chapter and verdict]({figure})", "",
              "Claims per chapter and verdict, drawn by `nasmeta_lib.plots.ledger.verdict_overview` "
              "from the result files listed below.", "",
              '<div class="ledger">', "", _html_table(_escaped(summary)), "", "</div>", ""]
    for chapter, claims in frame.groupby("chapter", sort=False):
        lines += [f"## {chapter}", "", "Each claim links to its row in the chapter's verdicts.", "",
                  '<div class="ledger">', "", _html_table(_linked_claims(claims)), "", "</div>", ""]
    return "\n".join(lines)


def _mark_verdicts(html: str) -> str:
    """Give verdict cells a CSS class (_static/ledger.css colours them)."""
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


# The intro's learning path: page (under book/chapters/), what it adds to a newcomer's understanding.
LEARNING_PATH = (
    ("1", "primer", "every concept the chapters use, with figures drawn by code (30 min)"),
    ("2", "tour", "the benchmarks themselves: sizes, accuracy distributions, rank transfer between tasks"),
    ("3", "proxies", "the 13 zero-cost proxies computed live and checked against stored values"),
    ("4", "nb360", "does NAS tuned on images transfer to other tasks? (start with the tabular part)"),
    ("5", "robot", "combining proxies with Bayesian optimisation under a query budget"),
    ("6", "gennas", "ranking by a few seconds of training on synthetic signals"),
    ("7", "advantagenas", "supernets, sparse propagation and gradient estimators"),
    ("8", "metalearning", "few-shot predictors with MAML, FOMAML and Reptile"),
    ("lab", "lab_solutions", "write rank correlation, random search and regularised evolution yourself; compare "
                             "with RoBoT (90 min)"),
)


def learning_path(ready: dict[str, bool]) -> str:
    """The intro's learning-path table, linking the pages this build has (a partial build names the
    others without a link, so the strict build never points at a missing page)."""
    rows = ["| step | page | what it adds |", "|---|---|---|"]
    for step, page, adds in LEARNING_PATH:
        built = ready.get(page, (EXECUTED_DIR / f"{page}.ipynb").exists())  # teaching pages: did they execute
        link = f"{{doc}}`chapters/{page}`" if built else f"`{page}` (not built in this copy of the book)"
        if page == "primer":
            link += " (and the {doc}`glossary`)"
        rows.append(f"| {step} | {link} | {adds} |")
    return "\n".join(rows) + "\n"


def _chapter_entries() -> list[str]:
    registry = chapters.registry()
    ordered = [n for n in READING_ORDER if n in registry] + [n for n in registry if n not in READING_ORDER]
    return [f"      - file: book/chapters/{registry[n].notebook.stem}" for n in ordered
            if (EXECUTED_DIR / registry[n].notebook.name).exists()]


def toc(ready: dict[str, bool]) -> str:
    """Start here (primer, glossary, install), the chapters in reading order, the hands-on lab, then the
    reference pages; ``ready`` says which teaching notebooks executed (:func:`teaching_pages`)."""
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


def write_execution_report(name: str, profile: str, error: BaseException) -> Path:
    """Stand a page in for a chapter whose notebook failed: its title, the error, and how to rerun.

    The chapter keeps its place in the book instead of vanishing; local paths are left out.
    """
    chapter = chapters.get(name)
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    message = re.sub(r"(/[\w.+-]+)+/", "", f"{ename}: {evalue}").strip()  # no local paths
    text = "\n".join([
        f"# {chapter.title}",
        "",
        f"**Execution report: this chapter's notebook failed** (profile {profile}), so this page shows "
        "the error instead of the chapter. The claims ledger shows the chapter's last current result, if any.",
        "",
        "```text",
        message.splitlines()[0] if message else ename,
        "```",
        "",
        f"Rerun it on its own to see the whole traceback: `nasmeta run {name} --profile {profile}`.",
    ])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    EXECUTED_DIR.mkdir(parents=True, exist_ok=True)
    out = EXECUTED_DIR / chapter.notebook.name
    nbformat.write(nb, out)
    return out


def prepare_for_readers(notebook: Path) -> None:
    """Collapse every code cell of an executed copy behind a toggle (``hide-input``); its output
    stays. Only the copies in the book are changed: the source notebooks stay runnable as they are."""
    nb = nbformat.read(notebook, as_version=4)
    changed = False
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if cell.cell_type == "code" and "hide-input" not in tags:
            tags.append("hide-input")
            changed = True
    if changed:
        nbformat.write(nb, notebook)


def write_generated_pages() -> None:
    ready = teaching_pages()
    for notebook in EXECUTED_DIR.glob("*.ipynb"):
        prepare_for_readers(notebook)
    (BOOK_DIR / "data.md").write_text(data_page())
    (BOOK_DIR / "ledger.md").write_text(ledger_page())
    (BOOK_DIR / "learning-path.md").write_text(learning_path(ready))
    (REPO_ROOT / "_toc.yml").write_text(toc(ready))


def build_html(strict: bool = True) -> Path:
    """Write generated pages and run Jupyter Book 1.x (offline); returns the index.html path.

    Strict by default: any Sphinx warning (a broken reference, a missing image) fails the build,
    after reporting all of them (``-n -W --keep-going``).
    """
    write_generated_pages()
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO_ROOT)]
    if strict:
        cmd += ["-n", "-W", "--keep-going"]
    if subprocess.run(cmd, cwd=REPO_ROOT).returncode != 0:
        raise BookError("the book build failed: see the Sphinx warnings above (the build is strict)")
    return REPO_ROOT / "_build" / "html" / "index.html"
