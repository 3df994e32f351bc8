"""Results: provenance, reuse for identical parameters, resumable steps, no half-written files."""

from __future__ import annotations

import json

import pytest

from nasmeta_lib.chapters import StepsDone
from nasmeta_lib.params import ParameterError
from nasmeta_lib.results import Claim, duration, param_hash, result_path
from toy_chapter import changed, chapter_version, crash_fixed, sum_judge, toy_chapter

TOY, CALLS = toy_chapter("toy")
JUDGED, JUDGED_CALLS = toy_chapter("toyjudged", judge=sum_judge(0))


def test_result_roundtrip_and_provenance():
    res = TOY.execute("quick", scale=2)
    assert res.metrics["sum"] == 6 and res.tables["values"]["v"].tolist() == [0, 2, 4]
    prov = res.provenance
    for key in ("git_sha", "params", "device", "versions", "seconds", "started", "finished"):
        assert key in prov
    assert prov["params"] == {"scale": 2, "fail_at": -1, "read_data": False, "share": 0.5}
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
    with crash_fixed(TOY):  # the same parameters again: steps 0 and 1 are read back
        res = TOY.execute("quick", scale=5, fail_at=2)
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
    # its time is the last sitting's only, and the result says so
    assert res.provenance["resumed_steps"] == 2
    assert duration(res.provenance).endswith("after reading back 2 checkpointed steps of earlier runs")


def test_a_run_in_one_sitting_records_no_resumed_steps_and_states_its_time():
    res = TOY.execute("quick", scale=8)
    assert "resumed_steps" not in res.provenance
    assert duration({"seconds": 95.4}) == "95 s" and duration({"seconds": 3712.8}) == "62 min"
    assert duration({}) == "time not recorded"


def test_a_result_of_an_older_chapter_version_is_recomputed_not_reused():
    CALLS.clear()
    first = TOY.execute("quick", scale=4)
    assert first.provenance["chapter_version"] == 1
    with chapter_version(TOY, 2):  # the analysis changed
        assert TOY.saved("quick", TOY.resolve("quick", {"scale": 4})) is None
        second = TOY.execute("quick", scale=4)
    assert CALLS == ["step0", "step1", "step2"] * 2 and second.provenance["chapter_version"] == 2


def test_a_rule_change_judges_the_saved_result_again_instead_of_recomputing():
    JUDGED_CALLS.clear()
    first = JUDGED.execute("quick", scale=2)  # values 0, 2, 4: the sum 6 exceeds 0
    assert first.claims[0].verdict == "reproduced"
    with changed(JUDGED, version=2, same_tables_since=1, judge=sum_judge(10)):  # a stricter rule, same tables
        assert JUDGED.saved("quick", first.params) is None and JUDGED.rejudgeable("quick", first.params) is not None
        again = JUDGED.execute("quick", scale=2)
        assert JUDGED.saved("quick", first.params) is not None  # the file is now this version's
    assert JUDGED_CALLS == ["step0", "step1", "step2"]  # measured once
    assert again.claims[0].verdict == "not reproduced" and again.tables["values"]["v"].tolist() == [0, 2, 4]
    p, before = again.provenance, first.provenance
    assert p["chapter_version"] == 2 and p["rejudged"]["from_version"] == 1
    assert (p["git_sha"], p["seconds"], p["started"]) == (before["git_sha"], before["seconds"], before["started"])


def test_a_result_older_than_its_tables_is_recomputed_not_judged_again():
    JUDGED_CALLS.clear()
    JUDGED.execute("quick", scale=3)
    with changed(JUDGED, version=3, same_tables_since=2):  # version 2 changed what is measured
        assert JUDGED.rejudgeable("quick", JUDGED.resolve("quick", {"scale": 3})) is None
        assert JUDGED.execute("quick", scale=3).provenance.get("rejudged") is None
    assert JUDGED_CALLS == ["step0", "step1", "step2"] * 2


def test_a_rule_change_resumes_an_interrupted_run_from_its_checkpoints():
    JUDGED_CALLS.clear()
    with pytest.raises(RuntimeError):
        JUDGED.execute("quick", scale=6, fail_at=2)
    with changed(JUDGED, version=2, same_tables_since=1), crash_fixed(JUDGED):
        res = JUDGED.execute("quick", scale=6, fail_at=2)
    assert JUDGED_CALLS == ["step0", "step1", "step2", "step2"] and res.provenance["resumed_steps"] == 2
    assert res.provenance["chapter_version"] == 2 and "rejudged" not in res.provenance


def test_bad_parameters_raise_before_any_work():
    CALLS.clear()
    with pytest.raises(ParameterError):
        TOY.execute("quick", scale=0)
    assert CALLS == []


def test_claim_rejects_unknown_verdicts():
    with pytest.raises(ValueError, match="verdict"):
        Claim("x", "s", "p", "o", "probably")
