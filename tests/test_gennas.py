"""GenNAS: signal bases, grouped training equivalence, scoring, task search, chapter params."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from nasmeta_lib import spaces
from nasmeta_lib.claims.gennas import NB101, judge
from nasmeta_lib.gennas.grouped import GroupedCellNetwork
from nasmeta_lib.gennas.heads import GenNASModel
from nasmeta_lib.gennas.images import input_batch
from nasmeta_lib.gennas.presets import PRESETS
from nasmeta_lib.gennas.score import CELL_BN, nb201_network, score_cells, score_models
from nasmeta_lib.gennas.search import evolve, mutate, random_task
from nasmeta_lib.gennas.signals import Basis, TaskConfig, basis_maps, build_targets
from nasmeta_lib.gennas.train import TrainConfig, train_and_score
from nasmeta_lib.params import ParameterError
from nasmeta_lib.results import Result
from cluster_runs import serial_and_on_a_cluster

torch.set_num_threads(1)
ARCHS = [
    ["nor_conv_3x3", "skip_connect", "avg_pool_3x3", "none", "nor_conv_1x1", "nor_conv_3x3"],
    ["none", "nor_conv_1x1", "nor_conv_3x3", "skip_connect", "none", "avg_pool_3x3"],
    ["skip_connect"] * 6,
]


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------- signals
def test_sine_bases_are_bounded_waves_and_local_differs_per_image():
    images = torch.zeros(3, 3, 32, 32)
    for kind in ("sin1d", "sin2d"):
        local = basis_maps(Basis(kind, betas=(0.1, 0.2)), images, 40, 8, _gen())
        glob = basis_maps(Basis(kind, betas=(0.1, 0.2), local=False), images, 40, 8, _gen())
        assert local.shape == glob.shape == (3, 40, 8, 8)
        assert local.abs().max() <= 1.0 + 1e-6 and local.std() > 0.3
        assert torch.equal(glob[0], glob[2]) and not torch.equal(local[0], local[2])


def test_sin1d_varies_along_one_axis_only():
    maps = basis_maps(Basis("sin1d", betas=(0.15,)), torch.zeros(1, 3, 32, 32), 64, 8, _gen())[0]
    along_rows = maps.std(dim=1).amax(dim=1)  # variation down the columns
    along_cols = maps.std(dim=2).amax(dim=1)
    assert bool(((along_rows < 1e-6) | (along_cols < 1e-6)).all())


def test_dots_set_the_requested_share_of_pixels_to_plus_minus_one():
    maps = basis_maps(Basis("dot", partial=0.25), torch.zeros(2, 3, 32, 32), 10, 8, _gen())
    assert set(maps.unique().tolist()) <= {-1.0, 0.0, 1.0}
    assert bool(((maps != 0).flatten(2).sum(-1) == 16).all())
    blurred = basis_maps(Basis("dot_gaussian", partial=0.25), torch.zeros(2, 3, 32, 32), 10, 8, _gen())
    assert torch.allclose(blurred.flatten(2).abs().amax(-1), torch.ones(2, 10))
    assert (blurred != 0).float().mean() > 0.5  # the blur spreads the dots


def test_resize_basis_is_the_image_scaled_to_unit_range():
    images = input_batch("photo", 4, 32, seed=1)
    maps = basis_maps(Basis("resize"), images, 7, 8, _gen())
    assert maps.shape == (4, 7, 8, 8) and maps.min() >= -1 - 1e-6 and maps.max() <= 1 + 1e-6


def test_targets_follow_the_config_and_the_seed():
    images = input_batch("noise", 4, 32, seed=0)
    task = PRESETS["nb101_searched"]
    a, b, c = build_targets(task, images, 3), build_targets(task, images, 3), build_targets(task, images, 4)
    assert [t.shape for t in a] == [(4, 64, 8, 8), (4, 48, 8, 8), (4, 16, 8, 8)]
    assert all(torch.equal(x, y) for x, y in zip(a, b)) and not torch.equal(a[1], c[1])
    assert TaskConfig.from_dict(task.to_dict()) == task


def test_cifar10_source_is_a_seeded_batch_of_real_normalised_training_images():
    from nasmeta_lib.data import cifar10

    batch = input_batch("cifar10", 16, 32, seed=4)
    assert batch.shape == (16, 3, 32, 32) and torch.equal(batch, input_batch("cifar10", 16, 32, seed=4))
    assert not torch.equal(batch, input_batch("cifar10", 16, 32, seed=5))
    # undoing the standard normalisation gives 8-bit pixels: real images, not synthetic values
    pixels = (batch * torch.tensor(cifar10.STD).view(1, 3, 1, 1) + torch.tensor(cifar10.MEAN).view(1, 3, 1, 1)) * 255
    assert torch.allclose(pixels, pixels.round(), atol=1e-3) and pixels.min() > -1e-3 and pixels.max() < 255 + 1e-3
    assert abs(float(batch.mean())) < 0.5 and 0.5 < float(batch.std()) < 1.5
    assert batch.std(dim=(0, 2, 3)).min() > 0.3  # every channel varies: images, not a constant


def test_bad_bases_and_configs_are_rejected():
    with pytest.raises(ValueError, match="unknown signal basis"):
        Basis("stripes")
    with pytest.raises(ValueError, match="frequency"):
        Basis("sin1d")
    with pytest.raises(ValueError, match="stages"):
        TaskConfig(stages=((Basis("dot"),),), channels=(64, 64))
    with pytest.raises(ValueError, match="pool"):
        basis_maps(Basis("sin1d", betas=(0.1,)), torch.zeros(1, 3, 8, 8), 65, 8, _gen())
    with pytest.raises(ValueError, match="image source"):
        input_batch("cifar")


# ---------------------------------------------------------------- grouped == individual
def _copy_into_group(group: GroupedCellNetwork, k: int, single: GenNASModel) -> None:
    """Write single network k's weights into its channel slice of the group."""
    def put(dst: torch.nn.Module, src: torch.nn.Module) -> None:
        for name in ("weight", "bias"):
            s = getattr(src, name, None)
            if s is not None:
                d = getattr(dst, name)
                n = s.shape[0]
                d.data[k * n:(k + 1) * n] = s.data

    net = single.backbone
    put(group.stem[0], net.stem[0]), put(group.stem[1], net.stem[1])
    for g_stage, s_stage in zip(group.stages, net.stages):
        for g_block, s_block in zip(g_stage, s_stage):
            if hasattr(s_block, "conv_a"):
                for part in ("conv_a", "conv_b"):
                    put(getattr(g_block, part).conv, getattr(s_block, part)[1])
                    put(getattr(g_block, part).bn, getattr(s_block, part)[2])
                put(g_block.shortcut, s_block.shortcut[1])
                continue
            for e, (op_name, op) in enumerate(zip(s_block.ops, s_block.edge_ops)):
                if op_name in ("nor_conv_1x1", "nor_conv_3x3"):
                    put(g_block.convs[f"{e}_{op_name}"].conv, op[1])
                    put(g_block.convs[f"{e}_{op_name}"].bn, op[2])
    for g_head, s_head in zip(group.heads.heads, single.heads.heads):
        put(g_head[0], s_head[0]), put(g_head[1], s_head[1])


