"""The AdvantageNAS chapter: parameters, a tiny end-to-end run, its figures, its parts and the judge."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from nasmeta_lib.chapters import Context, get
from nasmeta_lib.chapters import advantagenas as chapter
from nasmeta_lib.chapters.advantagenas import paper_sized
from nasmeta_lib.claims import advantagenas as claims
from test_executors import NothingToRun
from nasmeta_lib.params import ParameterError
from nasmeta_lib.plots import advantagenas as plots
from nasmeta_lib.results import VERDICTS, Result
from nasmeta_lib.searchers import oneshot
from cluster_runs import serial_and_on_a_cluster

matplotlib.use("Agg")

TINY = dict(
    estimators=["reinforce", "advantagenas", "random"], tabular_settings=["nb201_full/cifar100", "additive/cifar100"],
    tabular_seeds=3, tabular_iterations=30, moment_thetas=2, moment_samples=500, expected_steps=3, supernet_seeds=2,
    supernet_steps=20, supernet_C=2, batch_size=16, eval_every=2, train_steps=10, test_images=200, cost_repeats=3,
)


def test_profiles_validate():
    chapter = get("advantagenas")
    for profile in chapter.profiles:
        chapter.resolve(profile)
    chapter.resolve("full", paper_sized())  # the documented GPU-sized search is a valid run


def test_paper_sized_search_has_the_official_epochs():
    paper, sized = claims.PAPER_SEARCH, paper_sized()
    warm, weight, arch = oneshot.step_counts(sized["supernet_steps"], sized["warmup"])
    epoch = paper["images_per_half"] / paper["batch_size"]
    assert warm / epoch == pytest.approx(paper["warmup_epochs"], rel=0.01)
    assert weight / epoch == pytest.approx(paper["epochs"], rel=0.01)
    assert arch / epoch == pytest.approx(paper["epochs"] - paper["warmup_epochs"], rel=0.01)
    assert (sized["supernet_C"], sized["supernet_N"]) == (paper["C"], paper["N"])
    assert get("advantagenas").resolve("full")["supernet_include_none"] is paper["include_none"] is False


def test_every_profile_uses_the_real_cifar10_table_as_a_tabular_reward():
    chapter = get("advantagenas")
    for profile in ("quick", "full"):
        assert "nb201_full/cifar10" in chapter.resolve(profile)["tabular_settings"], profile


@pytest.mark.parametrize("bad", [{"estimators": ["darts"]}, {"tabular_settings": ["nb201/cifar10"]},
                                 {"supernet_seeds": 1}, {"warmup": 0.95}])
def test_bad_parameters_fail_before_any_work(bad):
    with pytest.raises(ParameterError):
        get("advantagenas").resolve("quick", bad)


def test_too_few_recorded_cells_is_a_parameter_error():
    with pytest.raises(ParameterError, match="recorded cells"):
        get("advantagenas").execute("quick", progress=False, **{**TINY, "supernet_steps": 20, "eval_every": 8})


def test_the_control_and_the_method_must_be_searched():
    with pytest.raises(ParameterError, match="random"):
        get("advantagenas").execute("quick", progress=False, **{**TINY, "estimators": ["reinforce", "advantagenas"]})


def test_tiny_run_end_to_end():
    result = get("advantagenas").execute("quick", progress=False, **TINY)
    verdict = {c.id: c.verdict for c in result.claims}
    assert set(verdict) == {"advantagenas.variance", "advantagenas.tabular-convergence",
                            "advantagenas.found-accuracy-vs-time", "advantagenas.final-cell"}
    assert all(v in VERDICTS for v in verdict.values())
    # the quick profile's supernet search is far below the paper's: its claims are not judged
    assert verdict["advantagenas.found-accuracy-vs-time"] == verdict["advantagenas.final-cell"] == "not run"
    checks = {c.id: c for c in result.checks}
    assert checks["advantagenas.expected-step-identity"].passed and checks["advantagenas.time-axis"].passed
    # PARSEC, GDAS and ProxylessNAS were not searched: "best among the four" cannot be reproduced
    assert all(c.verdict != "reproduced" for c in result.claims)
    found = result.tables["found_cells"]
    assert len(found) == 6 and found["test_accuracy"].between(0, 100).all()
    assert found["trained_accuracy"].between(0, 100).all()
    assert set(result.tables["step_cost"]["estimator"]) == set(TINY["estimators"])
    assert (result.tables["step_cost"][["weight_step_seconds", "arch_step_seconds"]] > 0).all().all()
    assert "reinforce (oracle baseline)" in set(result.tables["moments"]["estimator"])
    notes = " ".join(result.notes)
    assert result.metrics["device"] in notes
    assert "parts ran one after another in one process" in notes  # read from the executor that ran them
    # the scale is stated from the parameters: 20 steps with the paper's warm-up share, batch 16
    _, weight, arch = oneshot.step_counts(20, result.params["warmup"])
    assert f"{weight:,} weight steps" in notes and f"{arch:,} architecture steps" in notes
    assert "C=2 (paper 16)" in notes and "batch 16 (paper 64)" in notes and "200 CIFAR-10 test images" in notes
    # the supernet searches the official candidates (no zero op); the exact problems keep all five ops
    assert "4 candidate ops per edge, without the zero op (as the official search)" in notes
    assert not any("none" in arch for arch in found["arch_str"])
    for fig in (plots.convergence(result.tables["convergence"]), plots.expected_path(result.tables["expected_path"]),
                plots.moments(result.tables["moments"]),
                plots.found_accuracy(result.tables["supernet_trace"], result.params["score_task"])):
        assert fig.axes


SEARCHERS = ("advantagenas", "reinforce", "parsec", "gdas", "proxylessnas", "random")


def _stored(gains: dict[str, float], seeds: int = 12) -> Result:
    """Tables a run would store, where each searcher's test accuracy is ``60 + gain`` (+ seed noise)."""
    rng = np.random.default_rng(0)
    acc = pd.DataFrame([{"estimator": e, "seed": s, "time_matched_auc": 60 + gains[e] + rng.normal(0, 0.3),
                         "test_accuracy": 60 + gains[e] + rng.normal(0, 0.3)} for e in SEARCHERS for s in range(seeds)])
    runs = pd.DataFrame([{"setting": t, "estimator": e, "seed": s, "initial": 0.5, "final": 0.1,
                          "auc": 0.3 - gains[e] / 100 + rng.normal(0, 0.003)}
                         for t in ("nb201_full/cifar100", "additive/cifar100") for e in SEARCHERS for s in range(seeds)])
    moments = pd.DataFrame([{"setting": "nb201_full/cifar100", "theta_draw": d, "estimator": e,
                             "total_variance": (0.5 if e == "advantagenas" else 1.0) * np.exp(rng.normal(0, 0.05))}
                            for d in range(12) for e in ("advantagenas", "reinforce")])
    trace = pd.DataFrame({"estimator": ["advantagenas"], "weight_steps": [10], "arch_step": [5], "seconds": [2.0]})
    cost = pd.DataFrame({"estimator": ["advantagenas"], "weight_step_seconds": [0.1], "arch_step_seconds": [0.2]})
    path = pd.DataFrame({"setting": "nb201_full/cifar100", "step": [0, 1], "expected_loss": [0.5, 0.4],
                         "max_relative_deviation": 1e-15})
    return Result("advantagenas", "full", {"tabular_settings": ["nb201_full/cifar100", "additive/cifar100"],
                                           "score_task": "cifar10"},
                  tables={"time_matched_auc": acc.assign(horizon_seconds=100.0), "found_cells": acc,
                          "tabular_runs": runs, "moments": moments, "supernet_trace": trace, "step_cost": cost,
                          "expected_path": path})


