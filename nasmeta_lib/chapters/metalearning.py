"""Few-shot adaptation of a NAS predictor across benchmarks (Loya, Dudziak, Mehrotra et al. 2023).

Leave-one-group-out: a *group* is every setting of one search space and dataset (NB201's
Suite-Zero sample on CIFAR-100 and the full NB201 table on CIFAR-100 rank the same cells,
rho ~ 1), so a held-out setting's twin never sits in the training pool. For every held-out
group, a predictor is (a) trained from scratch on k labelled architectures of a target setting,
or first learned from all settings *outside* the group, by plain multi-task pretraining or by
meta-learning (MAML, first-order MAML, Reptile), and then adapted to the same k architectures.
The ranking of the setting's other architectures is scored by Spearman rho and Kendall tau.

A transferred start is adapted twice: with the meta-learner's short SGD inner loop, and with
exactly the from-scratch recipe (``<approach>+adam``), the equal-budget comparison. The
negative control ``maml_permuted`` is MAML run on targets permuted within each training setting.

A second experiment learns only from NB201 and TransNAS-Bench-101 settings and adapts to search
spaces never seen (NAS-Bench-Graph, NB101). The task correlation of a held-out setting is its
highest rank correlation with a training setting of the same space (shared architectures; 0 when
none). The claims and their rules live in :mod:`nasmeta_lib.claims.metalearning`.
"""

from __future__ import annotations

import itertools
import time
from functools import lru_cache, partial

import numpy as np
import pandas as pd
import torch

from nasmeta_lib import benchmarks, compute, executors, stats
from nasmeta_lib.chapters.base import Chapter, Context
from nasmeta_lib.claims import metalearning as claims
from nasmeta_lib.params import Param, ParameterError
from nasmeta_lib.predictors import PREDICTORS, PROXY_ONLY
from nasmeta_lib.predictors import encodings, meta
from nasmeta_lib.results import Result

TRANSFER = meta.OUTER_METHODS + tuple(meta.CONTROLS)
APPROACHES = ("scratch",) + TRANSFER
EXTRAPOLATION_SOURCES = ("nb201", "nb201_full", "tnb101_micro", "tnb101_macro")


def _setting_keys() -> tuple[str, ...]:
    return tuple(s.key for s in benchmarks.settings())


def group_of(key: str) -> str:
    """The held-out unit of ``key``: its search space and dataset ("nb201/cifar100" for both
    nb201/cifar100 and nb201_full/cifar100). Twins in one group share cells and rank them
    alike, so every split keeps a group on one side."""
    s = benchmarks.parse_key(key)
    return f"{s.space}/{s.task}"


@lru_cache(maxsize=None)
def _accuracy_by_arch(key: str) -> pd.Series:
    s = benchmarks.parse_key(key)
    table = benchmarks.load(s.benchmark, s.task)
    return pd.Series(table.accuracy.to_numpy(), index=encodings.arch_keys(table))


def task_correlation(target: str, pool: list[str]) -> tuple[float, str]:
    """Highest Spearman rho between ``target``'s accuracies and a pool setting of the same
    space, over shared architectures; (0.0, "") when the pool has no setting of that space."""
    space = benchmarks.parse_key(target).space
    best, best_key = 0.0, ""
    for key in pool:
        if benchmarks.parse_key(key).space != space or key == target:
            continue
        a, b = _accuracy_by_arch(target).align(_accuracy_by_arch(key), join="inner")
        rho = stats.spearman(a, b)
        if np.isfinite(rho) and (not best_key or rho > best):
            best, best_key = rho, key
    return best, best_key


def _folds(params: dict) -> list[dict]:
    """The evaluation folds: one per held-out group (its held-out settings are the targets, none
    of its settings trains), plus the extrapolation fold."""
    keys = _setting_keys()
    groups = dict.fromkeys(group_of(h) for h in params["heldout"])  # first-seen order
    folds = [
        {"experiment": "leave-one-out", "pool": [k for k in keys if group_of(k) != g],
         "targets": [h for h in params["heldout"] if group_of(h) == g]}
        for g in groups
    ]
    sources = [k for k in keys if benchmarks.parse_key(k).benchmark in params["extrapolation_sources"]]
    if params["extrapolation_targets"]:
        folds.append({"experiment": "extrapolation", "pool": sources, "targets": list(params["extrapolation_targets"])})
    return folds