def _cell_bns(net: torch.nn.Module) -> list[torch.nn.BatchNorm2d]:
    """The BatchNorm layers inside the network's cells (not stem, reductions or heads)."""
    cells = [m for m in net.modules() if type(m).__name__ in ("Cell", "GroupedCell")]
    return [m for c in cells for m in c.modules() if isinstance(m, torch.nn.BatchNorm2d)]


def test_official_cell_bn_has_no_affine_and_no_running_stats_inside_cells_only():
    for net in (nb201_network(ARCHS[0], C=4, N=2, cell_bn="official"),
                GroupedCellNetwork(ARCHS, C=4, N=2, **CELL_BN["official"])):
        inside = _cell_bns(net)
        assert inside and all(not bn.affine and not bn.track_running_stats and bn.running_mean is None for bn in inside)
        outside = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d) and all(m is not b for b in inside)]
        assert outside and all(bn.affine and bn.track_running_stats for bn in outside)  # stem, reductions, head
    affine = _cell_bns(nb201_network(ARCHS[0], C=4, N=2, cell_bn="affine"))
    assert affine and all(bn.affine and bn.track_running_stats for bn in affine)
    with pytest.raises(ValueError, match="cell BatchNorm"):
        nb201_network(ARCHS[0], C=4, N=2, cell_bn="frozen")


