"""Results: provenance, reuse for identical parameters, resumable steps, no half-written files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nasmeta_lib.chapters import Chapter, Context, StepsDone
from nasmeta_lib.params import Param, ParameterError
from nasmeta_lib.results import Claim, Result, param_hash, result_path

CALLS: list[str] = []


def _run(params, ctx: Context) -> Result:
    values = []
    for i in range(3):
        def work(i=i):
            CALLS.append(f"step{i}")
            if params["fail_at"] == i:
                raise RuntimeError("interrupted")
            return {"value": i * params["scale"]}
        values.append(ctx.step(f"step-{i}", work)["value"])
    return Result("toy", "", params, claims=[Claim("toy.sum", "sum is positive", "> 0", str(sum(values)), "reproduced")],
                  metrics={"sum": sum(values)}, tables={"values": pd.DataFrame({"v": values})})


TOY = Chapter(
    name="toy", title="Toy", order=99, paper="-", claim="-",
    params=(Param("scale", "int", "scale", low=1), Param("fail_at", "int", "step to fail at (-1: none)", low=-1)),
    profiles={"quick": {"scale": 1, "fail_at": -1}, "full": {"scale": 10, "fail_at": -1}},
    run=_run,
)


def test_result_roundtrip_and_provenance():
    res = TOY.execute("quick", scale=2)
    assert res.metrics["sum"] == 6 and res.tables["values"]["v"].tolist() == [0, 2, 4]
    prov = res.provenance
    for key in ("git_sha", "params", "device", "versions", "seconds", "started", "finished"):
        assert key in prov
    assert prov["params"] == {"scale": 2, "fail_at": -1}
    path = result_path("toy", "quick", res.params)
    assert path.name == f"quick-{param_hash(res.params)}.json"
    assert json.loads(path.read_text())["claims"][0]["verdict"] == "reproduced"


def test_same_parameters_reuse_the_saved_result():
    CALLS.clear()
    TOY.execute("quick", scale=3)
    TOY.execute("quick", scale=3)
    assert CALLS == ["step0", "step1", "step2"]


def test_interrupted_run_leaves_no_result_and_resumes_finished_steps():
    CALLS.clear()
    with pytest.raises(RuntimeError):
        TOY.execute("quick", scale=5, fail_at=2)
    params = TOY.resolve("quick", {"scale": 5, "fail_at": 2})
    path = result_path("toy", "quick", params)
    assert not path.exists()
    # Rerun with the same parameters after "fixing the crash": steps 0 and 1 are read back.
    object.__setattr__(TOY, "run", lambda p, ctx: _run({**p, "fail_at": -1}, ctx))
    try:
        res = TOY.execute("quick", scale=5, fail_at=2)
    finally:
        object.__setattr__(TOY, "run", _run)
    assert CALLS == ["step0", "step1", "step2", "step2"]
    assert res.metrics["sum"] == 15 and path.exists()
    assert not (path.parent / ".partial" / path.stem).exists()  # checkpoints cleaned after success


def test_a_run_limited_to_some_steps_stops_and_a_later_run_resumes_from_them():
    CALLS.clear()
    with pytest.raises(StepsDone) as stop:
        TOY.execute("quick", scale=7, steps=["step-0", "step-1"])
    assert CALLS == ["step0", "step1"]
    assert stop.value.next_step == "step-2" and stop.value.computed == ["step-0", "step-1"]
    assert not result_path("toy", "quick", TOY.resolve("quick", {"scale": 7})).exists()
    res = TOY.execute("quick", scale=7)  # e.g. on another machine, with the checkpoints carried over
    assert CALLS == ["step0", "step1", "step2"] and res.metrics["sum"] == 21


def test_a_result_of_an_older_chapter_version_is_recomputed_not_reused():
    CALLS.clear()
    first = TOY.execute("quick", scale=4)
    assert first.provenance["chapter_version"] == 1
    object.__setattr__(TOY, "version", 2)  # the analysis changed
    try:
        assert TOY.saved("quick", TOY.resolve("quick", {"scale": 4})) is None
        second = TOY.execute("quick", scale=4)
    finally:
        object.__setattr__(TOY, "version", 1)
    assert CALLS == ["step0", "step1", "step2"] * 2 and second.provenance["chapter_version"] == 2


def test_bad_parameters_raise_before_any_work():
    CALLS.clear()
    with pytest.raises(ParameterError):
        TOY.execute("quick", scale=0)
    assert CALLS == []


def test_claim_rejects_unknown_verdicts():
    with pytest.raises(ValueError, match="verdict"):
        Claim("x", "s", "p", "o", "probably")