def _validate(params: dict, folds: list[dict]) -> None:
    spaces = {benchmarks.parse_key(k).space for k in folds[-1]["pool"]} if folds[-1]["experiment"] == "extrapolation" else set()
    if missing := set(params["adam_adaptation"]) - set(params["approaches"]):
        raise ParameterError(f"adam_adaptation names approaches that do not run: {', '.join(sorted(missing))}")
    for t in params["extrapolation_targets"]:
        if benchmarks.parse_key(t).space in spaces:
            raise ParameterError(f"extrapolation target {t!r} is in a search space the extrapolation sources cover")
    need = max(params["shots"]) + params["n_query"]
    for fold in folds:
        for t in fold["targets"]:
            s = benchmarks.parse_key(t)
            n = min(len(benchmarks.load(s.benchmark, s.task)), params["max_archs"])
            if n < need:
                raise ParameterError(f"setting {t!r} has {n} usable architectures; shots + n_query needs {need}")


def _config(params: dict) -> meta.MetaConfig:
    return meta.MetaConfig(
        iterations=params["iterations"],
        meta_batch=params["meta_batch"],
        inner_steps=params["inner_steps"],
        test_steps=2 * params["inner_steps"],
        scratch_steps=params["scratch_steps"],
    )


def _meta_train(approach: str, build, pools: list[list[encodings.EncodedSetting]], params: dict,
                device: torch.device) -> meta.Params:
    """Transferred starts, one per fold; a control permutes each training setting's targets first."""
    method = meta.CONTROLS.get(approach, approach)
    if approach in meta.CONTROLS:
        pools = [[meta.permute_targets(s, params["meta_seed"] + j) for j, s in enumerate(pool)] for pool in pools]
    return meta.meta_train(method, build, pools, _config(params), params["meta_seed"], device)


def _evaluate_predictor(name: str, approach: str, folds: list[dict], params: dict, device: torch.device) -> dict:
    """Scores of one (predictor, approach) on every fold's targets, and its training seconds (one
    part of the run: its meta-training is seeded by ``meta_seed``, its evaluation by the seeds)."""
    build = partial(PREDICTORS[name], hidden=params["hidden"], layers=params["layers"])
    enc = partial(encodings.encode, max_archs=params["max_archs"])
    proxy_only = name in PROXY_ONLY
    usable = lambda key: not proxy_only or enc(key).has_proxies  # noqa: E731
    folds = [{**f, "pool": [k for k in f["pool"] if usable(k)], "targets": [k for k in f["targets"] if usable(k)]} for f in folds]
    folds = [f for f in folds if f["targets"]]
    cfg = _config(params)
    t0 = time.perf_counter()
    inits = None
    if approach != "scratch":
        inits = _meta_train(approach, build, [[enc(k) for k in f["pool"]] for f in folds], params, device)
    train_seconds = time.perf_counter() - t0
    cases = [(i, t) for i, f in enumerate(folds) for t in f["targets"]]
    case_inits = None if inits is None else {k: v[[i for i, _ in cases]] for k, v in inits.items()}
    seeds = list(range(params["seeds"]))
    # "<approach>+adam": the transferred start trained like from scratch, an equal-budget comparison
    adaptations = [("sgd", approach)] + ([("adam", f"{approach}+adam")] if approach in params["adam_adaptation"] else [])
    rows = []
    for (adapt, label), shots in itertools.product(adaptations, params["shots"]):
        scores = meta.evaluate(build, case_inits, [enc(t) for _, t in cases], shots, seeds, cfg, params["n_query"], device,
                               adapt=adapt)
        for (i, target), per_seed in zip(cases, scores):
            rows += [
                {
                    "experiment": folds[i]["experiment"],
                    "predictor": name,
                    "approach": label,
                    "setting": target,
                    "shots": shots,
                    "seed": seed,
                    "spearman": float(rho),
                    "kendall": float(tau),
                }
                for seed, (rho, tau) in zip(seeds, per_seed)
            ]
    return {"rows": rows, "train_seconds": train_seconds, "seconds": time.perf_counter() - t0}