@pytest.mark.parametrize("cell_bn", tuple(CELL_BN))
def test_grouped_network_computes_what_the_individual_networks_compute(cell_bn):
    torch.manual_seed(0)
    singles = [GenNASModel(nb201_network(a, C=4, N=2, cell_bn=cell_bn), (6, 5, 3)) for a in ARCHS]
    group = GroupedCellNetwork(ARCHS, C=4, N=2, out_channels=(6, 5, 3), **CELL_BN[cell_bn])
    for k, s in enumerate(singles):
        _copy_into_group(group, k, s)
    x = torch.randn(5, 3, 32, 32)
    for training in (True, False):  # official cells use batch statistics in eval mode too
        for net in (group, *singles):
            net.train(training)
        grouped_out = group(x)
        for k, s in enumerate(singles):
            for g, o in zip(grouped_out, s(x)):
                assert torch.allclose(g[:, k], o[:, 0], atol=1e-5)


@pytest.mark.parametrize("cell_bn", tuple(CELL_BN))
def test_grouped_training_matches_individual_training(cell_bn):
    torch.manual_seed(1)
    task = PRESETS["combo"]
    images = input_batch("noise", 4, 32, seed=0)
    singles = [GenNASModel(nb201_network(a, C=4, N=1, cell_bn=cell_bn), task.channels) for a in ARCHS]
    group = GroupedCellNetwork(ARCHS, C=4, N=1, out_channels=task.channels, **CELL_BN[cell_bn])
    for k, s in enumerate(singles):
        _copy_into_group(group, k, s)
    targets = [t[:, None] for t in build_targets(task, images, 0)]
    cfg = TrainConfig(iters=4, eval_every=2)
    grouped = train_and_score(group, images, targets, [task], cfg)
    alone = np.concatenate([train_and_score(s, images, targets, [task], cfg) for s in singles], axis=1)
    assert grouped.shape == alone.shape == (2, 3)
    np.testing.assert_allclose(grouped, alone, rtol=1e-3)


# ---------------------------------------------------------------- training and scoring
def test_regression_loss_falls_with_training():
    task = PRESETS["nb101_searched"]
    res = score_cells(ARCHS[:2], input_batch("photo", 8, 32), task, TrainConfig(iters=30, eval_every=10), C=4, N=1,
                      group_size=2)
    assert res.losses.shape == (2, 3) and res.steps == [10, 20, 30]
    assert bool((res.losses[:, -1] < res.losses[:, 0]).all())
    np.testing.assert_array_equal(res.score, -res.losses[:, -1])


def test_scores_are_reproducible_with_a_seed():
    images, task, cfg = input_batch("noise", 4, 32), PRESETS["sin2d"], TrainConfig(iters=3, eval_every=3)
    build = lambda i: spaces.build("nb201", ARCHS[i], C=4, N=1)
    a = score_models(build, 2, images, task, cfg, seed=5)
    b = score_models(build, 2, images, task, cfg, seed=5)
    np.testing.assert_array_equal(a.losses, b.losses)


def test_channels_last_trains_the_same_networks_in_that_layout(monkeypatch):
    """The faster CPU layout: the model and the input really are channels-last, and the losses are
    the contiguous run's up to rounding (a few steps, before SGD amplifies it)."""
    images, task, cfg = input_batch("noise", 4, 32), PRESETS["sin2d"], TrainConfig(iters=2, eval_every=1)
    build = lambda i: nb201_network(ARCHS[i], 4, 1, "official")
    plain = score_models(build, 2, images, task, cfg, seed=1)
    layouts = []

    def spy(model, x, *args):
        conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
        layouts.append((x.is_contiguous(memory_format=torch.channels_last), conv.weight.is_contiguous(
            memory_format=torch.channels_last)))
        return train_and_score(model, x, *args)

    monkeypatch.setattr("nasmeta_lib.gennas.score.train_and_score", spy)
    last = score_models(build, 2, images, task, cfg, seed=1, channels_last=True)
    assert layouts == [(True, True)] * 2
    np.testing.assert_allclose(last.losses, plain.losses, rtol=1e-4)


