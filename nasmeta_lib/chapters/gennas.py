"""GenNAS: regression on synthetic signal bases as an architecture-ranking proxy.

The run scores a sample of NB201 cells once (GenNAS's task does not look at labels) on a fixed
batch of real CIFAR-10 training images and correlates the score with each dataset's accuracy,
beside every zero-cost proxy stored for the same cells. On the first ``compare_archs`` of those
cells it scores again with each other input (a photo's crops, noise) and with the other cell
BatchNorm (GenNAS's official cells vs NB201's affine ones). Then the rank correlation along
training iterations, the task search with few labels, TransNAS-Bench-101 micro cells, NB101 and
a uniform sample of the complete 15,625-cell NB201 table, scored against all three datasets beside
the project's proxy table on the same cells (where the full profile's NB201 claims are judged).

Every scoring runs in independent checkpointed parts (``nb201-<input>-<cell BN>-<i>``,
``nb201-full-<i>``, ``nb101``, ...), so a long run resumes after its last finished part, and
``--steps`` splits it between runs or machines.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import torch

from nasmeta_lib import benchmarks, compute, spaces, stats
from nasmeta_lib.chapters.base import Chapter, Context
from nasmeta_lib.claims import gennas as claims
from nasmeta_lib.gennas.images import SOURCES, input_batch
from nasmeta_lib.gennas.presets import PRESETS
from nasmeta_lib.gennas.score import (CELL_BN, Progress, Scores, no_progress, nb201_network, score_cells,
                                     score_models)
from nasmeta_lib.gennas.search import best, evolve
from nasmeta_lib.gennas.signals import TaskConfig
from nasmeta_lib.gennas.train import TrainConfig
from nasmeta_lib.params import Param, ParameterError
from nasmeta_lib.results import Result

NB201_TASKS = claims.NB201_TASKS
CHUNK = 50  # cells per checkpoint when training one network at a time (grouped: one group)
PAPER_CELL_BN = "official"
BN_LABELS = {"official": "official cells (BN without affine, batch statistics)", "affine": "affine BN (NB201's)"}


def _train_cfg(p: dict, iters: int | None = None) -> TrainConfig:
    iters = iters or p["iters"]
    return TrainConfig(iters=iters, eval_every=min(p["eval_every"], iters))


def _other_bn(cell_bn: str) -> str:
    return next(b for b in CELL_BN if b != cell_bn)


def _score(p: dict, archs: list, images: torch.Tensor, task, cfg: TrainConfig, seed: int, offset: int = 0,
           cell_bn: str | None = None, progress: Progress = no_progress) -> Scores:
    """GenNAS losses of NB201-style cells, grouped (GPU) or one network at a time (CPU), with the
    run's cell BatchNorm unless told otherwise. Module-level, so a part can run on a cluster's worker."""
    bn, device = cell_bn or p["cell_bn"], compute.device()
    if p["batched"]:
        return score_cells(archs, images, task, cfg, p["C"], p["N"], p["group_size"], device, seed, progress, offset, bn)
    if not isinstance(task, TaskConfig):  # one task per arch (the task search): score each alone
        parts = [score_models(lambda _, a=a: nb201_network(a, p["C"], p["N"], bn), 1, images, t, cfg, device, seed + i,
                              channels_last=p["channels_last"]) for i, (a, t) in enumerate(zip(archs, task))]
        return Scores(np.concatenate([s.losses for s in parts]), cfg.eval_steps, sum(s.seconds for s in parts))
    return score_models(lambda i: nb201_network(archs[i], p["C"], p["N"], bn), len(archs), images, task, cfg, device,
                        seed, progress, offset, p["channels_last"])


def _score_part(*args: Any, **kwargs: Any) -> dict:
    """:func:`_score` as a JSON-able checkpoint value."""
    return _score(*args, **kwargs).to_json()


class _Scorer:
    """The run's scoring: :func:`_score` with its parameters and progress bars, whole or in
    checkpointed parts."""

    def __init__(self, p: dict, ctx: Context):
        self.p, self.ctx = p, ctx

    def cells(self, archs: list, images: torch.Tensor, task, cfg: TrainConfig, seed: int) -> Scores:
        return _score(self.p, archs, images, task, cfg, seed, progress=self.ctx.progress)

    def checkpointed(self, key: str, archs: list, images: torch.Tensor, task: TaskConfig, cfg: TrainConfig,
                     seed: int, cell_bn: str | None = None) -> dict:
        """:func:`_score` in independent parts ``key-<i>`` (:meth:`Context.map`: checkpointed, on a
        cluster when the run has one), so a run stopped by a time limit resumes after its last
        finished part; the seeds follow the cells' indices, so the scores equal one call's."""
        return self.together({key: (archs, images, task, cfg, seed, cell_bn)})[key]

    def together(self, scorings: dict[str, tuple]) -> dict[str, dict]:
        """Several :meth:`checkpointed` scorings (key -> its arguments) in one :meth:`Context.map`,
        so a cluster's workers share all their parts instead of idling at the end of each small one."""
        size = self.p["group_size"] if self.p["batched"] else CHUNK
        parts, owners = [], []
        for key, (archs, images, task, cfg, seed, cell_bn) in scorings.items():
            for i, s in enumerate(range(0, len(archs), size)):
                parts.append((f"{key}-{i}", partial(_score_part, self.p, archs[s:s + size], images, task, cfg, seed, s,
                                                    cell_bn, self.ctx.part_progress)))
                owners.append(key)
        done = self.ctx.map(parts, desc=", ".join(scorings))
        runs = {}
        for key in scorings:
            mine = [value for owner, value in zip(owners, done) if owner == key]
            runs[key] = {"losses": [row for part in mine for row in part["losses"]], "steps": mine[0]["steps"],
                         "seconds": sum(part["seconds"] for part in mine)}
        return runs