def _summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean rho over target settings with an interval inside [-1, 1] (Fisher z over settings)."""
    rows = []
    for key, g in scores.groupby(["experiment", "predictor", "approach", "shots"]):
        m, lo, hi = stats.correlation_mean_ci(g.groupby("setting").spearman.mean())
        rows.append(dict(zip(["experiment", "predictor", "approach", "shots"], key), spearman=m, spearman_lo=lo, spearman_hi=hi,
                         kendall=g.groupby("setting").kendall.mean().mean(), n_settings=g.setting.nunique()))
    return pd.DataFrame(rows)


def _gains(scores: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Per setting and shots: each transfer approach's mean rho minus from-scratch rho (same
    labelled architectures per seed, so the difference is paired)."""
    means = scores.groupby(["experiment", "predictor", "approach", "setting", "shots"]).spearman.mean().reset_index()
    scratch = means[means.approach == "scratch"].drop(columns="approach").rename(columns={"spearman": "scratch"})
    gains = means[means.approach != "scratch"].merge(scratch, on=["experiment", "predictor", "setting", "shots"])
    gains["gain"] = gains.spearman - gains.scratch
    return gains.merge(targets, on=["experiment", "setting"], how="left")


def _targets(folds: list[dict], params: dict) -> pd.DataFrame:
    """One row per (fold, target): its group and space, its task correlation with the fold's
    training pool, and how many pool settings share its group (0 when nothing leaks)."""
    rows = []
    for f in folds:
        for t in f["targets"]:
            rho, closest = task_correlation(t, f["pool"])
            rows.append({"experiment": f["experiment"], "setting": t, "group": group_of(t), "space": benchmarks.parse_key(t).space,
                         "task_correlation": rho, "closest_setting": closest, "pool_size": len(f["pool"]),
                         "pool_same_group": sum(group_of(k) == group_of(t) for k in f["pool"]),
                         "n_proxies": encodings.encode(t, params["max_archs"]).n_proxies})
    return pd.DataFrame(rows)


def run(params: dict, ctx: Context) -> Result:
    folds = _folds(params)
    _validate(params, folds)
    compute.use_threads(params["threads"])
    device = compute.device()
    # every (predictor, approach) is an independent part: its folds are meta-trained side by side in one vmap
    pairs = list(itertools.product(params["predictors"], params["approaches"]))
    outs = ctx.map([(f"{name}-{approach}", partial(_evaluate_predictor, name, approach, folds, params, device))
                    for name, approach in pairs], desc="predictor x approach")
    scores = pd.DataFrame([row for out in outs for row in out["rows"]])
    timing = [{"predictor": name, "approach": approach, "train_seconds": out["train_seconds"], "seconds": out["seconds"]}
              for (name, approach), out in zip(pairs, outs)]
    targets = _targets(folds, params)
    gains = _gains(scores, targets)
    notes = [
        f"device: {device}; meta-training runs once per fold (seed {params['meta_seed']}); the {params['seeds']} seeds draw "
        "the labelled architectures and the from-scratch initialisations.",
        f"every setting is sub-sampled to at most {params['max_archs']} architectures; each seed ranks {params['n_query']} "
        "unlabelled architectures of the target setting.",
        f"two adaptation budgets: a transferred start adapts with {2 * params['inner_steps']} SGD steps (the meta-learner's "
        f"inner loop, doubled) or, as '<approach>+adam', with the from-scratch recipe ({params['scratch_steps']} Adam steps).",
        f"leave-one-out holds out {len(folds) - bool(params['extrapolation_targets'])} groups (space and dataset): "
        "no training pool holds a setting of its target's group.",
        f"the {len(pairs)} (predictor, approach) parts {executors.in_words(ctx.executor.describe())}; table timing "
        "gives each part's wall-clock seconds (parts that run side by side share the machine).",
    ]
    if any(p in PROXY_ONLY for p in params["predictors"]):
        notes.append("proxy-only predictors skip settings without stored proxies (the full NB201 tables).")
    return Result(
        chapter="metalearning",
        profile="",
        params=params,
        tables={
            "scores": scores,
            "summary": _summary(scores),
            "gains": gains,
            "task_correlation": targets,
            "correlation_tests": claims.correlation_tests(gains),
            "timing": pd.DataFrame(timing),
            "paper": pd.DataFrame([{"claim": k, "paper": v} for k, v in claims.PAPER.items()]),
        },
        notes=notes,
    )