def test_scoring_in_parts_equals_one_call():
    """What lets a long run checkpoint part by part without changing its numbers."""
    images, task, cfg = input_batch("noise", 4, 32), PRESETS["sin2d"], TrainConfig(iters=2, eval_every=2)
    archs = ARCHS  # three cells: parts of two and one
    whole = score_cells(archs, images, task, cfg, C=2, N=1, group_size=2, seed=3).losses
    parts = [score_cells(archs[s:s + 2], images, task, cfg, C=2, N=1, group_size=2, seed=3, offset=s).losses for s in (0, 2)]
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=1e-6)
    build = lambda i: spaces.build("nb201", archs[i], C=2, N=1)
    whole = score_models(build, 3, images, task, cfg, seed=3).losses
    tail = score_models(lambda i: build(i + 1), 2, images, task, cfg, seed=3, offset=1).losses
    np.testing.assert_allclose(tail, whole[1:], rtol=1e-6)
    with pytest.raises(ValueError, match="multiple of group_size"):
        score_cells(archs, images, task, cfg, C=2, N=1, group_size=2, offset=1)


def test_grouped_scoring_with_one_task_per_arch():
    images = input_batch("noise", 4, 32)
    rng = np.random.default_rng(0)
    tasks = [random_task(rng), random_task(rng), PRESETS["combo"]]
    res = score_cells(ARCHS, images, tasks, TrainConfig(iters=2, eval_every=1), C=4, N=1, group_size=3)
    assert res.losses.shape == (3, 2) and np.isfinite(res.losses).all()
    with pytest.raises(ValueError, match="channel"):
        score_cells(ARCHS[:2], images, [PRESETS["combo"], PRESETS["nb101_searched"]], C=4, N=1)


# ---------------------------------------------------------------- task search
def test_task_search_keeps_the_fittest_and_is_seeded():
    def fitness(tasks):  # a cheap stand-in: prefers tasks with many bases
        return [float(sum(len(s) for s in t.stages)) for t in tasks]

    h1 = evolve(fitness, population=4, rounds=3, children=2, tournament=2, seed=3)
    h2 = evolve(fitness, population=4, rounds=3, children=2, tournament=2, seed=3)
    assert len(h1) == 4 + 3 * 2 and [h["fitness"] for h in h1] == [h["fitness"] for h in h2]
    assert max(h["fitness"] for h in h1[4:]) >= np.median([h["fitness"] for h in h1[:4]])
    task = random_task(np.random.default_rng(1))
    assert mutate(task, np.random.default_rng(2), keep=1.0).stages == task.stages
    with pytest.raises(ValueError, match="tournament"):
        evolve(fitness, population=2, tournament=3)


# ---------------------------------------------------------------- chapter
def test_chapter_rejects_bad_parameters_before_work():
    from nasmeta_lib.chapters import get

    chapter = get("gennas")
    with pytest.raises(ParameterError):
        chapter.resolve("quick", {"task": "cifar"})
    with pytest.raises(ParameterError):
        chapter.resolve("quick", {"image_sources": ["imagenet"]})
    with pytest.raises(ParameterError):
        chapter.resolve("quick", {"cell_bn": "frozen"})
    with pytest.raises(ParameterError, match="search_eval_archs"):
        chapter.run(chapter.resolve("quick", {"n_archs": 5, "search_eval_archs": 6, "compare_archs": 5}), None)
    with pytest.raises(ParameterError, match="compare_archs"):
        chapter.check_params(chapter.resolve("quick", {"n_archs": 10, "compare_archs": 11}))


