"""Few-shot predictor adaptation chapter: parameters, grouping, task correlation, the judge, a tiny run."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from nasmeta_lib import benchmarks
from nasmeta_lib.chapters import Context, get
from nasmeta_lib.chapters import metalearning as chapter
from nasmeta_lib.claims import metalearning as claims
from test_executors import NothingToRun
from nasmeta_lib.params import ParameterError
from nasmeta_lib.predictors import encodings, meta
from nasmeta_lib.results import VERDICTS, Result
from cluster_runs import serial_and_on_a_cluster

TINY = dict(
    heldout=["nb201/cifar10", "nb101/cifar10"], extrapolation_targets=["nbgraph/proteins"], predictors=["mlp_proxy"],
    approaches=["scratch", "fomaml"], adam_adaptation=[], shots=[10, 20], seeds=2, iterations=3, meta_batch=2, inner_steps=1,
    scratch_steps=5, hidden=4, max_archs=200, n_query=40,
)


def test_bad_parameters_fail_before_any_work():
    ch = get("metalearning")
    with pytest.raises(ParameterError, match="shots"):
        ch.execute("quick", **{**TINY, "shots": [150], "n_query": 100})  # nb101 sub-sample has 200 archs
    with pytest.raises(ParameterError, match="search space"):
        ch.execute("quick", **{**TINY, "extrapolation_targets": ["tnb101_micro/jigsaw"]})
    with pytest.raises(ParameterError):
        ch.execute("quick", **{**TINY, "approaches": ["scratch", "bayes"]})
    with pytest.raises(ParameterError, match="adam_adaptation"):
        ch.execute("quick", **{**TINY, "adam_adaptation": ["maml"]})  # maml does not run in TINY


def test_task_correlation_uses_shared_architectures_of_the_same_space():
    rho, closest = chapter.task_correlation("nb201/ImageNet16-120", ["nb201/cifar100", "tnb101_micro/jigsaw", "nb101/cifar10"])
    assert closest == "nb201/cifar100" and rho > 0.9
    assert chapter.task_correlation("nb101/cifar10", ["nb201/cifar100"]) == (0.0, "")


def test_profiles_carry_the_judged_method_and_its_control():
    quick, full = chapter.CHAPTER.profiles["quick"], chapter.CHAPTER.profiles["full"]
    assert len(quick["heldout"]) == 4 and quick["seeds"] == 3
    assert len(full["heldout"]) == len(chapter._setting_keys()) and full["seeds"] >= 5
    for profile in (quick, full):  # the judged method and its control, both also at the equal budget
        assert {"scratch", claims.METHOD, claims.CONTROL} <= set(profile["approaches"])
        assert {claims.METHOD, claims.CONTROL} <= set(profile["adam_adaptation"])


def test_tiny_run_produces_tables_and_computed_verdicts():
    result = get("metalearning").execute("quick", progress=False, **TINY)
    scores = result.tables["scores"]
    assert set(scores.approach) == {"scratch", "fomaml"} and set(scores.experiment) == {"leave-one-out", "extrapolation"}
    assert len(scores) == (2 + 1) * 2 * 2 * 2  # targets x approaches x shots x seeds
    assert scores.spearman.between(-1, 1).all()
    assert {c.verdict for c in result.claims} <= set(VERDICTS) and len(result.claims) == 4
    assert {c.verdict for c in result.claims} == {"not run"}  # neither maml nor its control ran
    gains = result.tables["gains"]
    assert set(gains.setting) == {"nb201/cifar10", "nb101/cifar10", "nbgraph/proteins"}
    assert gains.set_index("setting").loc["nb101/cifar10", "task_correlation"].eq(0).all()
    tests = result.tables["correlation_tests"]
    assert set(tests.groups) == {"all groups", "groups with 10+ proxies"}
    assert tests[["spearman_lo", "spearman_hi"]].stack().dropna().between(-1, 1).all()
    # Suite-Zero samples store 11-12 proxies (NB201 lacks zen; NB101 nwot and zen); NAS-Bench-Graph only params
    stored = result.tables["task_correlation"].set_index("setting").n_proxies
    assert stored["nb201/cifar10"] == 12 and stored["nb101/cifar10"] == 11 and stored["nbgraph/proteins"] == 1


def test_equal_budget_adaptation_adds_its_own_rows_and_gains():
    result = get("metalearning").execute("quick", progress=False, **{**TINY, "adam_adaptation": ["fomaml"]})
    scores, gains = result.tables["scores"], result.tables["gains"]
    assert set(scores.approach) == {"scratch", "fomaml", "fomaml+adam"}
    plain = scores[scores.approach == "fomaml"].spearman.to_numpy()
    assert len(plain) == (scores.approach == "fomaml+adam").sum()
    assert "fomaml+adam" in set(gains.approach)


def test_each_predictor_and_approach_is_a_part_checkpointed_under_its_key(tmp_path):
    """Keys ``<predictor>-<approach>``, as when they were steps, so an older interrupted run resumes."""
    small = {**TINY, "heldout": ["nb201/cifar10"], "extrapolation_targets": [], "shots": [10], "seeds": 1}
    params = chapter.CHAPTER.resolve("quick", small)
    first = chapter.run(params, Context(tmp_path, progress=False))
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == ["mlp_proxy-fomaml", "mlp_proxy-scratch"]
    again = chapter.run(params, Context(tmp_path, progress=False, executor=NothingToRun()))
    pd.testing.assert_frame_equal(again.tables["scores"], first.tables["scores"])
    assert "parts ran one after another in one process" in " ".join(first.notes)


@pytest.mark.slow
def test_a_tiny_run_gives_the_same_tables_on_a_local_cluster(tmp_path, monkeypatch):
    """Serially with two torch threads, on the cluster with one per worker: the same numbers."""
    tiny = {**TINY, "threads": 2}
    serial, distributed = serial_and_on_a_cluster("metalearning", tmp_path, monkeypatch, **tiny)
    for name, frame in serial.tables.items():
        if name != "timing":  # wall-clock seconds
            pd.testing.assert_frame_equal(distributed.tables[name], frame, obj=name)
    assert [c.to_dict() for c in distributed.claims] == [c.to_dict() for c in serial.claims]


def test_groups_join_twins_and_keep_them_out_of_training():
    assert chapter.group_of("nb201/cifar100") == chapter.group_of("nb201_full/cifar100") == "nb201/cifar100"
    assert chapter.group_of("tnb101_micro/jigsaw") != chapter.group_of("tnb101_macro/jigsaw")
    assert chapter.group_of("nb201_full/ninapro") == "nb201/ninapro"
    params = chapter.CHAPTER.resolve("quick", {"heldout": ["nb201/cifar100", "nb201_full/cifar100", "nb101/cifar10"]})
    folds = [f for f in chapter._folds(params) if f["experiment"] == "leave-one-out"]
    assert [f["targets"] for f in folds] == [["nb201/cifar100", "nb201_full/cifar100"], ["nb101/cifar10"]]
    for f in folds:
        assert not {chapter.group_of(k) for k in f["pool"]} & {chapter.group_of(t) for t in f["targets"]}
        assert len(f["pool"]) + sum(chapter.group_of(k) == chapter.group_of(f["targets"][0]) for k in chapter._setting_keys()) \
            == len(chapter._setting_keys())


def test_full_profile_holds_out_every_setting_in_groups():
    full = chapter.CHAPTER.profiles["full"]
    keys = [s.key for s in benchmarks.settings()]
    assert full["heldout"] == keys
    folds = [f for f in chapter._folds(full) if f["experiment"] == "leave-one-out"]
    assert sorted(t for f in folds for t in f["targets"]) == sorted(keys)
    assert len(folds) == len({chapter.group_of(k) for k in keys}) < len(keys)  # NB201 twins share folds


def test_permuted_targets_keep_inputs_and_values_but_not_their_link():
    s = encodings.encode("nb201/cifar10", 300)
    p = meta.permute_targets(s, 0)
    assert torch.equal(p.x, s.x) and torch.equal(torch.sort(p.y).values, torch.sort(s.y).values)
    assert not torch.equal(p.y, s.y) and torch.equal(meta.permute_targets(s, 0).y, p.y)


def _fake_result(method_gain: float, control_gain: float, groups: int = 12, seeds: int = 4) -> Result:
    """A stored result whose gains are known: method and control shifted from scratch by constants
    plus noise that differs per group (so the bootstrap has spread)."""
    rows = []
    for g in range(groups):
        for approach, shift in (("scratch", 0.0), ("maml", method_gain), ("maml+adam", method_gain),
                                ("maml_permuted", control_gain), ("maml_permuted+adam", control_gain)):
            for seed in range(seeds):
                base = 0.3 + 0.01 * ((g * 7 + seed * 3) % 5)
                rows.append({"experiment": "leave-one-out", "predictor": "p", "approach": approach, "setting": f"s{g}/t",
                             "shots": 10, "seed": seed, "spearman": base + shift + (0.02 * (g % 3) if shift else 0.0),
                             "kendall": 0.0})
    scores = pd.DataFrame(rows)
    targets = pd.DataFrame({"experiment": "leave-one-out", "setting": [f"s{g}/t" for g in range(groups)],
                            "group": [f"s{g}/t" for g in range(groups)], "space": [f"s{g}" for g in range(groups)],
                            "task_correlation": [g / groups for g in range(groups)], "closest_setting": "",
                            "pool_size": groups - 1, "pool_same_group": 0, "n_proxies": 12})
    gains = chapter._gains(scores, targets)
    params = {"predictors": ["p"], "shots": [10], "approaches": ["scratch", "maml", "maml_permuted"],
              "adam_adaptation": ["maml", "maml_permuted"], "extrapolation_sources": ["nb201"]}
    return Result("metalearning", "quick", params, tables={"scores": scores, "gains": gains, "task_correlation": targets})


def test_judge_reproduces_a_clear_gain_and_a_passing_control_caps_it():
    claims_, checks = claims.judge(_fake_result(method_gain=0.1, control_gain=-0.1))
    by_id = {c.id: c for c in claims_}
    assert by_id["metalearning.beats_scratch"].verdict == "reproduced"
    assert by_id["metalearning.beats_scratch_short_adaptation"].verdict == "reproduced"
    assert by_id["metalearning.extrapolation"].verdict == "not run"
    assert all(c.passed for c in checks)
    capped = {c.id: c for c in claims.judge(_fake_result(method_gain=0.1, control_gain=0.1))[0]}
    assert capped["metalearning.beats_scratch"].verdict == "inconclusive"
    assert "maml_permuted+adam (10 shots)" in [c.method for c in capped["metalearning.beats_scratch"].controls]
    lost = {c.id: c for c in claims.judge(_fake_result(method_gain=-0.1, control_gain=0.0))[0]}
    assert lost["metalearning.beats_scratch"].verdict == "not reproduced"


def test_correlation_interval_stays_inside_minus_one_one():
    iv = claims.spearman_interval([0.1, 0.5, 0.2, 0.9, 0.4, 0.3], [0.0, 0.2, -0.1, 0.3, 0.1, 0.4], "held-out groups")
    assert -1 <= iv.low <= iv.estimate <= iv.high <= 1 and iv.n == 6
