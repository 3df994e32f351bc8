"""RoBoT (He et al., ICLR 2024) on the real Suite-Zero proxy tables, with its baselines and theory check.

Each setting's pool is the Suite-Zero sample of architectures; proxies are table columns, a
query is looking an accuracy up. Every method gets the same budget of distinct queries and the
same seeds. We store, per run, the found architecture's accuracy, its rank and percentile in the
pool, and, for RoBoT, the quantities of Theorem 1; the NAS-Bench-201 comparison with the paper's
full-space test accuracies is in :mod:`nasmeta_lib.chapters.robot_nb201`. The verdicts are
computed from these tables by :mod:`nasmeta_lib.claims.robot`.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.benchmarks import PROXIES
from nasmeta_lib.chapters import robot_nb201
from nasmeta_lib.chapters.base import Chapter, Context
from nasmeta_lib.claims import robot as claims
from nasmeta_lib.params import Param, ParameterError
from nasmeta_lib.results import Result
from nasmeta_lib.searchers import SEARCHERS, baselines, robot  # noqa: F401  (imports register the searchers)
from nasmeta_lib.searchers.pool import NORMALISATIONS, SearchOutcome, SearchPool, proxy_scores, seeded_rng
from nasmeta_lib.verdicts import bootstrap_mean

SUITE_ZERO = ("nb101", "nb201", "nb301", "tnb101_micro", "tnb101_macro")
PAPER_METRICS = ["grad_norm", "snip", "grasp", "fisher", "synflow", "jacov"]  # official code's default set
ORACLE_WEIGHTS = 20_000  # random weight vectors used to estimate the best any combination can do
NORMALISATION_LABELS = {"missing": "failures as missing", "official": "official min-max with -1e8"}


def proxy_settings() -> tuple[str, ...]:
    return tuple(s.key for b in SUITE_ZERO for s in benchmarks.settings(b))


def budget_for(key: str, params: dict) -> int:
    return params["budget_tnb"] if key.startswith("tnb101") else params["budget"]


def usable_metrics(table: benchmarks.BenchmarkTable, wanted: list[str]) -> list[str]:
    """The wanted metrics this setting stores with at least two distinct finite values."""
    frame = table.frame
    return [m for m in wanted if m in table.proxies and frame[m].dropna().nunique() > 1]


def check(params: dict) -> dict[str, tuple[benchmarks.BenchmarkTable, list[str]]]:
    """Load every setting and refuse bad combinations before any search runs.

    A metric a setting does not store is left out there (the official code drops synflow where
    its files lack it; the settings table lists what each setting combines); a metric no chosen
    setting stores, a budget above a pool, or fewer than two metrics on a setting is an error.
    """
    loaded = {}
    for key in params["settings"]:
        table = benchmarks.load(*key.split("/", 1))
        budget = budget_for(key, params)
        if budget > len(table):
            raise ParameterError(f"budget {budget} is larger than the pool of {key} ({len(table)} architectures)")
        metrics = usable_metrics(table, params["metrics"])
        if len(metrics) < 2:
            raise ParameterError(
                f"{key} stores only {metrics or 'none'} of the metrics {params['metrics']}; RoBoT needs at least two"
            )
        loaded[key] = (table, metrics)
    space = params["nb201_space"]
    if space == "full":
        robot_nb201.require_full_table("-p nb201_space full")
    if params["transfer_tasks"]:
        robot_nb201.require_full_table("-p transfer_tasks " + ",".join(params["transfer_tasks"]))
    for dataset in robot_nb201.available(params["settings"], space):
        pool, _ = robot_nb201.objective_pool(dataset, nb201_metrics(dataset, loaded, params), space)
        if params["budget"] > len(pool):
            raise ParameterError(f"budget {params['budget']} is larger than the NB201 {dataset} search space with a "
                                 f"CIFAR-10 objective ({len(pool)} architectures)")
    stored = {m for _, metrics in loaded.values() for m in metrics}
    if params["transfer_tasks"] or space == "full":
        stored |= set(full_space_metrics(params))
    unstored = [m for m in params["metrics"] if m not in stored]
    if unstored:
        raise ParameterError(f"no chosen setting stores the metric {', '.join(unstored)}; leave it out of -p metrics")
    return loaded


def full_space_metrics(params: dict) -> list[str]:
    """The chosen metrics the all-cell proxy table holds with at least two distinct values."""
    return usable_metrics(benchmarks.load("nb201_full", "cifar10"), params["metrics"])


def nb201_metrics(dataset: str, loaded: dict, params: dict) -> list[str]:
    """The metrics the NB201 search of ``dataset`` combines: the all-cell table's in the full
    space, the dataset's Suite-Zero setting's in the pool."""
    return full_space_metrics(params) if params["nb201_space"] == "full" else loaded[f"nb201/{dataset}"][1]


def other_normalisation(params: dict) -> str:
    return next(n for n in NORMALISATIONS if n != params["normalisation"])


def _methods(metrics: list[str], params: dict) -> list[tuple[str, str, str, dict]]:
    """(method label, family, searcher name, options) for every compared method. "RoBoT" uses the
    chosen normalisation; the other normalisation runs beside it, to measure what it changes."""
    other = other_normalisation(params)
    out = [("RoBoT", "RoBoT", "robot", {"bo_share": params["bo_share"], "normalisation": params["normalisation"]}),
           (f"RoBoT ({NORMALISATION_LABELS[other]})", "RoBoT, other normalisation", "robot",
            {"bo_share": params["bo_share"], "normalisation": other}),
           ("rank ensemble", "ensemble", "rank_ensemble", {}),
           ("random", "training-based", "random", {}), ("REA", "training-based", "rea", {})]
    out += [(f"{p} (greedy top-T)", "single proxy, greedy top-T", "proxy_greedy", {"proxy": p}) for p in metrics]
    out += [(f"{p} (top-1)", "single proxy, top-1", "proxy_top1", {"proxy": p}) for p in metrics]
    return out


def theory_row(pool: SearchPool, outcome: SearchOutcome, budget: int, normalisation: str) -> dict:
    """Theorem 1's quantities for RoBoT's exploitation phase, from the data."""
    metrics = pool.normalised(normalisation)
    metric = metrics @ np.asarray(outcome.info["weights"])
    k = budget - outcome.info["t0"]
    rho = robot.precision_at(metric, pool.accuracy, k)
    bound = robot.greedy_rank_bound(k, rho) if k > 0 else float("nan")
    rank = pool.true_rank(outcome.best)
    optimum = int(np.argmax(pool.accuracy))
    return {
        "T": budget,
        "T0": outcome.info["t0"],
        "k": k,
        "rho_k": rho,
        "bound": bound,
        "rank": rank,
        "rank_after_bo": pool.true_rank(outcome.info["bo_best"]),
        "rank_top1_of_w": pool.true_rank(robot.top_architecture(metrics, np.asarray(outcome.info["weights"]))),
        "optimum_rank_under_metric": int(1 + np.sum(metric > metric[optimum])),
        "spearman_metric": stats.spearman(metric, pool.accuracy),
        "condition_rho_positive": bool(rho > 0),
        "bound_holds": bool(k > 0 and rank <= bound),
        "greedy_improved": rank < pool.true_rank(outcome.info["bo_best"]),
    }


def oracle_combination(pool: SearchPool, seed: int = 0) -> dict:
    """The best top-1 rank any weight vector reaches (over many random ones): how far even a
    perfect BO over weights stays from the true optimum without exploitation."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(*robot.WEIGHT_BOUNDS, size=(ORACLE_WEIGHTS, pool.proxies.shape[1]))
    tops = np.unique(np.argmax(weights @ pool.normalised().T, axis=1))
    return {"oracle_top1_rank": min(pool.true_rank(i) for i in tops), "distinct_top1_archs": len(tops)}