@pytest.mark.slow
def test_chapter_runs_end_to_end_on_tiny_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("NASMETA_RESULTS", str(tmp_path))
    from nasmeta_lib.chapters import get

    r = get("gennas").execute("quick", force=True, progress=False, n_archs=6, compare_archs=4, iters=2, eval_every=1,
                              tnb_archs=4, full_space_archs=3,
                              search_population=2, search_rounds=1, search_children=1, search_labelled=3,
                              search_iters=1, search_eval_archs=3, C=2, nb101_archs=3, nb101_C=8,
                              n_boot=20)
    assert {c.id for c in r.claims} >= {"gennas.nb201-cifar10", "gennas.input-agnostic", "gennas.task-search",
                                            "gennas.nb101"}
    assert all(c.verdict == "not run" and "quick profile" in c.ours for c in r.claims)  # never judged vs the paper
    assert set(r.tables) >= {"nb201_rho", "rho_vs_iterations", "tnb101_micro_rho", "task_search_history", "nb101_rho",
                             "task_search_scores", "cell_bn_rho", "cell_bn_difference", "nb201_full_rho"}
    # what the full profile's judge pairs: each input's loss, each dataset's proxies, per cell
    scores = r.tables["nb201_scores"]
    assert {"gennas_loss@cifar10", "gennas_loss@noise", "gennas_loss_cell_bn@affine", "synflow@cifar10"} <= set(scores)
    assert scores["gennas_loss@noise"].notna().sum() == 4  # the comparisons score the first compare_archs cells
    np.testing.assert_array_equal(scores["gennas_loss_cell_bn@official"], scores["gennas_loss"])  # the main variant
    bn = r.tables["cell_bn_rho"]
    assert set(zip(bn.dataset, bn.cell_bn)) == {(d, b) for d in ("cifar10", "cifar100", "ImageNet16-120") for b in CELL_BN}
    full = r.tables["nb201_full_rho"]
    assert set(full.dataset) == {"cifar10", "cifar100", "ImageNet16-120"}
    assert set(full.kind) == {"GenNAS", "zero-cost proxy"} and "synflow" in set(full.method)
    whole = r.tables["nb201_full_scores"]  # the full profile's NB201 claims pair these, cell by cell
    assert len(whole) == 3 and {"gennas_loss", "acc_cifar100", "synflow@cifar10", "nwot@ImageNet16-120"} <= set(whole)
    assert any(n.startswith("Cell BatchNorm, both variants on the same 4 cells") for n in r.notes)
    r.profile = "full"
    judged, _ = judge(r)
    assert {c.id: c.verdict for c in judged}["gennas.input-agnostic"] != "not run"


@pytest.mark.slow
def test_the_scoring_parts_give_the_same_numbers_on_a_local_cluster(tmp_path, monkeypatch):
    tiny = dict(n_archs=5, compare_archs=2, iters=2, eval_every=1, tnb_archs=0, full_space_archs=2,
                search_population=0, search_eval_archs=3, C=2, nb101_archs=3, nb101_C=8, n_boot=20)
    serial, distributed = serial_and_on_a_cluster("gennas", tmp_path, monkeypatch, **tiny)
    for name in ("nb201_scores", "nb201_rho", "cell_bn_rho", "nb201_full_rho", "nb201_full_scores"):
        pd.testing.assert_frame_equal(distributed.tables[name], serial.tables[name], obj=name)


@pytest.mark.slow
def test_nb101_step_alone_then_the_rest_resumes_from_it(tmp_path, monkeypatch, capsys):
    """The CPU/GPU split of the full profile: ``--steps nb101`` here, the rest elsewhere."""
    monkeypatch.setenv("NASMETA_RESULTS", str(tmp_path))
    from nasmeta_lib.cli import main

    tiny = ["-p", "n_archs", "6", "-p", "iters", "2", "-p", "eval_every", "1", "-p", "tnb_archs", "0",
            "-p", "search_population", "0", "-p", "search_eval_archs", "3", "-p", "C", "2", "-p", "nb101_archs", "3",
            "-p", "nb101_C", "8", "-p", "n_boot", "20", "-p", "image_sources", "noise", "-p", "compare_archs", "0"]
    assert main(["run", "gennas", "--headless", "--steps", "nb101", *tiny]) == 0
    out = capsys.readouterr().out
    assert "stopped before step 'nb201-noise-official-0'" in out and "checkpointed so far: nb101" in out
    assert not list(tmp_path.glob("gennas/quick-*.json"))
    assert main(["run", "gennas", "--headless", *tiny]) == 0
    (result,) = tmp_path.glob("gennas/quick-*.json")
    assert json.loads(result.read_text())["metrics"]["device_nb101"] == "cpu"


# ---------------------------------------------------------------- verdicts
def _nb101_result(profile: str, gennas_rho: tuple[float, float, float], proxy_rho: tuple[float, float, float],
                  speedup: float | None = None) -> Result:
    rows = [{"method": m, "n": 100, "spearman": r[0], "ci_low": r[1], "ci_high": r[2], "kendall": r[0] * 0.7}
            for m, r in (("GenNAS", gennas_rho), ("synflow", proxy_rho), ("flops", (0.2, 0.1, 0.3)))]
    metrics = {"device_nb101": "cpu", "device": "cpu"}
    if speedup is not None:
        metrics |= {"grouped_speedup": speedup, "seconds_per_arch_nb201": 1.0, "seconds_per_arch_one_at_a_time": speedup}
    params = {"nb101_C": 16, "nb101_modules": 3, "iters": 100, "image_sources": ["cifar10"], "cell_bn": "official",
              "seed": 0, "n_boot": 50}
    return Result("gennas", profile, params, metrics=metrics, tables={"nb101_rho": pd.DataFrame(rows)})