def _verdicts(result: Result) -> dict[str, str]:
    return {c.id: c.verdict for c in claims.judge(result)[0]}


def test_best_of_all_four_with_a_failing_control_is_reproduced():
    v = _verdicts(_stored({"advantagenas": 3, "reinforce": 0, "parsec": 1, "gdas": 0, "proxylessnas": 1, "random": -2}))
    assert v == dict.fromkeys(v, "reproduced")


def test_one_better_baseline_contradicts_the_best_among_claim():
    """Beating REINFORCE alone is not enough: ProxylessNAS ahead decides 'not reproduced'."""
    v = _verdicts(_stored({"advantagenas": 3, "reinforce": 0, "parsec": 1, "gdas": 0, "proxylessnas": 5, "random": -2}))
    assert v["advantagenas.found-accuracy-vs-time"] == v["advantagenas.final-cell"] == "not reproduced"
    assert v["advantagenas.tabular-convergence"] == "not reproduced"


def test_random_search_passing_the_same_rule_makes_it_inconclusive():
    result = _stored({"advantagenas": 3, "reinforce": 0, "parsec": 1, "gdas": 0, "proxylessnas": 1, "random": 4})
    claim = {c.id: c for c in claims.judge(result)[0]}["advantagenas.found-accuracy-vs-time"]
    assert claim.verdict == "inconclusive" and claim.controls[0].verdict == "reproduced"


