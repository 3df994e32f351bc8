"""Few-shot adaptation of a NAS predictor across benchmarks (Loya, Dudziak, Mehrotra et al. 2023).

Leave-one-setting-out: for every held-out setting, a predictor is (a) trained from scratch on
k labelled architectures of that setting, or first learned from all *other* settings, by plain
multi-task pretraining or by meta-learning (MAML, first-order MAML, Reptile), and then adapted
to the same k architectures. The ranking of the setting's other architectures is scored by
Spearman rho and Kendall tau. A second experiment learns only from NB201 and TransNAS-Bench-101
settings and adapts to search spaces never seen (NAS-Bench-Graph, NB101).

Why transfer helps or not is read off the task correlation: the rank correlation between the
held-out setting's accuracies and those of the most similar meta-training setting of the same
search space (shared architectures); no setting of the same space means no shared architectures
and a correlation of 0.
"""

from __future__ import annotations

import itertools
import time
from functools import lru_cache, partial

import numpy as np
import pandas as pd
import torch

from nasmeta_lib import benchmarks, compute, stats
from nasmeta_lib.chapters.base import Chapter, Context
from nasmeta_lib.params import Param, ParameterError
from nasmeta_lib.predictors import PREDICTORS, PROXY_ONLY
from nasmeta_lib.predictors import encodings, meta
from nasmeta_lib.results import Claim, Result, verdict

APPROACHES = ("scratch",) + meta.OUTER_METHODS
SUITE_ZERO_PROXIES = 10  # fewest zero-cost proxies a NAS-Bench-Suite-Zero setting stores
EXTRAPOLATION_SOURCES = ("nb201", "nb201_full", "tnb101_micro", "tnb101_macro")
# What the paper states (abstract and conclusions; see the notebook for our reading of its setup).
PAPER = {
    "beats_scratch": "meta-learned predictor superior to or matching the baselines in leave-one-out "
    "cross-validation over 16 settings of 6 benchmarks",
    "task_correlation": "transferability of the predictor follows task-level correlation (domain shift)",
    "extrapolation": "successful extrapolation to a new search space and tasks",
}