def run_setting(key: str, table: benchmarks.BenchmarkTable, metrics: list[str], params: dict) -> dict:
    pool = SearchPool.from_table(table, metrics)
    budget = budget_for(key, params)
    acc = pool.accuracy
    runs, theory = [], []
    # without failed metric values both normalisations give the same matrix, hence the same search
    same_scaling = not np.isnan(pool.proxies).any()
    for seed in range(params["seeds"]):
        for label, family, name, options in _methods(metrics, params):
            if not (same_scaling and family == "RoBoT, other normalisation"):
                outcome = SEARCHERS[name](pool, budget, seeded_rng(seed, key), **options)
            runs.append({
                "setting": key, "method": label, "family": family, "seed": seed, "T": budget,
                "accuracy": float(acc[outcome.best]), "rank": pool.true_rank(outcome.best),
                "percentile": stats.percentile_in_pool(acc[outcome.best], acc), "queries": len(outcome.queried),
            })
            if label == "RoBoT":
                theory.append({"setting": key, "seed": seed, **theory_row(pool, outcome, budget, options["normalisation"])})
    proxy_theory = []
    for p in metrics:
        scores = proxy_scores(pool, p)
        rho = robot.precision_at(scores, acc, budget)
        greedy_best = max(np.argsort(-scores, kind="stable")[:budget], key=lambda i: acc[i])
        proxy_theory.append({
            "setting": key, "metric": p, "T": budget, "rho_T": rho, "bound": robot.greedy_rank_bound(budget, rho),
            "rank": pool.true_rank(greedy_best), "spearman": stats.spearman(scores, acc),
        })
    failures = {m: int(np.isnan(pool.proxies[:, i]).sum()) for i, m in enumerate(metrics)}
    info = {"setting": key, "pool": len(pool), "full_space": claims.TNB_FULL_SPACE.get(key.split("/")[0]),
            "T": budget, "metrics": ", ".join(metrics),
            "metric_failures": ", ".join(f"{m} {n}" for m, n in failures.items() if n) or "none",
            "rs_expected_rank": claims.expected_random_rank(acc, budget), **oracle_combination(pool)}
    return {"runs": runs, "theory": theory, "proxy_theory": proxy_theory, "info": info}