def _speed_check(p: dict, ctx: Context, images: torch.Tensor, task: TaskConfig, cfg: TrainConfig,
                 sample: pd.DataFrame, metrics: dict) -> None:
    """Time one-network-at-a-time training on a few of the same cells, on the same device."""
    archs = [list(o) for o in sample.ops[: p["speed_check_archs"]]]
    single = ctx.step("speed-check", lambda: _score_part(p | {"batched": False}, archs, images, task, cfg, p["seed"]))
    one = single["seconds"] / len(archs)
    metrics |= {"seconds_per_arch_one_at_a_time": one, "grouped_speedup": one / metrics["seconds_per_arch_nb201"],
                "speed_check_archs": len(archs)}


def _rho_row(label: str, score, truth, n_boot: int, seed: int) -> dict:
    score, truth = np.asarray(score, float), np.asarray(truth, float)
    lo, hi = stats.bootstrap_ci(score, truth, n_boot=n_boot, seed=seed)
    return {"method": label, "n": int(np.isfinite(score).sum()), "spearman": stats.spearman(score, truth),
            "ci_low": lo, "ci_high": hi, "kendall": stats.kendall(score, truth)}


def _per_dataset(sample: pd.DataFrame, tables: dict[str, benchmarks.BenchmarkTable]
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.Series]]:
    """Each dataset's rows for the sampled cells, and the per-cell columns the judge pairs with a
    score: ``acc_<dataset>`` and ``<proxy>@<dataset>`` for every proxy the table stores."""
    joined = {d: sample[["arch_id"]].merge(t.frame, on="arch_id", how="left") for d, t in tables.items()}
    columns = {f"acc_{d}": j.accuracy for d, j in joined.items()}
    columns |= {f"{x}@{d}": j[x] for d, j in joined.items() for x in tables[d].proxies}
    return joined, columns


