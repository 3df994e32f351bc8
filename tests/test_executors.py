"""A chapter's independent parts: checkpointed as they finish, the same numbers on any executor."""

import json
import os

import numpy as np
import pytest

from nasmeta_lib.chapters import Context, StepsDone, get
from nasmeta_lib.executors import WORKER_ENVIRON, Dask, PartFailed, Serial, from_environment, in_words
from cluster_runs import serial_and_on_a_cluster


def _draw(key: str) -> float:
    """A part whose randomness follows its key, never the process that runs it."""
    return float(np.random.default_rng(sum(key.encode())).normal())


def _parts(keys):
    return [(k, lambda k=k: _draw(k)) for k in keys]


class NothingToRun:
    """The executor of a run that must find every part checkpointed (the chapters' tests use it too)."""

    def run(self, parts):
        assert not parts, f"recomputed {[key for key, _ in parts]}"
        return iter(())

    def describe(self):
        return {"executor": "none"}


def test_map_checkpoints_each_part_and_resumes(tmp_path):
    ctx = Context(tmp_path, progress=False)
    first = ctx.map(_parts("abc"))
    assert first == [_draw(k) for k in "abc"]
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == ["a", "b", "c"]
    again = Context(tmp_path, progress=False, executor=NothingToRun()).map(_parts("abc"))
    assert again == first


def test_a_failed_part_is_named_and_the_others_keep_their_checkpoints(tmp_path):
    def broken():
        raise RuntimeError("out of memory")

    parts = _parts("ac") + [("b", broken)]
    with pytest.raises(PartFailed, match="b: RuntimeError: out of memory"):
        Context(tmp_path, progress=False).map(parts)
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == ["a", "c"]


def test_map_honours_steps(tmp_path):
    with pytest.raises(StepsDone) as stop:
        Context(tmp_path, progress=False, only=frozenset({"a"})).map(_parts("ab"))
    assert stop.value.next_step == "b" and [p.stem for p in tmp_path.glob("*.json")] == ["a"]


def test_shared_input_is_prepared_once_and_only_when_a_part_runs(tmp_path):
    prepared = []
    Context(tmp_path, progress=False).map(_parts("ab"), prepare=lambda: prepared.append(1))
    Context(tmp_path, progress=False, executor=NothingToRun()).map(_parts("ab"), prepare=lambda: prepared.append(2))
    assert prepared == [1]


def test_executor_from_environment(monkeypatch):
    monkeypatch.delenv("NASMETA_WORKERS", raising=False)
    monkeypatch.delenv("NASMETA_SCHEDULER", raising=False)
    assert isinstance(from_environment(), Serial)
    monkeypatch.setenv("NASMETA_WORKERS", "3")
    assert from_environment().describe()["cluster"] == "local cluster, 3 workers"
    monkeypatch.setenv("NASMETA_WORKERS", "many")
    with pytest.raises(ValueError, match="NASMETA_WORKERS"):
        from_environment()


def test_result_notes_say_where_the_parts_ran():
    assert in_words(Serial().describe()) == "ran one after another in one process"
    assert in_words(Dask(workers=3).describe()) == \
        "ran as tasks on a Dask cluster (local cluster, 3 workers, 1 torch thread(s) each)"
    remote = {"executor": "dask", "cluster": "scheduler tcp://10.0.0.5:8786", "threads_per_worker": 1, "workers": 8}
    assert "scheduler tcp://10.0.0.5:8786, 8 workers" in in_words(remote)


def _environ(names):
    return {k: os.environ.get(k) for k in names}


@pytest.mark.slow
def test_local_workers_start_with_the_heap_friendly_malloc_setting_and_are_never_timed_out():
    cluster = Dask(workers=1)
    try:
        (seen,) = cluster.client().run(_environ, ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"]).values()
        assert cluster.client().cluster.scheduler.worker_ttl is None  # a suspended machine keeps its parts
    finally:
        cluster.close()
    assert seen["MALLOC_MMAP_THRESHOLD_"] == WORKER_ENVIRON["MALLOC_MMAP_THRESHOLD_"]
    assert "MALLOC_MMAP_THRESHOLD_" not in os.environ  # this process's environment is left as it was


@pytest.mark.slow
def test_a_chapter_gives_the_same_numbers_on_a_local_cluster(tmp_path, monkeypatch):
    small = dict(tasks=["cifar10", "cifar100"], n_archs=3, proxies=["params", "synflow"], inputs=["random"])
    serial, distributed = serial_and_on_a_cluster("proxies", tmp_path, monkeypatch, **small)
    assert [c.to_dict() for c in distributed.checks] == [c.to_dict() for c in serial.checks]
    assert json.dumps(distributed.metrics, sort_keys=True) == json.dumps(serial.metrics, sort_keys=True)
    drop = ["seconds"]
    assert distributed.tables["scores"].drop(columns=drop).equals(serial.tables["scores"].drop(columns=drop))