def summarise(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per setting x method (mean/std over seeds), each method's rank per setting, and overall:
    descriptive tables (no verdict rests on a mean over settings)."""
    summary = (
        runs.groupby(["setting", "method", "family"], sort=False)
        .agg(accuracy_mean=("accuracy", "mean"), accuracy_std=("accuracy", "std"),
             rank_mean=("rank", "mean"), rank_std=("rank", "std"),
             percentile_mean=("percentile", "mean"), percentile_std=("percentile", "std"),
             queries=("queries", "mean"))
        .reset_index()
        .fillna({"accuracy_std": 0.0, "rank_std": 0.0, "percentile_std": 0.0})
    )
    summary["method_rank"] = summary.groupby("setting")["percentile_mean"].rank(ascending=False, method="min")
    overall = (
        summary.groupby(["method", "family"], sort=False)
        .agg(percentile_mean=("percentile_mean", "mean"), percentile_worst=("percentile_mean", "min"),
             rank_in_pool_mean=("rank_mean", "mean"), method_rank_mean=("method_rank", "mean"),
             settings=("setting", "nunique"))
        .reset_index()
        .sort_values("method_rank_mean", ignore_index=True)
    )
    ranks = summary.pivot(index="method", columns="setting", values="method_rank").reindex(overall["method"])
    return summary, overall, ranks.reset_index()


def normalisation_effect(runs: pd.DataFrame, info: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Per setting, RoBoT under both normalisations on the same seeds: mean rank and the paired
    percentile difference (failures as missing minus official) with its interval over seeds."""
    label = {params["normalisation"]: "RoBoT",
             other_normalisation(params): f"RoBoT ({NORMALISATION_LABELS[other_normalisation(params)]})"}
    rows = []
    for key, sub in runs.groupby("setting", sort=False):
        by = {n: sub[sub["method"] == m].sort_values("seed") for n, m in label.items()}
        ranks = {n: frame["rank"].to_numpy() for n, frame in by.items()}
        diff = bootstrap_mean(by["missing"]["percentile"].to_numpy() - by["official"]["percentile"].to_numpy(), unit="seeds")
        rows.append({"setting": key, "metric_failures": info.set_index("setting").loc[key, "metric_failures"],
                     "rank_missing": ranks["missing"].mean(), "rank_official": ranks["official"].mean(),
                     "percentile_missing_minus_official": diff.estimate, "low": diff.low, "high": diff.high,
                     "same_rank_share": float(np.mean(ranks["missing"] == ranks["official"]))})
    return pd.DataFrame(rows)


def theory_summary(theory: pd.DataFrame, proxy_theory: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    out = (
        theory.groupby("setting", sort=False)
        .agg(T=("T", "first"), T0_mean=("T0", "mean"), rho_mean=("rho_k", "mean"), bound_mean=("bound", "mean"),
             rank_mean=("rank", "mean"), rank_after_bo_mean=("rank_after_bo", "mean"),
             optimum_rank_under_metric=("optimum_rank_under_metric", "median"),
             spearman_metric=("spearman_metric", "mean"), bound_holds=("bound_holds", "mean"),
             rho_positive=("condition_rho_positive", "mean"), greedy_improved=("greedy_improved", "mean"))
        .reset_index()
        .merge(info[["setting", "oracle_top1_rank", "distinct_top1_archs"]], on="setting")
    )
    best = proxy_theory.loc[proxy_theory.groupby("setting")["spearman"].idxmax(), ["setting", "metric", "spearman"]]
    return out.merge(best.rename(columns={"metric": "best_single_metric", "spearman": "best_single_spearman"}), on="setting")


def run(params: dict, ctx: Context) -> Result:
    loaded = check(params)
    nb201_datasets = robot_nb201.available(params["settings"], params["nb201_space"])
    # every setting, every NB201 dataset and every transfer task is an independent part (seeded by its key)
    parts = ctx.map([(f"setting-{key}", partial(run_setting, key, t, m, params)) for key, (t, m) in loaded.items()],
                    desc="settings")
    nb201 = ctx.map([(f"nb201-{params['nb201_space']}-{d}",
                      partial(robot_nb201.run_dataset, d, nb201_metrics(d, loaded, params), params))
                     for d in nb201_datasets], desc="NB201 test lookup")
    transfer = ctx.map([(f"transfer-{task}", partial(robot_nb201.run_transfer, task, full_space_metrics(params), params))
                        for task in params["transfer_tasks"]], desc="NAS-Bench-360 transfer")
    runs = pd.DataFrame([r for p in parts for r in p["runs"]])
    theory = pd.DataFrame([r for p in parts for r in p["theory"]])
    proxy_theory = pd.DataFrame([r for p in parts for r in p["proxy_theory"]])
    info = pd.DataFrame([p["info"] for p in parts])
    summary, overall, method_ranks = summarise(runs)
    tables = {"settings": info, "runs": runs, "summary": summary, "overall": overall, "method_ranks": method_ranks,
              "normalisation": normalisation_effect(runs, info, params), "theory": theory,
              "theory_summary": theory_summary(theory, proxy_theory, info), "proxy_theory": proxy_theory}
    if nb201:
        nb201_runs = pd.DataFrame([r for p in nb201 for r in p["runs"]])
        nb201_pool = pd.DataFrame([p["pool"] for p in nb201])
        nb201_paper = robot_nb201.paper_percentiles(nb201_datasets)
        tables |= {"nb201_runs": nb201_runs, "nb201_pool": nb201_pool, "nb201_paper": nb201_paper,
                   "nb201_table2": robot_nb201.table2(nb201_runs, nb201_pool, nb201_paper)}
    if transfer:
        tables |= {"transfer_runs": pd.DataFrame([r for p in transfer for r in p["runs"]]),
                   "transfer_metrics": pd.DataFrame([r for p in transfer for r in p["metrics"]])}
    ours = overall.set_index("method").loc["RoBoT"]
    norm = tables["normalisation"].set_index("setting")["percentile_missing_minus_official"]
    return Result(
        chapter="robot", profile="", params=params,
        metrics={
            "robot_mean_percentile": float(ours.percentile_mean),
            "robot_worst_percentile": float(ours.percentile_worst),
            "robot_mean_method_rank": float(ours.method_rank_mean),
            "theorem1_condition_share": float(theory.loc[theory["k"] > 0, "condition_rho_positive"].mean()),
            "mean_T0": float(theory["T0"].mean()),
            "normalisation_largest_effect": float(norm.abs().max()),
            "normalisation_largest_effect_setting": str(norm.abs().idxmax()),
        },
        tables=tables,
        notes=[
            "Robustness is shown, not judged: the mean over settings of each method's rank among the methods, and its "
            "worst setting (tables overall and method_ranks). A mean over settings lets a gain on one setting cancel "
            "a loss on another, and the earlier rule built on it could be passed by its own negative controls.",
            "BO surrogate: a numpy GP with the model of the bayes_opt package the official code uses (isotropic "
            "Matern-5/2, normalised targets, alpha 1e-6, UCB kappa 2.576). Two differences: bayes_opt fits the length "
            "scale by maximising the log marginal likelihood with L-BFGS-B (scikit-learn, bounds 1e-5..1e5, 5 restarts), "
            "we maximise the same likelihood over a grid of 10 values in [0.05, 5]; bayes_opt maximises UCB over 10,000 "
            "random points polished by L-BFGS-B from 10 starts, we take the best of 2,000 random points.",
            "Budget = distinct architectures whose accuracy was looked up, as in the official code; repeated "
            "look-ups are free. The pool is the Suite-Zero sample and the accuracy is its stored validation accuracy.",
            f"Metrics are min-max scaled per setting; normalisation = {params['normalisation']!r} "
            f"({NORMALISATION_LABELS[params['normalisation']]}). 'missing' leaves failed values (NaN, Suite-Zero's "
            "-1e8) out of the min and max and sets them to 0; 'official' scales the -1e8 sentinel with the rest, as "
            "the official code does, which squeezes every valid value of a metric with failures (jacov on NB201 and "
            "TransNAS micro) into ~1e-6 of the range. The other normalisation runs beside it on the same seeds: "
            f"largest mean percentile difference {norm.abs().max():.2f} points, on {norm.abs().idxmax()} "
            "(table normalisation).",
            "Metrics a setting does not store (synflow on TransNAS and NB301) are left out there; see the settings table.",
            f"NB201 beside Table 2: {claims.NB201_SPACE_EVIDENCE[params['nb201_space']]}; the found cell's test "
            "accuracy on each dataset comes from the all-cell table. REINFORCE (Table 2's third training-based "
            "baseline) gets the same space, objective, T and seeds.",
            "NAS-Bench-360 transfer (beyond the paper): the same search over all NB201 cells with the CIFAR-10 proxies, "
            "querying NinaPro's accuracy or Darcy's 1 - relative L2 error; RoBoT on proxies shuffled between cells is "
            "the negative control (table transfer_runs; each metric's Spearman rho with the task over all cells: "
            "table transfer_metrics).",
        ],
    )


CHAPTER = Chapter(
    name="robot",
    title="RoBoT: robustifying and boosting training-free NAS",
    order=30,
    paper="He, Shu, Dai, Low. Robustifying and Boosting Training-Free Neural Architecture Search. ICLR 2024",
    claim="A BO-optimised weighted combination of training-free metrics, followed by greedy exploitation of "
    "its ranking, is at least as good as the best single metric on every task, within a fixed query budget.",
    params=(
        Param("settings", "str", "Suite-Zero settings (benchmark/task) to search", many=True, choices=proxy_settings),
        Param("budget", "int", "queries T on NB101/NB201/NB301 (paper: 20 on NB201)", low=1),
        Param("budget_tnb", "int", "queries T on TransNAS-Bench-101 (paper: 100)", low=1),
        Param("seeds", "int", "number of seeds (0..seeds-1)", low=1, high=100),
        Param("metrics", "str", "training-free metrics RoBoT combines (and the single-proxy baselines)", many=True,
              choices=PROXIES, min_items=2),
        Param("bo_share", "float", "BO proposals as a share of T (paper: 1.0; only distinct hits cost queries)",
              low=0.05, high=5.0),
        Param("normalisation", "str", "failed metric values: 'missing' (ours: left out of min-max, then 0) or "
              "'official' (the official code: the -1e8 sentinel is min-max scaled with the rest)",
              choices=NORMALISATIONS),
        Param("nb201_space", "str", "where the NB201 search of Table 2 runs: 'full' (all 15,625 cells, the project's "
              "proxy table, as the paper) or 'pool' (the Suite-Zero sample and its stored proxies)",
              choices=robot_nb201.SPACES),
        Param("transfer_tasks", "str", "NAS-Bench-360 tasks searched over all NB201 cells with the CIFAR-10 proxies "
              "(beyond the paper; none: skip)", many=True, min_items=0, choices=claims.TRANSFER_TASKS),
    ),
    profiles={
        "lab": {"settings": ["nb201/cifar10"]},
        "quick": {"settings": ["nb201/cifar10", "nb101/cifar10", "tnb101_micro/class_scene"], "budget": 20,
                  "budget_tnb": 100, "seeds": 3, "metrics": PAPER_METRICS, "bo_share": 1.0, "normalisation": "missing",
                  "nb201_space": "pool", "transfer_tasks": []},
        "full": {"settings": list(proxy_settings()), "budget": 20, "budget_tnb": 100, "seeds": 10,
                 "metrics": PAPER_METRICS, "bo_share": 1.0, "normalisation": "missing",
                 "nb201_space": "full", "transfer_tasks": list(claims.TRANSFER_TASKS)},
    },
    run=run,
    judge=claims.judge,
    check=check,
    version=3,
    rule_changes=claims.RULE_CHANGES,
)