def _setting_keys() -> tuple[str, ...]:
    return tuple(s.key for s in benchmarks.settings())


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
    """The evaluation folds: one per held-out setting, plus the extrapolation fold."""
    keys = _setting_keys()
    folds = [
        {"experiment": "leave-one-out", "pool": [k for k in keys if k != h], "targets": [h]}
        for h in params["heldout"]
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


def _evaluate_predictor(name: str, approach: str, folds: list[dict], params: dict, device: torch.device, ctx: Context) -> dict:
    """Scores of one (predictor, approach) on every fold's targets, and its training seconds."""
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
        pools = [[enc(k) for k in f["pool"]] for f in folds]
        inits = meta.meta_train(approach, build, pools, cfg, params["meta_seed"], device, ctx.progress)
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
    rows = []
    for key, g in scores.groupby(["experiment", "predictor", "approach", "shots"]):
        m, lo, hi = stats.mean_ci(g.groupby("setting").spearman.mean())
        rows.append(dict(zip(["experiment", "predictor", "approach", "shots"], key), spearman=m, spearman_lo=lo, spearman_hi=hi,
                         kendall=g.groupby("setting").kendall.mean().mean(), n_settings=g.setting.nunique()))
    return pd.DataFrame(rows)


def _gains(scores: pd.DataFrame, correlation: pd.DataFrame) -> pd.DataFrame:
    """Per setting and shots: each transfer approach's mean rho minus from-scratch rho."""
    means = scores.groupby(["experiment", "predictor", "approach", "setting", "shots"]).spearman.mean().reset_index()
    scratch = means[means.approach == "scratch"].drop(columns="approach").rename(columns={"spearman": "scratch"})
    gains = means[means.approach != "scratch"].merge(scratch, on=["experiment", "predictor", "setting", "shots"])
    gains["gain"] = gains.spearman - gains.scratch
    return gains.merge(correlation, on=["experiment", "setting"], how="left")


def _correlation_tests(gains: pd.DataFrame) -> pd.DataFrame:
    """Spearman(task correlation, gain) with its p-value per predictor, approach and shots, over all
    held-out settings and over the Suite-Zero ones alone (10+ stored proxies): a setting without
    proxies, e.g. a full NB201 table, can lose even when its accuracies match a training setting's."""
    loo = gains[gains.experiment == "leave-one-out"]
    rows = []
    for (predictor, approach, shots), g in loo.groupby(["predictor", "approach", "shots"]):
        for subset, part in (("all settings", g), ("settings with 10+ proxies", g[g.n_proxies >= SUITE_ZERO_PROXIES])):
            rho, p = stats.spearman_test(part.task_correlation, part.gain)
            rows.append({"predictor": predictor, "approach": approach, "shots": shots, "settings": subset,
                         "n": len(part), "spearman": rho, "p_value": p, "mean_gain": part.gain.mean()})
    return pd.DataFrame(rows)


def _claims(params: dict, gains: pd.DataFrame) -> tuple[list[Claim], dict]:
    main = params["predictors"][0]
    method = "maml" if "maml" in params["approaches"] else next((a for a in params["approaches"] if a != "scratch"), None)
    if method is None or "scratch" not in params["approaches"]:
        note = "needs the scratch approach and at least one transfer approach"
        return [Claim(id=f"metalearning.{c}", statement=s, paper=PAPER[c], ours=note, verdict="not run")
                for c, s in (("beats_scratch", "meta-learned beats from-scratch"), ("task_correlation", "gain follows task correlation"),
                             ("extrapolation", "extrapolation to a new space"))], {}
    g = gains[(gains.predictor == main) & (gains.approach == method)]
    loo, ext = g[g.experiment == "leave-one-out"], g[g.experiment == "extrapolation"]
    few = [s for s in params["shots"] if s <= 20] or [min(params["shots"])]
    by_shots = {s: float(loo[loo.shots == s].gain.mean()) for s in few}
    wins = {s: f"{int((loo[loo.shots == s].gain > 0).sum())}/{len(loo[loo.shots == s])}" for s in few}
    pos = [v > 0 for v in by_shots.values()]
    claims = [
        Claim(
            id="metalearning.beats_scratch",
            statement=f"{method} ({main}) ranks held-out settings better than from-scratch training at {', '.join(map(str, few))} shots, on average",
            paper=PAPER["beats_scratch"],
            ours="; ".join(f"{s} shots: mean gain in rho {v:+.3f} (wins {wins[s]})" for s, v in by_shots.items()),
            verdict=verdict(all(pos), partly=any(pos)),
            evidence="gain = mean Spearman rho of the adapted predictor minus from scratch, per held-out setting, averaged over settings",
        )
    ]
    ref = 20 if 20 in params["shots"] else few[-1]
    at = loo[loo.shots == ref]
    rho_tc, p_tc = stats.spearman_test(at.task_correlation, at.gain)
    claims.append(Claim(
        id="metalearning.task_correlation",
        statement=f"the transfer gain at {ref} shots grows with the held-out setting's correlation to the meta-training settings",
        paper=PAPER["task_correlation"],
        ours=f"Spearman(task correlation, gain) = {rho_tc:.2f} (p = {p_tc:.2f}) over {len(at)} held-out settings",
        # a positive rho counts for "partly" only when it is large or unlikely to be chance
        verdict="not run" if not np.isfinite(rho_tc)
        else verdict(rho_tc >= 0.3 and p_tc < 0.05, partly=rho_tc > 0 and (rho_tc >= 0.3 or p_tc < 0.05)),
        evidence="task correlation = max rank correlation with a same-space meta-training setting (0 if none); "
        "p: two-sided test of no rank correlation",
    ))
    at = ext[ext.shots == ref]
    mean_ext = float(at.gain.mean()) if len(at) else float("nan")
    ext_wins = int((at.gain > 0).sum())
    claims.append(Claim(
        id="metalearning.extrapolation",
        statement=f"learned on {', '.join(params['extrapolation_sources'])} only, the predictor adapts to unseen search spaces "
        f"better than from scratch at {ref} shots",
        paper=PAPER["extrapolation"],
        ours="not run" if not len(at) else f"mean gain {mean_ext:+.3f} (wins {ext_wins}/{len(at)}); "
        + ", ".join(f"{r.setting}: {r.gain:+.3f}" for r in at.itertuples()),
        verdict="not run" if not len(at) else verdict(mean_ext > 0, partly=2 * ext_wins >= len(at)),
    ))
    budget = gains[(gains.predictor == main) & (gains.approach == f"{method}+adam") & (gains.experiment == "leave-one-out")]
    equal_budget = {f"gain_{method}+adam_{s}shots": float(budget[budget.shots == s].gain.mean()) for s in few} if len(budget) else {}
    metrics = equal_budget | {f"gain_{method}_{s}shots": v for s, v in by_shots.items()} | {
        "task_correlation_vs_gain": rho_tc, "task_correlation_p_value": p_tc, "extrapolation_gain": mean_ext}
    return claims, metrics


def run(params: dict, ctx: Context) -> Result:
    folds = _folds(params)
    _validate(params, folds)
    compute.use_threads(params["threads"])
    device = compute.device()
    rows, timing = [], []
    for name in params["predictors"]:
        for approach in params["approaches"]:
            out = ctx.step(f"{name}-{approach}", lambda: _evaluate_predictor(name, approach, folds, params, device, ctx))
            rows += out["rows"]
            timing.append({"predictor": name, "approach": approach, "train_seconds": out["train_seconds"], "seconds": out["seconds"]})
    scores = pd.DataFrame(rows)
    correlation = pd.DataFrame(
        [
            dict(zip(("task_correlation", "closest_setting"), task_correlation(t, f["pool"])), experiment=f["experiment"], setting=t,
                 n_proxies=encodings.encode(t, params["max_archs"]).n_proxies)
            for f in folds
            for t in f["targets"]
        ]
    )
    gains = _gains(scores, correlation)
    claims, metrics = _claims(params, gains)
    notes = [
        f"device: {device}; meta-training runs once per fold (seed {params['meta_seed']}); the {params['seeds']} seeds draw "
        "the labelled architectures and the from-scratch initialisations.",
        f"every setting is sub-sampled to at most {params['max_archs']} architectures; each seed ranks {params['n_query']} "
        "unlabelled architectures of the target setting.",
        f"adaptation budgets differ by design: a transferred predictor adapts with {2 * params['inner_steps']} SGD steps "
        f"(the meta-learner's inner loop, doubled); from scratch trains {params['scratch_steps']} Adam steps.",
    ]
    if any(p in PROXY_ONLY for p in params["predictors"]):
        notes.append("proxy-only predictors skip settings without stored proxies (the full NB201 tables).")
    return Result(
        chapter="metalearning",
        profile="",
        params=params,
        claims=claims,
        metrics=metrics,
        tables={
            "scores": scores,
            "summary": _summary(scores),
            "gains": gains,
            "task_correlation": correlation,
            "correlation_tests": _correlation_tests(gains),
            "timing": pd.DataFrame(timing),
            "paper": pd.DataFrame([{"claim": k, "paper": v} for k, v in PAPER.items()]),
        },
        notes=notes,
    )


QUICK = {
    "heldout": ["nb201/ImageNet16-120", "tnb101_micro/class_scene", "tnb101_macro/autoencoder", "nb101/cifar10"],
    "extrapolation_sources": list(EXTRAPOLATION_SOURCES),
    "extrapolation_targets": ["nbgraph/cora", "nbgraph/proteins"],
    "predictors": ["gcn_proxy", "mlp_proxy"],
    "approaches": ["scratch", "pretrain", "maml", "fomaml"],
    "adam_adaptation": [],
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
    "predictors": ["gcn_proxy", "mlp_proxy", "mlp_onehot"],
    "approaches": list(APPROACHES),
    "adam_adaptation": ["pretrain", "maml"],
    "seeds": 10,
    "iterations": 100,
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
        Param("heldout", "str", "settings held out in turn (leave-one-setting-out)", many=True, choices=_setting_keys),
        Param("extrapolation_sources", "str", "benchmarks the extrapolation predictor learns from", many=True, min_items=0,
              choices=lambda: tuple(benchmarks.REGISTRY)),
        Param("extrapolation_targets", "str", "settings of unseen spaces to adapt to", many=True, min_items=0, choices=_setting_keys),
        Param("predictors", "str", "predictors (the first one carries the verdicts)", many=True, choices=lambda: PREDICTORS.names()),
        Param("approaches", "str", "how the predictor is trained", many=True, choices=APPROACHES),
        Param("adam_adaptation", "str", "transfer approaches also adapted with the from-scratch recipe (Adam, "
              "scratch_steps): the same training from a different start", many=True, min_items=0, choices=meta.OUTER_METHODS),
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
    profiles={"quick": QUICK, "full": FULL},
    run=run,
)
