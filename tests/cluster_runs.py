"""One chapter's quick profile run serially and on a local cluster, for the tests that compare them."""

from __future__ import annotations

from nasmeta_lib.chapters import get
from nasmeta_lib.executors import Dask, Serial
from nasmeta_lib.results import Result


def serial_and_on_a_cluster(chapter: str, tmp_path, monkeypatch, **params) -> tuple[Result, Result]:
    """Both runs of ``chapter`` with ``params``, each into its own results folder (so nothing is
    read back), the second on a local 2-worker Dask cluster."""
    runs = []
    for folder, executor in (("serial", Serial()), ("dask", Dask(workers=2))):
        monkeypatch.setenv("NASMETA_RESULTS", str(tmp_path / folder))
        runs.append(get(chapter).execute("quick", executor=executor, **{"progress": False, **params}))
    serial, distributed = runs
    assert serial.provenance["executor"] == {"executor": "serial"}
    assert distributed.provenance["executor"]["executor"] == "dask"
    return serial, distributed
