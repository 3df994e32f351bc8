"""Every command on the install page is checked: make targets are run dry with the settings the page
gives, nasmeta commands go through the CLI, pip/venv/conda lines must match the Makefile,
pyproject.toml and environment.yml. A command with no check fails the test, so the page cannot grow
an unchecked instruction."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib

import pytest
import yaml

from nasmeta_lib import chapters, cli
from nasmeta_lib.paths import BOOK_DIR, REPO_ROOT

# Commands that act outside the project (system tools, shell state); nothing of ours to check.
EXTERNAL = ("git clone", "cd ", ". .venv/bin/activate", "export HTTPS_PROXY=", "brew install", "xcode-select",
            "wsl --install", "conda activate nasmeta", "rm -rf .venv")

MAKEFILE = (REPO_ROOT / "Makefile").read_text()
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


def page_commands(page: str) -> list[str]:
    """Lines of the page's bash/powershell blocks and its inline `make ...`/`nasmeta ...` commands,
    without comments."""
    text = (BOOK_DIR / page).read_text()
    found = []
    for block in re.findall(r"```(?:bash|powershell)\n(.*?)```", text, flags=re.S):
        found += [line.split("  #")[0].strip() for line in block.splitlines()]
    found += re.findall(r"`((?:make|nasmeta|rm -rf|\.venv/bin/\S+) [^`]*)`", text)
    return [c for c in found if c and not c.endswith("...")]  # `nasmeta run ...` stands for any run


def _torch_pin() -> str:
    return re.search(r"torch==[\d.]+", MAKEFILE).group(0)


def _cpu_index() -> str:
    return re.search(r"https://download\.pytorch\.org/whl/cpu", MAKEFILE).group(0)


def check(command: str) -> None:
    """Run or verify one command; raises AssertionError (or pytest.fail) when it is wrong."""
    words = shlex.split(command.replace("\\", "/"))
    if command.startswith(EXTERNAL):
        return
    if words[0] == "make":
        settings = [w for w in words[1:] if "=" in w]
        targets = [w for w in words[1:] if "=" not in w]
        dry = subprocess.run(["make", "-n", *settings, "VENV=/nonexistent/venv", *targets], cwd=REPO_ROOT,
                             capture_output=True, text=True)
        assert dry.returncode == 0, dry.stderr
        values = dict(w.split("=", 1) for w in settings)
        if values.get("TORCH_INDEX") == "cpu":
            assert f"{_torch_pin()} --index-url {_cpu_index()}" in dry.stdout
        if "PYTHON" in values:
            assert f"{values['PYTHON']} -m venv" in dry.stdout
        if "EXTRAS" in values:
            assert f'-e ".[{values["EXTRAS"]}]"' in dry.stdout
        return
    if words[0].endswith("nasmeta"):
        args = words[1:]
        parsed = cli.parse(args)  # every command must parse
        if args[0] == "run":
            chapters.get(parsed.chapter).resolve(parsed.profile, dict(parsed.param or []))
        elif args[:2] == ["data", "fetch"]:
            assert parsed.name in {p.stem for p in (REPO_ROOT / "data_manifests").glob("*.toml")}
        elif args in (["chapters"], ["data", "list"]):  # cheap and read-only: run them
            assert cli.main(args) == 0
        # `nasmeta book` rebuilds everything (minutes): parsing it is the check here
        return
    if words[:2] in (["python3.12", "-m"], ["py", "-3.12"]) and "venv" in words:
        low = PYPROJECT["project"]["requires-python"].removeprefix(">=")
        assert tuple(map(int, low.split("."))) <= (3, 12)
        return
    if "pip" in words and "install" in words:
        if "torch==2.13.0" in words:
            assert _torch_pin() in words and words[words.index("--index-url") + 1] == _cpu_index()
            return
        extras = re.search(r'-e \.?\[([a-z,]+)\]', command.replace('"', "")).group(1).split(",")
        assert set(extras) <= set(PYPROJECT["project"]["optional-dependencies"]), extras
        return
    if "ipykernel" in words and "install" in words:
        assert "ipykernel install --sys-prefix --name python3" in command
        assert "ipykernel install --sys-prefix --name python3" in MAKEFILE
        return
    if words[:3] == ["conda", "env", "create"] or words[:3] == ["conda", "env", "update"]:
        env = yaml.safe_load((REPO_ROOT / words[-1]).read_text())
        assert env["name"] == "nasmeta"
        return
    if words[0].endswith("jupyter") and words[1] == "lab":
        assert "jupyterlab>=4" in PYPROJECT["project"]["optional-dependencies"]["lab"]
        assert (REPO_ROOT / words[2]).exists()
        return
    pytest.fail(f"no check for the command {command!r}: add one to tests/test_install_docs.py")


INSTALL = page_commands("install.md")
TROUBLE = page_commands("troubleshooting.md")


@pytest.mark.parametrize("command", INSTALL + TROUBLE)
def test_commands_on_the_install_pages_work(command, monkeypatch):
    monkeypatch.setenv("NASMETA_OFFLINE", "1")
    check(command)


def test_the_pages_show_the_documented_settings():
    joined = "\n".join(INSTALL)
    assert "make PYTHON=python3.12 TORCH_INDEX=cpu EXTRAS=test,lab test-fast" in joined
    assert any(c.startswith("nasmeta data fetch") for c in INSTALL)
    assert len(INSTALL) >= 15 and len(TROUBLE) >= 3


def test_an_unknown_command_is_not_silently_accepted():
    with pytest.raises(pytest.fail.Exception, match="no check"):
        check("curl https://example.org | sh")


def test_default_build_is_unchanged_without_settings():
    dry = subprocess.run(["make", "-n", "VENV=/nonexistent/venv", "venv"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert "python3.11 -m venv" in dry.stdout and "--index-url" not in dry.stdout
    assert '-e ".[test]"' in dry.stdout