QUICK = {
    "heldout": ["nb201/ImageNet16-120", "tnb101_micro/class_scene", "tnb101_macro/autoencoder", "nb101/cifar10"],
    "extrapolation_sources": list(EXTRAPOLATION_SOURCES),
    "extrapolation_targets": ["nbgraph/cora", "nbgraph/proteins"],
    "predictors": ["gcn_proxy", "mlp_proxy"],
    "approaches": ["scratch", "pretrain", "maml", "maml_permuted"],
    "adam_adaptation": ["maml", "maml_permuted"],
    "shots": [10, 20, 50],
    "seeds": 3,
    "iterations": 40,
    "meta_batch": 4,
    "inner_steps": 3,
    "scratch_steps": 100,
    "hidden": 16,
    "layers": 2,
    "max_archs": 800,
    "n_query": 300,
    "meta_seed": 0,
    "threads": 1,
}
FULL = QUICK | {
    "heldout": list(_setting_keys()),
    "extrapolation_targets": [k for k in _setting_keys() if benchmarks.parse_key(k).space in ("nbgraph", "nb101")],
    # sized for 2 shared CPU cores (see perf/metalearning_speed.py): FOMAML, Reptile, the one-hot
    # MLP, pretrain's equal-budget variant and 50 shots carry no verdict and are left to explicit runs
    # (steps run in this order, the judged ones first, each checkpointed)
    "predictors": ["gcn_proxy", "mlp_proxy"],
    "approaches": ["scratch", "maml", "maml_permuted", "pretrain"],
    "adam_adaptation": ["maml", "maml_permuted"],
    "shots": [10, 20],
    "seeds": 5,
    "iterations": 50,
    "meta_batch": 8,
    "inner_steps": 5,
    "scratch_steps": 150,
    "hidden": 32,
    "max_archs": 2000,
    "n_query": 400,
    "threads": 8,
}

CHAPTER = Chapter(
    name="metalearning",
    title="Few-shot adaptation of NAS predictors across benchmarks",
    order=60,
    paper="Loya, Dudziak, Mehrotra et al. 2023, How Much Is Hidden in the NAS Benchmarks? Few-Shot Adaptation of a NAS Predictor",
    claim="A predictor meta-learned on other NAS settings adapts to a new setting from 10-20 labelled architectures "
    "better than one trained from scratch; the gain follows task correlation and extends to a new search space.",
    params=(
        Param("heldout", "str", "settings held out, group by group (a group: one space and dataset)", many=True, choices=_setting_keys),
        Param("extrapolation_sources", "str", "benchmarks the extrapolation predictor learns from", many=True, min_items=0,
              choices=lambda: tuple(benchmarks.REGISTRY)),
        Param("extrapolation_targets", "str", "settings of unseen spaces to adapt to", many=True, min_items=0, choices=_setting_keys),
        Param("predictors", "str", "predictors (the first one carries the verdicts)", many=True, choices=lambda: PREDICTORS.names()),
        Param("approaches", "str", "how the predictor is trained (maml_permuted: the negative control)", many=True,
              choices=APPROACHES),
        Param("adam_adaptation", "str", "transfer approaches also adapted with the from-scratch recipe (Adam, "
              "scratch_steps): the same training from a different start", many=True, min_items=0, choices=TRANSFER),
        Param("shots", "int", "labelled architectures of the target setting", many=True, low=3, high=200),
        Param("seeds", "int", "seeds per (setting, shots)", low=1, high=50),
        Param("iterations", "int", "meta-training outer steps", low=1, high=5000),
        Param("meta_batch", "int", "tasks per outer step", low=1, high=64),
        Param("inner_steps", "int", "SGD steps of the inner loop (test-time adaptation takes twice as many)", low=1, high=20),
        Param("scratch_steps", "int", "Adam steps when training from scratch", low=1, high=2000),
        Param("hidden", "int", "hidden width of the predictor", low=4, high=512),
        Param("layers", "int", "GCN layers", low=1, high=6),
        Param("max_archs", "int", "architectures kept per setting (random sub-sample)", low=100, high=30000),
        Param("n_query", "int", "unlabelled architectures ranked per seed", low=10, high=5000),
        Param("meta_seed", "int", "seed of meta-training", low=0),
        Param("threads", "int", "CPU threads for torch (at most the machine's cores)", low=1, high=64),
    ),
    profiles={"lab": {"heldout": ["nb201/ImageNet16-120"], "extrapolation_targets": ["nbgraph/cora"],
                      "predictors": ["gcn_proxy"], "shots": [10, 20]},
              "quick": QUICK, "full": FULL},
    run=run,
    judge=claims.judge,
    version=2,
    rule_changes=claims.RULE_CHANGES,
)