def test_quick_profile_never_judges_against_the_paper():
    claims, checks = judge(_nb101_result("quick", (0.9, 0.85, 0.95), (0.3, 0.2, 0.4), speedup=2.0))
    assert all(c.verdict == "not run" and "quick profile" in c.ours for c in claims)
    (check,) = checks
    assert check.id == "gennas.grouped-speedup" and not check.passed  # an internal target is a check


def _nb101_claim(result: Result):
    return next(c for c in judge(result)[0] if c.id == "gennas.nb101")


def test_nb101_is_judged_on_the_interval_over_cells_with_the_best_proxy_as_control():
    assert NB101.threshold == pytest.approx(0.75)
    reached = _nb101_claim(_nb101_result("full", (0.86, 0.8, 0.91), (0.4, 0.25, 0.52)))
    assert reached.verdict == "reproduced" and reached.controls[0].method.endswith("(synflow)")
    assert reached.controls[0].verdict == "not reproduced"
    assert _nb101_claim(_nb101_result("full", (0.6, 0.5, 0.7), (0.4, 0.25, 0.52))).verdict == "not reproduced"
    assert _nb101_claim(_nb101_result("full", (0.8, 0.7, 0.88), (0.4, 0.25, 0.52))).verdict == "inconclusive"
    # a proxy that reaches the paper's level too: the bar does not discriminate
    blind = _nb101_claim(_nb101_result("full", (0.86, 0.8, 0.91), (0.84, 0.78, 0.9)))
    assert blind.verdict == "inconclusive" and blind.controls[0].verdict == "reproduced"


def _nb201_scores(n: int, gennas_noise: float, seed: int = 0) -> pd.DataFrame:
    """Per-cell CIFAR-10 scores: GenNAS with the given noise, a weak proxy and a blind one."""
    rng = np.random.default_rng(seed)
    acc = rng.normal(size=n)
    return pd.DataFrame({"gennas_loss": -(acc + rng.normal(0, gennas_noise, n)), "acc_cifar10": acc,
                         "synflow@cifar10": acc + rng.normal(0, 1.5, n), "flops@cifar10": rng.normal(size=n),
                         "gennas_loss@cifar10": -acc})  # GenNAS under the input 'cifar10': never a proxy


def _nb201_claim(**tables: pd.DataFrame):
    from nasmeta_lib.claims.gennas import _nb201

    result = _nb101_result("full", (0.86, 0.8, 0.91), (0.4, 0.25, 0.52))
    result.tables |= tables
    result.params |= {"C": 16, "N": 5}
    return _nb201(result, "cifar10")


def test_nb201_claims_pair_gennas_with_every_proxy_on_the_same_cells():
    claim = _nb201_claim(nb201_scores=_nb201_scores(200, 0.2))
    assert claim.verdict == "reproduced" and claim.controls[0].method == "random score"
    assert "vs synflow" in claim.ours and "vs flops" in claim.ours and "gennas_loss" not in claim.ours
    assert claim.controls[0].verdict == "not reproduced" and claim.interval.n == 200
    assert "Suite-Zero" in claim.evidence


def test_nb201_claims_are_judged_on_the_whole_table_sample_when_the_run_scored_one():
    # few Suite-Zero cells where GenNAS is no better than a proxy, many whole-table cells where it is
    claim = _nb201_claim(nb201_scores=_nb201_scores(30, 3.0), nb201_full_scores=_nb201_scores(300, 0.2, seed=1))
    assert claim.verdict == "reproduced" and claim.interval.n == 300
    assert claim.evidence.startswith("300 cells: a uniform sample of all 15,625 cells")


def test_input_claim_is_not_run_without_compared_cells():
    result = _nb101_result("full", (0.86, 0.8, 0.91), (0.4, 0.25, 0.52))
    result.params |= {"image_sources": ["cifar10", "noise"], "compare_archs": 0}
    claim = next(c for c in judge(result)[0] if c.id == "gennas.input-agnostic")
    assert claim.verdict == "not run" and "compare_archs = 0" in claim.ours
