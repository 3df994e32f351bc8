"""Few-shot predictor adaptation chapter: parameters, task correlation, a tiny end-to-end run."""

from __future__ import annotations

import pytest

from nasmeta_lib.chapters import get
from nasmeta_lib.chapters import metalearning as chapter
from nasmeta_lib.params import ParameterError
from nasmeta_lib.results import VERDICTS

TINY = dict(
    heldout=["nb201/cifar10", "nb101/cifar10"], extrapolation_targets=["nbgraph/proteins"], predictors=["mlp_proxy"],
    approaches=["scratch", "fomaml"], shots=[10, 20], seeds=2, iterations=3, meta_batch=2, inner_steps=1,
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


def test_profiles_cover_what_the_issue_asks():
    quick, full = chapter.CHAPTER.profiles["quick"], chapter.CHAPTER.profiles["full"]
    assert len(quick["heldout"]) == 4 and quick["seeds"] == 3
    assert len(full["heldout"]) == len(chapter._setting_keys()) and full["seeds"] == 10
    assert {"maml", "fomaml"} <= set(quick["approaches"]) and "reptile" in full["approaches"]


def test_tiny_run_produces_tables_and_computed_verdicts():
    result = get("metalearning").execute("quick", progress=False, **TINY)
    scores = result.tables["scores"]
    assert set(scores.approach) == {"scratch", "fomaml"} and set(scores.experiment) == {"leave-one-out", "extrapolation"}
    assert len(scores) == (2 + 1) * 2 * 2 * 2  # targets x approaches x shots x seeds
    assert scores.spearman.between(-1, 1).all()
    assert {c.verdict for c in result.claims} <= set(VERDICTS) and len(result.claims) == 3
    gains = result.tables["gains"]
    assert set(gains.setting) == {"nb201/cifar10", "nb101/cifar10", "nbgraph/proteins"}
    assert gains.set_index("setting").loc["nb101/cifar10", "task_correlation"].eq(0).all()
    tests = result.tables["correlation_tests"]
    assert set(tests.settings) == {"all settings", "settings with 10+ proxies"}
    assert tests.p_value.dropna().between(0, 1).all()
    # Suite-Zero samples store 11-12 proxies (NB201 lacks zen; NB101 nwot and zen); NAS-Bench-Graph only params
    stored = result.tables["task_correlation"].set_index("setting").n_proxies
    assert stored["nb201/cifar10"] == 12 and stored["nb101/cifar10"] == 11 and stored["nbgraph/proteins"] == 1


def test_equal_budget_adaptation_adds_its_own_rows_and_gains():
    result = get("metalearning").execute("quick", progress=False, **{**TINY, "adam_adaptation": ["fomaml"]})
    scores, gains = result.tables["scores"], result.tables["gains"]
    assert set(scores.approach) == {"scratch", "fomaml", "fomaml+adam"}
    plain = scores[scores.approach == "fomaml"].spearman.to_numpy()
    assert len(plain) == (scores.approach == "fomaml+adam").sum()
    assert "fomaml+adam" in set(gains.approach) and "gain_fomaml+adam_10shots" in result.metrics
