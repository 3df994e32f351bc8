"""NAS-Bench-360 chapter: models, searchers, tabular transfer analysis, paper arithmetic, chapter run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nasmeta_lib.benchmarks.nb201 import OPS
from nasmeta_lib.chapters import get
from nasmeta_lib.models import CellNetwork, FNO2d, WideResNet
from nasmeta_lib.models.training import Recipe, fit, n_parameters
from nasmeta_lib.params import ParameterError
from nasmeta_lib.searchers import SEARCHERS
from nasmeta_lib.searchers.darts import darts_search, exponentiated_gradient_step
from nasmeta_lib.searchers.random_search import random_search
from nasmeta_lib.tasks import paper_results
from nasmeta_lib.tasks import tabular_transfer as tt

torch.set_num_threads(1)


def test_model_sizes_match_the_paper_table7():
    # NB360 Table 7: WRN 2.77 M (CIFAR-100), 2.75 M (NinaPro, Darcy); FNO expert on Darcy 1.19 M
    assert n_parameters(WideResNet(3, 100)) / 1e6 == pytest.approx(2.77, abs=0.005)
    assert n_parameters(WideResNet(1, 18)) / 1e6 == pytest.approx(2.75, abs=0.005)
    assert n_parameters(WideResNet(3, 1, dense=True)) / 1e6 == pytest.approx(2.75, abs=0.005)
    assert n_parameters(FNO2d(3, 1)) / 1e6 == pytest.approx(1.19, abs=0.005)
    # NB201's largest cell (all 3x3 convs) on CIFAR-10 has 1.5315 M parameters
    assert n_parameters(CellNetwork(3, 10, ("nor_conv_3x3",) * 6)) == 1_531_546


@pytest.mark.parametrize("dim,dense,shape,out", [
    (2, False, (2, 3, 16, 16), (2, 7)),
    (2, True, (2, 3, 12, 12), (2, 1, 12, 12)),
    (1, False, (2, 4, 40), (2, 5)),
    (1, True, (2, 1, 40), (2, 1, 40)),
])
def test_wrn_and_cells_cover_1d_2d_point_and_dense(dim, dense, shape, out):
    x = torch.randn(*shape)
    n_out = out[1]
    wrn = WideResNet(shape[1], n_out, dim=dim, dense=dense, widen=1)
    cell = CellNetwork(shape[1], n_out, ("nor_conv_3x3", "skip_connect", "avg_pool_3x3", "none", "nor_conv_1x1",
                                         "nor_conv_3x3"), dim=dim, dense=dense, channels=4, cells_per_stage=1)
    supernet = CellNetwork(shape[1], n_out, None, dim=dim, dense=dense, channels=4, cells_per_stage=1)
    for model in (wrn, cell, supernet):
        assert model(x).shape == out


def test_fno_output_and_grid_check():
    assert FNO2d(3, 1, modes=4, width=8)(torch.randn(2, 3, 11, 11)).shape == (2, 1, 11, 11)
    with pytest.raises(ValueError, match="modes"):
        FNO2d(3, 1, modes=12)(torch.randn(1, 3, 11, 11))


def test_unknown_cell_op_is_rejected():
    with pytest.raises(ValueError):
        CellNetwork(3, 1, ("conv_7x7",) * 6)


def test_exponentiated_gradient_stays_on_the_simplex_and_moves_against_the_gradient():
    w = torch.full((6, 5), 0.2)
    grad = torch.zeros(6, 5)
    grad[:, 3] = -1.0
    exponentiated_gradient_step(w, grad, lr=0.5)
    torch.testing.assert_close(w.sum(1), torch.ones(6))
    assert (w.argmax(1) == 3).all()


def test_searchers_are_registered_and_random_search_is_seeded():
    assert "random_cell" in SEARCHERS and "darts" in SEARCHERS
    score = {op: i for i, op in enumerate(OPS)}
    evaluate = lambda cell: sum(score[o] for o in cell)  # noqa: E731
    a, b = random_search(evaluate, 20, seed=3), random_search(evaluate, 20, seed=3)
    assert a.best == b.best and len({c for c, _ in a.history}) == 20
    assert a.best_score == max(s for _, s in a.history)
    assert random_search(lambda c: float("nan") if c == a.best else 0.0, 20, seed=3).best != a.best
    with pytest.raises(ValueError):
        random_search(evaluate, 0, seed=0)


def test_darts_search_returns_a_valid_cell_and_needs_a_supernet():
    x, y = torch.randn(8, 3, 8, 8), torch.randn(8, 1, 8, 8)
    recipe = Recipe("sgd", 0.05, 1, 4, grad_clip=5.0)
    make = lambda: CellNetwork(3, 1, None, dense=True, channels=4, cells_per_stage=1)  # noqa: E731
    mse = torch.nn.functional.mse_loss
    found = darts_search(make, x, y, mse, recipe, arch_lr=0.1, seed=0)
    assert len(found.genotype) == 6 and set(found.genotype) <= set(OPS)
    np.testing.assert_allclose(np.sum(found.arch_weights, axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="supernet"):
        darts_search(lambda: CellNetwork(3, 1, ("skip_connect",) * 6, dense=True, channels=4, cells_per_stage=1),
                     x, y, mse, recipe, 0.1, 0)


def test_training_is_deterministic_under_a_seed():
    x, y = torch.randn(16, 3, 8, 8), torch.randn(16, 1, 8, 8)
    recipe = Recipe("adam", 1e-2, 2, 4, schedule="halve")
    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        losses.append(fit(FNO2d(3, 1, modes=3, width=4), x, y, torch.nn.functional.mse_loss, recipe, seed=1))
    assert losses[0] == losses[1] and losses[0][-1] < losses[0][0] * 1.5


@pytest.fixture(scope="module")
def table():
    return tt.accuracy_table()


def test_cross_task_rank_correlations_match_the_released_data(table):
    corr = tt.rank_correlations(table).set_index(["task_a", "task_b"]).spearman
    assert corr[("cifar100", "ninapro")] == pytest.approx(0.280, abs=0.002)
    assert corr[("cifar100", "darcy")] == pytest.approx(0.480, abs=0.002)
    assert corr[("ninapro", "darcy")] == pytest.approx(-0.008, abs=0.002)
    assert tt.vision_correlations().spearman.min() > 0.9


def test_cifar100_best_cell_lands_where_the_spec_says(table):
    t = tt.best_cell_transfer(table).query("source == 'cifar100'").set_index("target")
    assert set(t.nb201_index) == {9930}
    assert t.at["ninapro", "percentile"] == pytest.approx(73.8, abs=0.1)
    assert t.at["darcy", "percentile"] == pytest.approx(98.9, abs=0.1)
    assert t.at["cifar100", "rank"] == 1


def test_op_preferences_differ_by_task(table):
    prefs = tt.op_preferences(table).pivot(index="op", columns="task", values="effect")
    assert prefs["cifar100"].idxmax() == "nor_conv_3x3" and prefs["ninapro"].idxmax() == "nor_conv_1x1"
    assert prefs.at["avg_pool_3x3", "darcy"] > 0 > prefs.at["avg_pool_3x3", "cifar100"]
    assert prefs.at["nor_conv_3x3", "cifar100"] == pytest.approx(3.91, abs=0.01)


def test_budgeted_search_picks_get_better_with_budget_on_the_target(table):
    pool = tt.proxy_pool(table)
    runs = tt.budgeted_search(table, pool, "synflow", [2, 50], repeats=30, seed=0)
    s = tt.summarise_search(runs).set_index(["target", "strategy", "budget"]).median_percentile
    for target in tt.TASKS:
        assert s[(target, "random search on target", 50)] > s[(target, "random search on target", 2)]
    with pytest.raises(ValueError, match="larger than the pool"):
        tt.budgeted_search(table, pool, "synflow", [10_000], repeats=1, seed=0)


def test_table3_recomputation_finds_the_denseNAS_column_swap():
    t3 = paper_results.table3().set_index("method")
    np.testing.assert_allclose(t3.median_rank, t3.printed_median_rank)
    assert t3.at["DenseNAS random", "median_gain_pct"] == pytest.approx(2.53, abs=0.01)
    assert t3.at["DenseNAS original", "median_gain_pct"] == pytest.approx(0.0)
    assert t3.at["DARTS GAEA", "median_gain_pct"] == pytest.approx(20.1, abs=0.05)


def test_performance_profile_of_the_constrained_setting():
    errors = paper_results.profile_errors(("WRN default", "DenseNAS original"))
    prof = paper_results.performance_profile(errors, np.array([1.0, 1.25, 1.5])).set_index(["method", "tau"])
    assert prof.fraction[("WRN default", 1.0)] == 0.6 and prof.fraction[("WRN default", 1.25)] == 0.9
    assert prof.fraction[("DenseNAS original", 1.25)] == 0.7 and prof.fraction[("DenseNAS original", 1.5)] == 0.9


def test_chapter_rejects_bad_parameters_before_running():
    chapter = get("nb360")
    with pytest.raises(ParameterError, match="divisible"):
        chapter.execute("quick", darcy_solve_resolution=57, darcy_subsample=5)
    with pytest.raises(ParameterError, match="fno_modes"):
        chapter.execute("quick", fno_modes=20)
    with pytest.raises(ParameterError):
        chapter.execute("quick", proxy="not_a_proxy")


def test_chapter_tabular_only_run_gives_verdicts(tmp_path, monkeypatch):
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path))
    result = get("nb360").execute("quick", progress=False, darcy_run=False, search_repeats=3, search_budgets=[5, 20])
    verdicts = {c.id: c.verdict for c in result.claims}
    assert verdicts["nb360.rank-transfer"] == "reproduced"
    assert {verdicts[c] for c in ("nb360.transfer-dims", "nb360.experts", "nb360.small-budget")} == {"not run"}
    assert verdicts["nb360.non-vision"] in ("partly", "not reproduced")
    assert "darcy" not in result.tables and "table2_beside_ours" in result.tables


def test_chapter_tiny_darcy_run(tmp_path, monkeypatch):
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path))
    result = get("nb360").execute(
        "quick", progress=False, search_repeats=3, search_budgets=[5], darcy_solve_resolution=21, darcy_subsample=2,
        darcy_train=12, darcy_val=4, darcy_test=4, wrn_epochs=1, fno_epochs=1, fno_modes=4, cell_epochs=1,
        search_epochs=1, random_cells=2, cell_channels=4)
    darcy = result.tables["darcy"]
    assert len(darcy) == 5 and np.isfinite(darcy.rel_l2).all()
    assert {c.id for c in result.claims} >= {"nb360.transfer-dims", "nb360.experts", "nb360.small-budget"}