def _proxy_rows(p: dict, dataset: str, joined: pd.DataFrame, proxies: list[str], **labels: str) -> list[dict]:
    """One rho row per zero-cost proxy on the same cells as the GenNAS rows beside it."""
    return [{"dataset": dataset, "kind": "zero-cost proxy", **labels,
             **_rho_row(x, joined[x], joined.accuracy, p["n_boot"], p["seed"])} for x in proxies]


def _sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    if n > len(frame):
        raise ParameterError(f"asked for {n} architectures but the benchmark has {len(frame)}")
    return frame.sample(n, random_state=seed).reset_index(drop=True)


def _final(run: dict, n: int | None = None) -> np.ndarray:
    """Final losses of a scoring run, padded with NaN to ``n`` cells (a comparison scores the first few)."""
    last = np.asarray(run["losses"], float)[:, -1]
    return last if n is None else np.concatenate([last, np.full(n - len(last), np.nan)])


def _nb201(p: dict, scorer: _Scorer, images: dict, task: TaskConfig, cfg: TrainConfig):
    tables = {d: benchmarks.load("nb201", d) for d in NB201_TASKS}
    sample = _sample(tables["cifar10"].frame, p["n_archs"], p["seed"])
    archs = [list(o) for o in sample.ops]
    main, bn = p["image_sources"][0], p["cell_bn"]
    compared = archs[: p["compare_archs"]]
    # the main scoring and its comparisons (each other input, the other cell BN) share one map
    others, other_bn = p["image_sources"][1:], _other_bn(bn)
    scorings = {f"nb201-{main}-{bn}": (archs, images[main], task, cfg, p["seed"], None)}
    if compared:
        scorings |= {f"nb201-{s}-{bn}": (compared, images[s], task, cfg, p["seed"], None) for s in others}
        scorings[f"nb201-{main}-{other_bn}"] = (compared, images[main], task, cfg, p["seed"], other_bn)
    done = scorer.together(scorings)
    runs = {main: done[f"nb201-{main}-{bn}"]}
    bn_runs = {bn: runs[main]}
    if compared:
        runs |= {s: done[f"nb201-{s}-{bn}"] for s in others}
        bn_runs[other_bn] = done[f"nb201-{main}-{other_bn}"]
    by_dataset, cell_columns = _per_dataset(sample, tables)
    rows, curve = [], []
    for dataset, joined in by_dataset.items():
        for source, run in runs.items():
            losses = np.asarray(run["losses"])
            truth = joined.accuracy[: len(losses)]
            rows.append({"dataset": dataset, "kind": "GenNAS", "input": source,
                         **_rho_row(f"GenNAS ({source})", -losses[:, -1], truth, p["n_boot"], p["seed"])})
            curve += [{"dataset": dataset, "input": source, "iteration": step,
                       "spearman": stats.spearman(-losses[:, j], truth)} for j, step in enumerate(run["steps"])]
        rows += _proxy_rows(p, dataset, joined, tables[dataset].proxies, input="CIFAR (stored)")
    # per cell: every input's and cell BN's final loss, each dataset's accuracy and stored proxies
    # (the judge pairs them); a comparison's cells beyond compare_archs are NaN
    n = len(archs)
    sample_out = sample[["arch_id", "arch_str"]].assign(
        gennas_loss=_final(runs[main]),
        **{f"gennas_loss@{s}": _final(r, n) for s, r in runs.items()},
        **{f"gennas_loss_cell_bn@{b}": _final(r, n) for b, r in bn_runs.items()}, **cell_columns)
    seconds = {s: r["seconds"] / len(r["losses"]) for s, r in runs.items()}
    return pd.DataFrame(rows), pd.DataFrame(curve), sample_out, seconds, sample, runs[main]["losses"]


