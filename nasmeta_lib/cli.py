"""Command line: ``nasmeta data list|fetch``, ``nasmeta run CHAPTER``, ``nasmeta book``, ``nasmeta chapters``.

Also reachable as ``python -m nasmeta_lib ...`` (e.g. on a GPU machine without Jupyter).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from nasmeta_lib import chapters
from nasmeta_lib.data import DataError, ManifestError, fetch_file, source, sources, status
from nasmeta_lib.params import ParameterError
from nasmeta_lib.results import Result, ResultFileError, result_path


def _data_list(_: argparse.Namespace) -> int:
    ok = True
    for src in sources().values():
        print(f"{src.name}  ({src.title}; {src.manifest.name})")
        for f in src.files:
            st = status(f)
            if st.verified:
                mark = "verified"
            elif st.location == "missing":
                mark = "not local" if f.sha256 else "not local, no sha256"
            else:
                mark = "CORRUPT"  # present but fails its checksum: refused by the fetcher
            where = f"{st.location}: {st.path}" if st.path else "fetch with `nasmeta data fetch`"
            detail = f" ({st.problem})" if mark == "CORRUPT" else ""
            print(f"  [{mark:20s}] {f.name:36s} {where}{detail}")
            ok &= mark != "CORRUPT"
    return 0 if ok else 1


def _data_fetch(args: argparse.Namespace) -> int:
    src = source(args.name)
    for f in src.files if not args.file else [src.file(args.file)]:
        print(f"{f.name}: {fetch_file(f, progress=True)}")
    return 0


class UsageError(ValueError):
    """A command line that cannot mean anything (reported with exit code 2)."""


PARAM_FLAGS = ("-p", "--param")


def _join_param_pairs(argv: list[str]) -> list[str]:
    """``-p KEY VALUE`` -> ``--param=KEY=VALUE``, so that a value starting with '-' (``-p
    settings -1,-2``) is not taken for an option; ``-p KEY=VALUE`` passes as it is."""
    out, i = [], 0
    while i < len(argv):
        if (argv[i] in PARAM_FLAGS and i + 2 < len(argv) and "=" not in argv[i + 1]
                and not argv[i + 2].startswith("--")):
            out.append(f"--param={argv[i + 1]}={argv[i + 2]}")
            i += 3
        else:
            out.append(argv[i])
            i += 1
    return out


def _parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"-p {pair}: give a parameter as -p KEY VALUE or -p KEY=VALUE")
        if key in overrides:
            raise UsageError(f"parameter {key!r} is given twice ({overrides[key]!r} and {value!r}); give it once")
        overrides[key] = value
    return overrides


def _check_steps(steps: list[str] | None) -> None:
    for step in steps or []:
        if not step.strip() or step.startswith("-"):
            raise UsageError(f"--steps: {step!r} cannot name a step; steps are named like 'nb101' or "
                             "'setting-nb201_cifar10' (a run stopped by --steps lists the names it reached)")


def _use_executor(args: argparse.Namespace) -> None:
    """Hand --workers/--scheduler to the run through the environment, which a notebook's kernel
    inherits too (see :func:`nasmeta_lib.executors.from_environment`)."""
    if args.workers is not None:
        if args.workers < 1:
            raise ParameterError(f"--workers {args.workers}: give a positive number of worker processes")
        os.environ["NASMETA_WORKERS"] = str(args.workers)
    if args.scheduler:
        os.environ["NASMETA_SCHEDULER"] = args.scheduler


def _run(args: argparse.Namespace) -> int:
    from nasmeta_lib import run as runner

    chapter = chapters.get(args.chapter)
    overrides = _parse_overrides(args.param)
    params = chapter.resolve(args.profile, overrides)  # validate before anything starts
    _check_steps(args.steps)
    _use_executor(args)
    if args.output_dir:
        # a student's rerun: notebook and results go there, the book's own files stay as they are
        os.environ["NASMETA_RESULTS"] = str(Path(args.output_dir) / "results")
    saved = None if args.force else chapter.saved(args.profile, params)
    if saved is not None:
        p = saved.provenance
        print(f"reusing the saved result {result_path(args.chapter, args.profile, params)} (git {p.get('git_sha', '?')[:12]}, "
              f"finished {p.get('finished', '?')}); add --force to recompute it")
    elif not args.force and (older := chapter.rejudgeable(args.profile, params)) is not None:
        print(f"judging the saved result {result_path(args.chapter, args.profile, params)} of chapter version "
              f"{older.chapter_version} again by version {chapter.version}'s rules (its tables "
              f"are unchanged since version {chapter.same_tables_since}); add --force to recompute it")
    t0 = time.perf_counter()
    if args.steps:
        try:
            runner.run_headless(args.chapter, args.profile, overrides, force=args.force, steps=args.steps)
        except chapters.StepsDone as stop:
            print(f"{stop}.\nCheckpoints: {stop.partial_dir}\nRun the same command without --steps to finish "
                  "(on another machine: carry that folder to the same path under its results folder).")
            return 0
        print("every step was computed: the run is complete")
        return 0
    if args.headless or not runner.papermill_available():
        if not args.headless:
            print("papermill is not installed: running headless (results only, no notebook)")
        result = runner.run_headless(args.chapter, args.profile, overrides, force=args.force)
    else:
        out = runner.run_notebook(args.chapter, args.profile, overrides, force=args.force,
                                  **({"output_dir": Path(args.output_dir)} if args.output_dir else {}))
        print(f"executed notebook: {out}")
        result = Result.load(result_path(args.chapter, args.profile, chapter.resolve(args.profile, overrides)))
    for claim in result.claims:
        print(f"[{claim.verdict}] {claim.statement}: paper {claim.paper}; ours {claim.ours}")
    for check in result.checks:
        print(f"[check {'passed' if check.passed else 'FAILED'}] {check.statement}: {check.detail}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _book(args: argparse.Namespace) -> int:
    from nasmeta_lib import book, run as runner

    names = args.chapters or list(chapters.registry())
    for name in names:
        chapters.get(name)  # an unknown name stops here, before any chapter runs
    failed = []
    for name in names:
        profile = args.profile or book.reader_profile(name)  # default: the profile the ledger shows
        print(f"== running chapter {name} ({profile})", flush=True)
        try:
            runner.run_notebook(name, profile)
        except Exception as exc:  # one broken chapter must not hide the others from the book
            failed.append(name)
            book.write_execution_report(name, profile, exc)
            print(f"!! chapter {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    try:
        index = book.build_html()
    except book.BookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"book: {index}")
    if failed:
        print(f"error: chapters failed (shown as execution reports): {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _chapters(_: argparse.Namespace) -> int:
    for chapter in chapters.registry().values():
        print(chapter.help(), end="\n\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nasmeta", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="list or fetch data sources").add_subparsers(dest="action", required=True)
    data.add_parser("list", help="every manifest file, where it is and whether it verifies").set_defaults(fn=_data_list)
    fetch = data.add_parser("fetch", help="fetch a source's files (mirror -> cache -> URL)")
    fetch.add_argument("name")
    fetch.add_argument("--file", help="only this file of the source")
    fetch.set_defaults(fn=_data_fetch)

    run = sub.add_parser("run", help="run one chapter (notebook via papermill, or --headless)")
    run.add_argument("chapter")
    run.add_argument("--profile", default="quick", choices=chapters.PROFILES)
    run.add_argument("-p", "--param", action="append", metavar="KEY VALUE",
                     help="override a parameter: -p KEY VALUE or -p KEY=VALUE (lists: comma-separated)")
    run.add_argument("--headless", action="store_true", help="run the experiment without Jupyter")
    run.add_argument("--force", action="store_true",
                     help="recompute from scratch even if a result or checkpoints exist")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="run the chapter's independent parts on a local Dask cluster of N processes")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run them on an existing Dask scheduler (e.g. tcp://host:8786, from dask-jobqueue)")
    run.add_argument("-o", "--output-dir", metavar="DIR",
                     help="write the executed notebook and the result files under DIR (default: the book's folders)")
    run.add_argument("--steps", nargs="+", metavar="STEP",
                     help="headless: compute only these checkpointed steps, then stop before the first other "
                          "one (split a full profile between machines; the run says which step comes next)")
    run.set_defaults(fn=_run)

    book = sub.add_parser("book", help="run chapters' notebooks and build the HTML book")
    book.add_argument("chapters", nargs="*", help="only these chapters (default: all)")
    book.add_argument("--profile", choices=chapters.PROFILES,
                      help="default: each chapter's current full result where one exists, else quick")
    book.set_defaults(fn=_book)

    sub.add_parser("chapters", help="list chapters with their parameters").set_defaults(fn=_chapters)
    return p


USER_ERRORS = (ParameterError, DataError, ManifestError, ResultFileError, UsageError, KeyError)


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line as the CLI reads it (``-p KEY VALUE`` and ``-p KEY=VALUE`` alike); the book's
    pages parse the commands they show with it, so they cannot show one the CLI would reject."""
    return parser().parse_args(_join_param_pairs(list(argv)))


def param_overrides(args: argparse.Namespace) -> dict[str, str]:
    """The ``-p`` parameters of a parsed ``run`` command, each given once."""
    return _parse_overrides(args.param)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        return args.fn(args)
    except USER_ERRORS as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc  # no KeyError quotes
        print(f"error: {message}", file=sys.stderr)
        return 2
