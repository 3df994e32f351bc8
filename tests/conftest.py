"""Test-wide settings: results go to a temporary folder, downloads are off, no GUI backend."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ["NASMETA_PROGRESS"] = "0"


@pytest.fixture(autouse=True)
def _isolated_results(tmp_path_factory, monkeypatch):
    """Chapters executed by tests never write into the repository's results/ folder."""
    monkeypatch.setenv("NASMETA_RESULTS", str(tmp_path_factory.getbasetemp() / "results"))
    monkeypatch.setenv("NASMETA_OFFLINE", "1")