def _cell_bn_tables(p: dict, scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both cell BatchNorm variants on the same cells (the compared ones): rho of each per dataset,
    and the paired bootstrap interval of rho(affine) - rho(official)."""
    compared = scores.iloc[: p["compare_archs"]]
    rows, diffs = [], []
    for d in NB201_TASKS:
        truth = compared[f"acc_{d}"]
        for bn in CELL_BN:
            rows.append({"dataset": d, "cell_bn": bn, **_rho_row(f"GenNAS, {BN_LABELS[bn]}",
                                                                -compared[f"gennas_loss_cell_bn@{bn}"], truth,
                                                                p["n_boot"], p["seed"])})
        iv = claims.rho_difference(-compared["gennas_loss_cell_bn@affine"], -compared["gennas_loss_cell_bn@official"],
                                   truth, n_boot=p["n_boot"], seed=p["seed"])
        diffs.append({"dataset": d, "difference": "rho(affine) - rho(official)", "n": iv.n, "estimate": iv.estimate,
                      "ci_low": iv.low, "ci_high": iv.high})
    return pd.DataFrame(rows), pd.DataFrame(diffs)


def _cell_bn_note(p: dict, rho: pd.DataFrame, diff: pd.DataFrame) -> str:
    """Which cell BatchNorm ranks better in this run, in words and numbers from its tables."""
    rho = rho.set_index(["dataset", "cell_bn"]).spearman
    per = "; ".join(f"{r.dataset}: official {rho[r.dataset, 'official']:.3f}, affine {rho[r.dataset, 'affine']:.3f}, "
                    f"affine minus official [{r.ci_low:+.3f}, {r.ci_high:+.3f}]" for r in diff.itertuples())
    if (diff.ci_low > 0).all():
        verdict = "affine BN ranks better on every dataset (95% paired intervals above 0)"
    elif (diff.ci_high < 0).all():
        verdict = "the official cells rank better on every dataset (95% paired intervals below 0)"
    else:
        verdict = "neither ranks better on every dataset at 95% (some paired interval contains 0 or they disagree)"
    main = "the official code's" if p["cell_bn"] == PAPER_CELL_BN else "not the official code's"
    return (f"Cell BatchNorm, both variants on the same {int(diff.n.iloc[0])} cells and input {p['image_sources'][0]}: "
            f"{verdict}. Spearman rho {per}. This run's main scores use the {p['cell_bn']} variant ({main}).")


def _task_search(p: dict, ctx: Context, scorer: _Scorer, images: torch.Tensor, main_task: TaskConfig,
                 sample: pd.DataFrame, main_losses: list):
    """Evolve a task on ``search_labelled`` labelled cells, compare on held-out cells."""
    pool = benchmarks.load("nb201", "cifar10").frame
    pool = pool[~pool.arch_id.isin(sample.arch_id)]
    labelled = _sample(pool, p["search_labelled"], p["seed"] + 1)
    archs = [list(o) for o in labelled.ops]
    cfg = _train_cfg(p, p["search_iters"])

    def fitness(tasks: list[TaskConfig]) -> list[float]:
        pairs_archs = [a for _ in tasks for a in archs]
        pairs_tasks = [t for t in tasks for _ in archs]
        losses = scorer.cells(pairs_archs, images, pairs_tasks, cfg, p["seed"]).losses[:, -1]
        per_task = losses.reshape(len(tasks), len(archs))
        return [stats.spearman(-l, labelled.accuracy) for l in per_task]

    def run_search() -> list[dict]:
        hist = evolve(fitness, p["search_population"], p["search_rounds"], p["search_children"],
                      min(3, p["search_population"]), p["seed"], ctx.progress)
        return [{**h, "task": h["task"].to_dict()} for h in hist]

    history = ctx.step("task-search", run_search)
    winner = TaskConfig.from_dict(best(history)["task"])
    held = sample.iloc[: p["search_eval_archs"]]
    run = scorer.checkpointed("search-heldout", [list(o) for o in held.ops], images, winner, _train_cfg(p), p["seed"])
    compare = [
        _rho_row("searched task", -np.asarray(run["losses"])[:, -1], held.accuracy, p["n_boot"], p["seed"]),
        # the preset's scores of the same cells come from the main run (same seeds and settings)
        _rho_row(f"preset {main_task.name}", -np.asarray(main_losses)[: len(held), -1], held.accuracy,
                 p["n_boot"], p["seed"]),
    ]
    hist_frame = pd.DataFrame([{k: h[k] for k in ("round", "name", "fitness")} for h in history])
    per_cell = pd.DataFrame({"arch_id": held.arch_id, "accuracy": held.accuracy,
                             "searched_loss": np.asarray(run["losses"])[:, -1],
                             "preset_loss": np.asarray(main_losses)[: len(held), -1]})
    return hist_frame, pd.DataFrame(compare), per_cell, winner


def _tnb(p: dict, scorer: _Scorer, images: torch.Tensor, task: TaskConfig, cfg: TrainConfig):
    tasks = benchmarks.REGISTRY["tnb101_micro"].tasks
    frames = {t: benchmarks.load("tnb101_micro", t) for t in tasks}
    sample = _sample(frames[tasks[0]].frame, p["tnb_archs"], p["seed"])
    archs = [list(o) for o in sample.ops]
    run = scorer.checkpointed("tnb101-micro", archs, images, task, cfg, p["seed"])
    score = -np.asarray(run["losses"])[:, -1]
    rows = []
    for t, table in frames.items():
        joined = sample[["arch_id"]].merge(table.frame, on="arch_id", how="left")
        rows.append({"task": t, **_rho_row("GenNAS", score, joined.accuracy, p["n_boot"], p["seed"])})
        rows += [{"task": t, **_rho_row(proxy, joined[proxy], joined.accuracy, p["n_boot"], p["seed"])}
                 for proxy in table.proxies]
    return pd.DataFrame(rows), run["seconds"] / len(archs)


def _nb101(p: dict, ctx: Context, images: torch.Tensor, task: TaskConfig, cfg: TrainConfig):
    table = benchmarks.load("nb101", "cifar10")
    sample = _sample(table.frame, p["nb101_archs"], p["seed"])

    def run() -> dict:
        build = lambda i: spaces.build("nb101", sample.ops[i], sample.adjacency[i], stem_channels=p["nb101_C"],
                                      num_modules_per_stack=p["nb101_modules"])
        device = compute.device()
        scores = score_models(build, len(sample), images, task, cfg, device, p["seed"], ctx.progress,
                              channels_last=p["channels_last"])
        return scores.to_json() | {"device": str(device)}

    result = ctx.step("nb101", run)
    score = -np.asarray(result["losses"])[:, -1]
    rows = [_rho_row("GenNAS", score, sample.accuracy, p["n_boot"], p["seed"])]
    rows += [_rho_row(proxy, sample[proxy], sample.accuracy, p["n_boot"], p["seed"]) for proxy in table.proxies]
    return pd.DataFrame(rows), result["seconds"] / len(sample), result["device"]


def _full_space(p: dict, scorer: _Scorer, images: torch.Tensor, task: TaskConfig,
                cfg: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A uniform sample of all 15,625 NB201 cells, scored against each dataset's test accuracy beside
    the project's proxy table on the same cells: rho rows and the per-cell scores the judge pairs."""
    tables = {d: benchmarks.load("nb201_full", d) for d in NB201_TASKS}
    sample = _sample(tables["cifar10"].frame, p["full_space_archs"], p["seed"] + 2)
    run = scorer.checkpointed("nb201-full", [list(o) for o in sample.ops], images, task, cfg, p["seed"])
    by_dataset, cell_columns = _per_dataset(sample, tables)
    scores = sample[["arch_id", "arch_str"]].assign(gennas_loss=_final(run), **cell_columns)
    rows = []
    for d, joined in by_dataset.items():
        rows.append({"dataset": d, "kind": "GenNAS",
                     **_rho_row("GenNAS", -scores.gennas_loss, joined.accuracy, p["n_boot"], p["seed"])})
        rows += _proxy_rows(p, d, joined, tables[d].proxies)
    return pd.DataFrame(rows), scores


def _check(p: dict) -> None:
    """Parameter combinations that cannot work, refused before any work."""
    for name in ("search_eval_archs", "compare_archs"):
        if p[name] > p["n_archs"]:
            raise ParameterError(f"{name} ({p[name]}) exceeds n_archs ({p['n_archs']}); lower it or raise n_archs")


def _notes(p: dict, task: TaskConfig) -> list[str]:
    """Where this run's setting is not the paper's, in words read from its parameters."""
    main = p["image_sources"][0]
    if main == "cifar10":
        images = ("Input: a fixed batch of real CIFAR-10 training images, as in the official code, but the data "
                  "mirror's JPEG copies (quality 75), our seeded draw (the official code takes its shuffled loader's "
                  "first batch) and no augmentation; CIFAR-100 and ImageNet16-120 accuracies are ranked from the "
                  "same CIFAR-10 batch (the score ignores labels; the official code would feed each dataset's images).")
    else:
        images = (f"Input: '{main}', a stand-in: the official code feeds real CIFAR-10 training images "
                  "(image source 'cifar10').")
    others = p["image_sources"][1:]
    compare = (f"Comparisons on the first {p['compare_archs']} cells: input {', '.join(others) or 'none'}; the other cell "
               f"BatchNorm ({_other_bn(p['cell_bn'])})." if p["compare_archs"] else "No comparisons in this run.")
    size = "the paper's" if (p["C"], p["N"], p["iters"], p["batch_size"]) == (16, 5, 100, 16) else "not the paper's"
    return [
        images, compare,
        f"Task: {task.name}; targets 8x8 per stage; SGD lr 0.1, momentum 0.9, wd 4e-5; batch {p['batch_size']}; "
        f"{p['iters']} iterations (paper 100); losses every {p['eval_every']} iterations in eval mode; NB201 network "
        f"C={p['C']}, N={p['N']} ({size} size with batch and iterations); cell BatchNorm {p['cell_bn']}.",
        "The official cells' convolutions also carry a bias, which their BatchNorm without affine and running "
        "statistics cancels; ours have none. The official weight initialisation (init_net) is not reproduced: "
        "PyTorch's defaults.",
        "TransNAS-Bench-101 micro cells are scored on the NB201 skeleton (same cell, 32 px), not the TNB encoder; "
        "NB101 networks keep ordinary BatchNorm.",
    ]


def run(p: dict, ctx: Context) -> Result:
    _check(p)
    compute.use_threads(p["threads"])
    torch.backends.cudnn.benchmark = True  # fixed shapes per group: let cuDNN pick its fastest kernels
    scorer = _Scorer(p, ctx)
    task = PRESETS[p["task"]]
    cfg = _train_cfg(p)
    images = {s: input_batch(s, p["batch_size"], 32, p["seed"]) for s in p["image_sources"]}
    main_images = images[p["image_sources"][0]]
    # NB101 networks cannot be grouped (each has its own topology) and train one at a time: the step
    # goes first, so ``--steps nb101`` can run it alone before the rest, here or on another machine.
    nb101_part = _nb101(p, ctx, main_images, task, cfg) if p["nb101_archs"] > 0 else None

    rho, curve, scored, seconds, sample, main_losses = _nb201(p, scorer, images, task, cfg)
    tables = {"nb201_rho": rho, "rho_vs_iterations": curve, "nb201_scores": scored}
    metrics: dict = {"device": str(compute.device()), "seconds_per_arch_nb201": seconds[p["image_sources"][0]],
                     "iters": p["iters"], "paper_iters": 100}
    notes = _notes(p, task)

    for d in NB201_TASKS:
        metrics[f"rho_{d}"] = float(rho[(rho.kind == "GenNAS") & (rho.input == p["image_sources"][0])
                                        & (rho.dataset == d)].spearman.iloc[0])
    if p["compare_archs"]:
        bn_rho, bn_diff = _cell_bn_tables(p, scored)
        tables |= {"cell_bn_rho": bn_rho, "cell_bn_difference": bn_diff}
        notes.append(_cell_bn_note(p, bn_rho, bn_diff))
    if p["batched"] and p["speed_check_archs"] > 0:
        _speed_check(p, ctx, images[p["image_sources"][0]], task, cfg, sample, metrics)

    if p["search_population"] > 0:
        hist, compare, per_cell, winner = _task_search(p, ctx, scorer, main_images, task, sample, main_losses)
        tables |= {"task_search_history": hist, "task_search_heldout": compare, "task_search_scores": per_cell}
        metrics["searched_task"] = winner.to_dict()

    if p["tnb_archs"] > 0:
        tnb, sec = _tnb(p, scorer, main_images, task, cfg)
        tables["tnb101_micro_rho"] = tnb
        metrics["seconds_per_arch_tnb"] = sec
    if p["full_space_archs"] > 0:
        full, tables["nb201_full_scores"] = _full_space(p, scorer, main_images, task, cfg)
        tables["nb201_full_rho"] = full
        gennas = full[full.kind == "GenNAS"].set_index("dataset").spearman
        metrics |= {f"rho_nb201_full_{d}": float(gennas[d]) for d in NB201_TASKS}

    if nb101_part is not None:
        nb101, sec, nb101_device = nb101_part
        tables["nb101_rho"] = nb101
        metrics |= {"seconds_per_arch_nb101": sec, "device_nb101": nb101_device}
    return Result(chapter="gennas", profile="", params=p, metrics=metrics, tables=tables, notes=notes)


CHAPTER = Chapter(
    name="gennas",
    title="GenNAS: regression on synthetic signals as a ranking proxy",
    order=50,
    paper="Li, Hao, Li, Xiong, Chen. Generic Neural Architecture Search via Regression. NeurIPS 2021",
    claim="Training a network for ~100 steps to regress synthetic signal bases ranks architectures "
          "better than zero-cost proxies (e.g. NB101 rho 0.85 vs 0.38).",
    params=(
        Param("task", "str", "GenNAS proxy task preset", choices=tuple(PRESETS)),
        Param("image_sources", "str", "input batches; the first is the main one (paper: cifar10)", many=True,
              choices=SOURCES),
        Param("cell_bn", "str", "BatchNorm inside NB201 cells: official (GenNAS code: no affine, batch statistics) "
              "or affine (NB201's)", choices=tuple(CELL_BN)),
        Param("n_archs", "int", "NB201 Suite-Zero cells scored (the stored proxies' cells)", low=5),
        Param("compare_archs", "int", "of those, the first ones scored again with each other input and the other "
              "cell BatchNorm (0 = no comparison)", low=0),
        Param("iters", "int", "training iterations per architecture (paper: 100)", low=1, high=1000),
        Param("eval_every", "int", "iterations between loss measurements (paper: 10)", low=1),
        Param("batch_size", "int", "images in the fixed batch (paper: 16)", low=2, high=256),
        Param("C", "int", "NB201 channels of the first stage (paper: 16)", low=1),
        Param("N", "int", "cells per NB201 stage (paper: 5)", low=1),
        Param("batched", "bool", "train groups of cells at once (GPU) instead of one network at a time"),
        Param("group_size", "int", "networks per group when batched", low=1),
        Param("channels_last", "bool", "networks trained one at a time use the channels-last memory format (faster "
              "on a CPU; the same networks, numbers equal up to rounding)"),
        Param("search_labelled", "int", "labelled cells for the task search (paper: 20)", low=3),
        Param("search_population", "int", "task-search population (0 = skip the search)", low=0),
        Param("search_rounds", "int", "task-search rounds", low=0),
        Param("search_children", "int", "tasks bred per round", low=1),
        Param("search_iters", "int", "training iterations per task-search evaluation", low=1),
        Param("search_eval_archs", "int", "held-out cells (of the main sample) comparing searched vs preset task", low=3),
        Param("tnb_archs", "int", "TransNAS-Bench-101 micro cells (0 = skip)", low=0),
        Param("nb101_archs", "int", "NAS-Bench-101 cells (0 = skip)", low=0),
        Param("nb101_C", "int", "NB101 stem channels (paper: 16; at least 8 so every cell vertex keeps channels)", low=8),
        Param("nb101_modules", "int", "NB101 cells per stack (paper: 3)", low=1),
        Param("full_space_archs", "int", "random cells of the full 15,625-cell NB201 table, scored against all three "
              "datasets beside the project's proxy table, where the NB201 claims are judged (0 = skip; then on the "
              "Suite-Zero cells)", low=0),
        Param("speed_check_archs", "int", "cells timed one at a time to measure the grouped speedup (0 = skip)", low=0),
        Param("n_boot", "int", "bootstrap resamples for rho CIs", low=10),
        Param("threads", "int", "CPU threads for torch (at most the machine's cores)", low=1),
        Param("seed", "int", "seed for sampling, initialisation and signals", low=0),
    ),
    profiles={
        "lab": {"image_sources": ["cifar10"], "n_archs": 12, "compare_archs": 0, "iters": 40, "search_population": 0, "search_eval_archs": 10,
                "tnb_archs": 0, "nb101_archs": 0},
        "quick": {"task": "nb101_searched", "image_sources": ["cifar10", "noise"], "cell_bn": "official", "n_archs": 30,
                  "compare_archs": 15, "iters": 50, "eval_every": 10, "batch_size": 16, "C": 8, "N": 1, "batched": False,
                  "group_size": 1, "channels_last": True, "search_labelled": 6, "search_population": 3, "search_rounds": 1,
                  "search_children": 2, "search_iters": 10, "search_eval_archs": 10, "tnb_archs": 10,
                  "nb101_archs": 15, "nb101_C": 8, "nb101_modules": 1, "full_space_archs": 30, "speed_check_archs": 0,
                  "n_boot": 300, "threads": 1, "seed": 0},
        # Sized for a CPU (one network at a time, channels-last): about 770 trainings of a paper-size NB201
        # network (500 cells of the whole table, 70 + 3 x 35 Suite-Zero cells, 20 held out, 24 for the task
        # search; 100 NB101 cells). Measured with --workers 2 on 2 free cores: NB101 11 min (6.6 s a cell,
        # 2 threads), the 175 Suite-Zero trainings 28 min (about 19 s a training per worker thread), the task
        # search 7 min, the 20 held-out cells 5.5 min, the 500 whole-table cells 79 min: 2.2 h in all, which
        # can be split into several runs (parts of 50 cells, book/how-to-rerun.md, which also has the
        # paper-sized GPU command).
        "full": {"image_sources": ["cifar10", "noise", "photo"], "n_archs": 70, "compare_archs": 35, "iters": 100,
                 "C": 16, "N": 5, "batched": False, "group_size": 1, "search_labelled": 20, "search_population": 4,
                 "search_rounds": 1, "search_children": 2, "search_iters": 20, "search_eval_archs": 20, "tnb_archs": 0,
                 "nb101_archs": 100, "nb101_C": 16, "nb101_modules": 3, "full_space_archs": 500,
                 "speed_check_archs": 0, "n_boot": 1000, "threads": 2},
    },
    run=run,
    full_needs_gpu=False,
    judge=claims.judge,
    version=5,
    check=_check,
    rule_changes=claims.RULE_CHANGES,
)