def test_a_smaller_profile_leaves_the_search_claims_not_run():
    result = _stored({"advantagenas": 3, "reinforce": 0, "parsec": 1, "gdas": 0, "proxylessnas": 1, "random": -2})
    result.profile = "quick"
    v = _verdicts(result)
    assert v["advantagenas.found-accuracy-vs-time"] == v["advantagenas.final-cell"] == "not run"
    assert v["advantagenas.variance"] == v["advantagenas.tabular-convergence"] == "reproduced"


def test_synthetic_tables_are_shown_not_judged():
    """Only the real table decides: a contradiction on the additive fit changes nothing."""
    result = _stored({"advantagenas": 3, "reinforce": 0, "parsec": 1, "gdas": 0, "proxylessnas": 1, "random": -2})
    runs = result.tables["tabular_runs"]
    runs.loc[(runs.setting == "additive/cifar100") & (runs.estimator == "advantagenas"), "auc"] = 0.9
    assert _verdicts(result)["advantagenas.tabular-convergence"] == "reproduced"


def test_one_real_table_contradicting_decides_the_every_table_claims():
    """Stated "on every real table": a second table where AdvantageNAS is reliably worse decides
    'not reproduced' (reported per table, a mix would read 'partly')."""
    result = _stored({"advantagenas": 3, "reinforce": 0, "parsec": 1, "gdas": 0, "proxylessnas": 1, "random": -2})
    t, other = result.tables, "nb201_full/darcy"
    runs = t["tabular_runs"][t["tabular_runs"].setting == "nb201_full/cifar100"].assign(setting=other)
    runs.loc[runs.estimator == "advantagenas", "auc"] += 0.1  # a higher regret area: slower than every baseline
    moments = t["moments"].assign(setting=other)
    moments.loc[moments.estimator == "advantagenas", "total_variance"] *= 4  # twice REINFORCE's variance
    t["tabular_runs"], t["moments"] = pd.concat([t["tabular_runs"], runs]), pd.concat([t["moments"], moments])
    result.params["tabular_settings"] = [*result.params["tabular_settings"], other]
    v = _verdicts(result)
    assert v["advantagenas.variance"] == v["advantagenas.tabular-convergence"] == "not reproduced"


def test_parts_are_checkpointed_by_key_and_read_back(tmp_path):
    params = get("advantagenas").resolve("quick", TINY)
    first = chapter._tabular_parts(params, Context(tmp_path, progress=False))
    settings, estimators = TINY["tabular_settings"], TINY["estimators"]
    keys = [f"tabular-{s}-{e}" for s in settings for e in estimators]
    keys += [f"{part}-{s}" for part in ("moments", "expected-path") for s in settings]
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted(k.replace("/", "_") for k in keys)
    again = chapter._tabular_parts(params, Context(tmp_path, progress=False, executor=NothingToRun()))
    for name, frame in first.items():
        pd.testing.assert_frame_equal(again[name], frame)


# tables (and columns) that are measured times: the only numbers allowed to differ between two runs
TIMED = {"step_cost": None, "time_matched_auc": None, "summary": None, "supernet_trace": ["seconds"],
         "found_cells": ["search_seconds"]}


@pytest.mark.slow
def test_a_tiny_run_gives_the_same_tables_on_a_local_cluster(tmp_path, monkeypatch):
    serial, distributed = serial_and_on_a_cluster("advantagenas", tmp_path, monkeypatch, **TINY)
    assert "Dask cluster (local cluster, 2 workers" in " ".join(distributed.notes)
    assert set(distributed.tables) == set(serial.tables)
    for name, frame in serial.tables.items():
        if name in TIMED and TIMED[name] is None:
            continue
        drop = TIMED.get(name, [])
        pd.testing.assert_frame_equal(distributed.tables[name].drop(columns=drop), frame.drop(columns=drop), obj=name)
    untimed = ("advantagenas.variance", "advantagenas.tabular-convergence")
    assert [c.to_dict() for c in distributed.claims if c.id in untimed] == \
        [c.to_dict() for c in serial.claims if c.id in untimed]
