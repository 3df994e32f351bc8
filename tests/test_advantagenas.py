"""The AdvantageNAS chapter: parameters, a tiny end-to-end run and its figures."""

import matplotlib
import pytest

from nasmeta_lib.chapters import get
from nasmeta_lib.params import ParameterError
from nasmeta_lib.plots import advantagenas as plots
from nasmeta_lib.results import VERDICTS

matplotlib.use("Agg")

TINY = dict(
    estimators=["reinforce", "advantagenas"], tabular_settings=["nb201_full/cifar100"], tabular_seeds=3,
    tabular_iterations=30, moment_thetas=2, moment_samples=500, expected_steps=3, supernet_seeds=2,
    supernet_steps=20, supernet_C=2, batch_size=16, eval_every=2, train_steps=10,
)


def test_profiles_validate():
    chapter = get("advantagenas")
    for profile in chapter.profiles:
        chapter.resolve(profile)


@pytest.mark.parametrize("bad", [{"estimators": ["darts"]}, {"tabular_settings": ["nb201/cifar10"]},
                                 {"supernet_seeds": 1}, {"warmup": 0.95}])
def test_bad_parameters_fail_before_any_work(bad):
    with pytest.raises(ParameterError):
        get("advantagenas").resolve("quick", bad)


def test_too_few_recorded_cells_is_a_parameter_error():
    with pytest.raises(ParameterError, match="recorded cells"):
        get("advantagenas").execute("quick", progress=False, **{**TINY, "supernet_steps": 20, "eval_every": 8})


def test_tiny_run_end_to_end():
    result = get("advantagenas").execute("quick", progress=False, **TINY)
    ids = {c.id for c in result.claims}
    assert {"advantagenas.theorem", "advantagenas.variance", "advantagenas.tabular-convergence",
            "advantagenas.found-accuracy-vs-time"} <= ids
    assert all(c.verdict in VERDICTS for c in result.claims)
    assert result.metrics["adv_expected_step_max_relative_deviation"] < 1e-8
    found = result.tables["found_cells"]
    assert len(found) == 4 and found["cifar100_accuracy"].between(0, 100).all()
    for fig in (plots.convergence(result.tables["convergence"]), plots.expected_path(result.tables["expected_path"]),
                plots.moments(result.tables["moments"]), plots.found_accuracy(result.tables["supernet_trace"])):
        assert fig.axes


def test_jobs_run_in_parallel_and_resume_from_checkpoints(tmp_path):
    import math

    from nasmeta_lib.chapters.advantagenas import _run_jobs
    from nasmeta_lib.chapters.base import Context

    ctx = Context(tmp_path, progress=False)
    jobs = [(f"sqrt-{x}", math.sqrt, (x,)) for x in (4.0, 9.0, 16.0)]
    assert _run_jobs(ctx, jobs, workers=2, desc="") == [2.0, 3.0, 4.0]
    # a second run reads every value back instead of recomputing it
    assert _run_jobs(ctx, [(k, None, ()) for k, _, _ in jobs], workers=1, desc="") == [2.0, 3.0, 4.0]
