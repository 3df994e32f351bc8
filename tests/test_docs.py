"""Every command the README and the rerun page show is checked here, so the docs cannot drift.

Each fenced ``bash`` line is matched by exactly one rule below, which checks it the cheapest way
that would still catch a wrong command:

- ``nasmeta run`` / ``python -m nasmeta_lib run`` / ``nasmeta book``: parsed by the real argument
  parser and, for ``run``, its parameters validated by the chapter (the first thing a real run does,
  and what a wrong parameter fails on: a run itself is tested per chapter elsewhere);
- ``nasmeta chapters``: run as is (it takes a second);
- ``papermill``: the notebook exists, the kernel is the notebooks' kernel and every ``-p`` value
  is valid for the chapter;
- ``make``: the target exists (``make -n``: the real targets install and run for minutes);
- ``tools/*.sh``: the script exists, is executable, parses (``bash -n``) and names real chapters;
- plain shell file operations (``cp``, ``git add``, activating the venv) are not checked.

A command no rule knows fails the test: add a rule when the docs gain a new kind of command.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nasmeta_lib import chapters, cli
from nasmeta_lib.paths import REPO_ROOT

DOCS = ("README.md", "book/how-to-rerun.md")
PLAIN_SHELL = ("cp", "git", ".", "source")


def doc_commands() -> list[tuple[str, str]]:
    """(document, command) for every line of every fenced bash block, comments and env prefixes removed."""
    found = []
    for doc in DOCS:
        text = (REPO_ROOT / doc).read_text()
        for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
            for line in block.splitlines():
                command = line.split("#", 1)[0].strip()
                if command:
                    found.append((doc, command))
    return found


def _words(command: str) -> list[str]:
    words = shlex.split(command.replace("<commit>", "COMMIT").replace("<chapter>", "CHAPTER"))
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):  # NAME=value prefixes
        words.pop(0)
    return words


def check_cli(args: list[str]) -> None:
    parsed = cli.parse(args)
    if parsed.command == "run":
        chapters.get(parsed.chapter).resolve(parsed.profile, cli.param_overrides(parsed))


def check_papermill(args: list[str]) -> None:
    notebook, params, kernel = REPO_ROOT / args[0], {}, None
    rest = args[2:]
    while rest:
        flag = rest.pop(0)
        if flag in ("-p", "--parameters"):
            key, value = rest.pop(0), rest.pop(0)
            params[key] = value
        elif flag in ("-k", "--kernel"):
            kernel = rest.pop(0)
    assert notebook.exists(), f"no notebook {args[0]}"
    assert kernel in (None, nbformat.read(notebook, as_version=4).metadata["kernelspec"]["name"])
    chapter = chapters.get(notebook.stem)
    chapter.resolve(params.pop("profile", "quick"), params)


def check_script(args: list[str]) -> None:
    script = REPO_ROOT / args[0]
    assert script.exists() and os.access(script, os.X_OK), f"{args[0]} missing or not executable"
    subprocess.run(["bash", "-n", str(script)], check=True)
    for spec in args[2:]:
        name, _, seconds = spec.partition(":")
        chapters.get(name)
        assert seconds.isdigit(), f"{spec}: expected CHAPTER:SECONDS"


def check(command: str) -> None:
    words = _words(command)
    head = words[0]
    if head == "nasmeta":
        if words[1:] == ["chapters"]:
            out = subprocess.run([sys.executable, "-m", "nasmeta_lib", "chapters"], capture_output=True, text=True,
                                 cwd=REPO_ROOT, check=True).stdout
            assert all(name in out for name in chapters.registry())
        else:
            check_cli(words[1:])
    elif words[:3] == ["python", "-m", "nasmeta_lib"]:
        check_cli(words[3:])
    elif head == "papermill":
        check_papermill(words[1:])
    elif head == "make":
        subprocess.run(["make", "-n", *words[1:]], cwd=REPO_ROOT, check=True, capture_output=True)
    elif head.startswith("tools/") and head.endswith(".sh"):
        check_script(words)
    elif head in PLAIN_SHELL:
        return
    else:
        pytest.fail(f"no rule checks this documented command: {command!r} (add one to tests/test_docs.py)")


@pytest.mark.parametrize(("doc", "command"), doc_commands(), ids=lambda v: str(v)[:60])
def test_documented_command_works(doc: str, command: str):
    check(command)


def test_every_doc_has_commands():
    docs = {doc for doc, _ in doc_commands()}
    assert docs == set(DOCS)


def test_a_wrong_documented_command_is_caught():
    from nasmeta_lib.params import ParameterError

    with pytest.raises(ParameterError):
        check("nasmeta run robot -p budget 30 -p seeds 0,1,2")  # seeds is a count
    with pytest.raises(ParameterError):
        check("papermill notebooks/robot.ipynb out.ipynb -k python3 -p nope 1")
    with pytest.raises(pytest.fail.Exception):
        check("rm -rf results")
