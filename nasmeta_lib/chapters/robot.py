"""RoBoT (He et al., ICLR 2024) on the real Suite-Zero proxy tables, with its baselines and theory check.

Each setting's pool is the Suite-Zero sample of architectures; proxies are table columns, a
query is looking an accuracy up. Every method gets the same budget of distinct queries and the
same seeds. We report the found architecture's accuracy, its rank and percentile in the pool,
and, for RoBoT, the quantities of Theorem 1 computed from the data.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.benchmarks import PROXIES
from nasmeta_lib.chapters.base import Chapter, Context
from nasmeta_lib.params import Param, ParameterError
from nasmeta_lib.results import Claim, Result, verdict
from nasmeta_lib.searchers import SEARCHERS, baselines, robot  # noqa: F401  (imports register the searchers)
from nasmeta_lib.searchers.pool import SearchOutcome, SearchPool, proxy_scores

SUITE_ZERO = ("nb101", "nb201", "nb301", "tnb101_micro", "tnb101_macro")
PAPER_METRICS = ["grad_norm", "snip", "grasp", "fisher", "synflow", "jacov"]  # official code's default set
ORACLE_WEIGHTS = 20_000  # random weight vectors used to estimate the best any combination can do

# Paper, Table 2: test accuracy (%) of RoBoT's architecture on the full NB201 space (T = 20,
# objective = CIFAR-10 validation accuracy after 12 epochs), and the space's optimum.
PAPER_NB201 = {"cifar10": 94.36, "cifar100": 73.51, "ImageNet16-120": 46.34}
NB201_OPTIMUM = {"cifar10": 94.37, "cifar100": 73.51, "ImageNet16-120": 47.31}
# Paper, Table 3 (T = 100, same Suite-Zero pools, validation rank in the pool), as quoted in a
# third-party paper note; the other micro tasks and the macro column were not available to us.
PAPER_TNB_MICRO_RANK = {"class_scene": 2, "class_object": 1, "jigsaw": 17, "segmentsemantic": 4, "normal": 8}


def proxy_settings() -> tuple[str, ...]:
    return tuple(s.key for b in SUITE_ZERO for s in benchmarks.settings(b))


def budget_for(key: str, params: dict) -> int:
    return params["budget_tnb"] if key.startswith("tnb101") else params["budget"]


def usable_metrics(table: benchmarks.BenchmarkTable, wanted: list[str]) -> list[str]:
    """The wanted metrics this setting stores with at least two distinct finite values."""
    frame = table.frame
    return [m for m in wanted if m in table.proxies and frame[m].dropna().nunique() > 1]


def check(params: dict) -> dict[str, tuple[benchmarks.BenchmarkTable, list[str]]]:
    """Load every setting and refuse bad combinations before any search runs."""
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
    return loaded


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def _methods(metrics: list[str], bo_share: float) -> list[tuple[str, str, str, dict]]:
    """(method label, family, searcher name, options) for every compared method."""
    out = [("RoBoT", "RoBoT", "robot", {"bo_share": bo_share}), ("rank ensemble", "ensemble", "rank_ensemble", {}),
           ("random", "training-based", "random", {}), ("REA", "training-based", "rea", {})]
    out += [(f"{p} (greedy top-T)", "single proxy, greedy top-T", "proxy_greedy", {"proxy": p}) for p in metrics]
    out += [(f"{p} (top-1)", "single proxy, top-1", "proxy_top1", {"proxy": p}) for p in metrics]
    return out


def theory_row(pool: SearchPool, outcome: SearchOutcome, budget: int) -> dict:
    """Theorem 1's quantities for RoBoT's exploitation phase, from the data."""
    metric = pool.normalised() @ np.asarray(outcome.info["weights"])
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
        "rank_top1_of_w": pool.true_rank(robot.top_architecture(pool.normalised(), np.asarray(outcome.info["weights"]))),
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
    for seed in range(params["seeds"]):
        for label, family, name, options in _methods(metrics, params["bo_share"]):
            outcome = SEARCHERS[name](pool, budget, _rng(seed, key), **options)
            runs.append({
                "setting": key, "method": label, "family": family, "seed": seed,
                "accuracy": float(acc[outcome.best]), "rank": pool.true_rank(outcome.best),
                "percentile": stats.percentile_in_pool(acc[outcome.best], acc), "queries": len(outcome.queried),
            })
            if name == "robot":
                theory.append({"setting": key, "seed": seed, **theory_row(pool, outcome, budget)})
    proxy_theory = []
    for p in metrics:
        scores = proxy_scores(pool, p)
        rho = robot.precision_at(scores, acc, budget)
        greedy_best = max(np.argsort(-scores, kind="stable")[:budget], key=lambda i: acc[i])
        proxy_theory.append({
            "setting": key, "metric": p, "T": budget, "rho_T": rho, "bound": robot.greedy_rank_bound(budget, rho),
            "rank": pool.true_rank(greedy_best), "spearman": stats.spearman(scores, acc),
        })
    info = {"setting": key, "pool": len(pool), "T": budget, "metrics": ", ".join(metrics), **oracle_combination(pool)}
    return {"runs": runs, "theory": theory, "proxy_theory": proxy_theory, "info": info}


def summarise(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per setting x method (mean/std over seeds), each method's rank per setting, and overall."""
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
        .sort_values("percentile_mean", ascending=False, ignore_index=True)
    )
    ranks = summary.pivot(index="method", columns="setting", values="method_rank").reindex(overall["method"])
    return summary, overall, ranks.reset_index()


def _paper_rows(summary: pd.DataFrame, info: pd.DataFrame, params: dict) -> pd.DataFrame:
    robot_rows = summary[summary["method"] == "RoBoT"].set_index("setting")
    pools = info.set_index("setting")["pool"]
    full_c100 = benchmarks.load("nb201_full", "cifar100").accuracy.to_numpy()
    rows = []
    for task, paper_acc in PAPER_NB201.items():
        key = f"nb201/{task}"
        if key not in robot_rows.index:
            continue
        r = robot_rows.loc[key]
        paper_pct = stats.percentile_in_pool(paper_acc, full_c100) if task == "cifar100" else float("nan")
        rows.append({
            "setting": key, "quantity": "accuracy (%)", "T": params["budget"],
            "paper": f"{paper_acc} test, full space, T=20 (optimum {NB201_OPTIMUM[task]})",
            "paper_percentile": paper_pct, "ours": f"{r.accuracy_mean:.2f} ± {r.accuracy_std:.2f} val, pool of {pools[key]}",
            "ours_percentile": r.percentile_mean,
        })
    for task, paper_rank in PAPER_TNB_MICRO_RANK.items():
        key = f"tnb101_micro/{task}"
        if key not in robot_rows.index:
            continue
        r, n = robot_rows.loc[key], pools[key]
        rows.append({
            "setting": key, "quantity": "rank in pool", "T": params["budget_tnb"], "paper": f"{paper_rank} (T=100)",
            "paper_percentile": 100.0 * (1 - (paper_rank - 1) / n), "ours": f"{r.rank_mean:.1f} ± {r.rank_std:.1f}",
            "ours_percentile": 100.0 * (1 - (r.rank_mean - 1) / n),
        })
    return pd.DataFrame(rows)


def comparable(overall: pd.DataFrame) -> pd.DataFrame:
    """Methods that ran on every setting: a proxy some settings lack (synflow on TransNAS) has a
    mean over fewer, different settings and cannot be ranked against the others."""
    return overall[overall["settings"] == overall["settings"].max()]


def best_of(overall: pd.DataFrame, family: str) -> pd.Series:
    return comparable(overall).query("family == @family").iloc[0]


def theorem1_claim(theory: pd.DataFrame, proxy_theory: pd.DataFrame) -> Claim:
    """Theorem 1 is conditional on rho > 0: check it where the condition holds, and report how
    often the condition itself fails (and what happens then) as a finding of its own."""
    robot_runs = theory[theory["k"] > 0]
    cond = robot_runs[robot_runs["condition_rho_positive"]]
    proxies = proxy_theory[proxy_theory["rho_T"] > 0]
    held = int((cond["rank"] <= cond["bound"]).sum()) + int((proxies["rank"] <= proxies["bound"]).sum())
    tested = len(cond) + len(proxies)
    failed_cond = robot_runs[~robot_runs["condition_rho_positive"]]
    return Claim(
        id="robot.theorem1",
        statement="Theorem 1: greedy search over a metric's top k finds an architecture of true rank at most "
        "k (1 - rho_k) + 1 whenever rho_k > 0 (RoBoT's exploitation: k = T - T0; single metrics: k = T)",
        paper="proved for any metric with rho_k > 0",
        ours=f"holds in {held} of {tested} cases with rho > 0 ({len(cond)} RoBoT runs, {len(proxies)} metric x setting); "
        f"the condition fails in {len(failed_cond)} of {len(robot_runs)} RoBoT runs, {int((failed_cond['rank'] > failed_cond['bound']).sum())} "
        f"of which exceed the bound; mean slack where it holds {np.mean(cond['bound'] - cond['rank']):.1f} ranks",
        verdict=verdict(held == tested, partly=held >= 0.9 * tested) if tested else "not run",
        evidence="rho = 0 happens when BO's best weight vector ranks the true top k entirely outside its own top k",
    )


def _claims(overall: pd.DataFrame, summary: pd.DataFrame, theory: pd.DataFrame, proxy_theory: pd.DataFrame,
            paper: pd.DataFrame, params: dict) -> list[Claim]:
    full = comparable(overall)
    ours = full.set_index("method").loc["RoBoT"]
    greedy = best_of(overall, "single proxy, greedy top-T")
    top1 = best_of(overall, "single proxy, top-1")
    n_settings = int(ours.settings)
    per_setting = summary.pivot(index="setting", columns="method", values="percentile_mean")
    robot_wins = int((per_setting["RoBoT"] >= per_setting[greedy.method]).sum())
    claims = [
        Claim(
            id="robot.beats-best-proxy",
            statement="RoBoT's mean percentile over settings is at least as good as the best single proxy's "
            "(the proxy chosen in hindsight, given the same budget of T queries down its ranking)",
            paper="RoBoT >= every single training-free metric on every benchmark (Tables 2-3)",
            ours=f"RoBoT {ours.percentile_mean:.2f} vs {greedy.method} {greedy.percentile_mean:.2f} "
            f"(best top-1 proxy: {top1.method} {top1.percentile_mean:.2f}) over {n_settings} settings; "
            f"RoBoT beats or ties the best greedy proxy on {robot_wins} of {n_settings} settings",
            verdict=verdict(ours.percentile_mean >= greedy.percentile_mean, partly=ours.percentile_mean >= top1.percentile_mean),
            evidence="partly = RoBoT beats the best proxy used as plain training-free NAS (top-1) but not the "
            "best proxy given the same query budget",
        ),
        Claim(
            id="robot.robust",
            statement="RoBoT is robust across settings: its mean rank among all compared methods is the best",
            paper="consistently best or near-best across NB201 and 14 TransNAS tasks (Fig. 2-3, Table 3)",
            ours=", ".join(f"{m} {r:.2f}" for m, r in full.sort_values("method_rank_mean")[["method", "method_rank_mean"]].head(4).itertuples(index=False))
            + f"; RoBoT {ours.method_rank_mean:.2f}, worst-setting percentile {ours.percentile_worst:.2f}",
            verdict=verdict(ours.method_rank_mean <= full["method_rank_mean"].min(),
                            partly=ours.method_rank_mean <= full["method_rank_mean"].nsmallest(3).max()),
            evidence="mean over settings of the method's rank (1 = best) by mean percentile; partly = among the "
            "three best; methods missing on some setting are left out",
        ),
    ]
    claims.append(theorem1_claim(theory, proxy_theory))
    nb201 = paper[paper["setting"].str.startswith("nb201/")]
    claims.append(Claim(
        id="robot.nb201",
        statement="On NAS-Bench-201 RoBoT finds a top-1% architecture with T = 20 queries",
        paper="; ".join(f"{t}: {a}" for t, a in PAPER_NB201.items()) + " (C100 = the space's optimum)",
        ours="; ".join(f"{r.setting}: percentile {r.ours_percentile:.2f}" for r in nb201.itertuples()) or "no NB201 setting run",
        verdict=(verdict(bool((nb201["ours_percentile"] >= 99).all()), partly=bool((nb201["ours_percentile"] >= 95).all()))
                 if len(nb201) and params["budget"] == 20 else "not run"),
        evidence="ours is validation accuracy in the ~725-arch Suite-Zero pool, the paper's is test accuracy over 15,625 cells",
    ))
    tnb = paper[paper["setting"].str.startswith("tnb101_micro/")]
    gap = float(np.mean(tnb["paper_percentile"] - tnb["ours_percentile"])) if len(tnb) else float("nan")
    claims.append(Claim(
        id="robot.tnb-micro",
        statement="On TransNAS-Bench-101 micro (T = 100, same Suite-Zero pools) RoBoT's rank in the pool matches the paper's",
        paper="; ".join(f"{r.setting.split('/')[1]}: {r.paper}" for r in tnb.itertuples()) or "-",
        ours="; ".join(f"{r.setting.split('/')[1]}: {r.ours}" for r in tnb.itertuples()) + (f"; mean gap {gap:.2f} percentile points" if len(tnb) else ""),
        verdict=verdict(gap <= 1.0, partly=gap <= 3.0) if len(tnb) and params["budget_tnb"] == 100 else "not run",
        evidence="gap = paper percentile - ours, averaged over the quoted tasks; <= 1 point reproduced, <= 3 partly",
    ))
    return claims


def run(params: dict, ctx: Context) -> Result:
    loaded = check(params)
    parts = [
        ctx.step(f"setting-{key}", lambda key=key, t=t, m=m: run_setting(key, t, m, params))
        for key, (t, m) in ctx.progress(loaded.items(), desc="settings", total=len(loaded))
    ]
    runs = pd.DataFrame([r for p in parts for r in p["runs"]])
    theory = pd.DataFrame([r for p in parts for r in p["theory"]])
    proxy_theory = pd.DataFrame([r for p in parts for r in p["proxy_theory"]])
    info = pd.DataFrame([p["info"] for p in parts])
    summary, overall, method_ranks = summarise(runs)
    theory_summary = (
        theory.groupby("setting", sort=False)
        .agg(T=("T", "first"), T0_mean=("T0", "mean"), rho_mean=("rho_k", "mean"), bound_mean=("bound", "mean"),
             rank_mean=("rank", "mean"), rank_after_bo_mean=("rank_after_bo", "mean"),
             optimum_rank_under_metric=("optimum_rank_under_metric", "median"),
             spearman_metric=("spearman_metric", "mean"), bound_holds=("bound_holds", "mean"),
             rho_positive=("condition_rho_positive", "mean"), greedy_improved=("greedy_improved", "mean"))
        .reset_index()
        .merge(info[["setting", "oracle_top1_rank", "distinct_top1_archs"]], on="setting")
    )
    best_proxy_rho = proxy_theory.loc[proxy_theory.groupby("setting")["spearman"].idxmax(), ["setting", "metric", "spearman"]]
    theory_summary = theory_summary.merge(
        best_proxy_rho.rename(columns={"metric": "best_single_metric", "spearman": "best_single_spearman"}), on="setting"
    )
    paper = _paper_rows(summary, info, params)
    claims = _claims(overall, summary, theory, proxy_theory, paper, params)
    ours = overall.set_index("method").loc["RoBoT"]
    best_greedy = best_of(overall, "single proxy, greedy top-T")
    worst_case = comparable(overall).set_index("method")["percentile_worst"].sort_values(ascending=False)
    return Result(
        chapter="robot", profile="", params=params, claims=claims,
        metrics={
            "robot_mean_percentile": float(ours.percentile_mean),
            "best_greedy_proxy": best_greedy["method"],
            "best_greedy_proxy_mean_percentile": float(best_greedy["percentile_mean"]),
            "theorem1_holds_share": float(theory.loc[theory["k"] > 0, "bound_holds"].mean()),
            "theorem1_condition_share": float(theory.loc[theory["k"] > 0, "condition_rho_positive"].mean()),
            "robot_worst_percentile": float(ours.percentile_worst),
            "mean_T0": float(theory["T0"].mean()),
        },
        tables={
            "settings": info, "runs": runs, "summary": summary, "overall": overall, "method_ranks": method_ranks,
            "theory": theory, "theory_summary": theory_summary, "proxy_theory": proxy_theory, "paper": paper,
        },
        notes=[
            f"Worst setting per method: RoBoT's worst percentile ({ours.percentile_worst:.2f}) ranks "
            f"{int(worst_case.index.get_loc('RoBoT')) + 1} of {len(worst_case)} methods run on every setting "
            f"(best: {worst_case.index[0]} {worst_case.iloc[0]:.2f}); the mean-rank claim above weighs every setting's "
            "ordering equally instead, where a single proxy that is first on many settings and far behind on a few can lead.",
            "BO surrogate: a small numpy GP (Matern-5/2, normalised targets, length scale by marginal likelihood "
            "over a grid) with UCB (kappa 2.576) over 2,000 random candidates, the model of the bayes_opt package "
            "the official code uses; BoTorch would install without touching torch but costs far more per step "
            "than this 6-dimensional, <=100-point problem needs.",
            "Budget = distinct architectures whose accuracy was looked up, as in the official code; repeated "
            "look-ups are free. The pool is the Suite-Zero sample and the accuracy is its stored validation accuracy, "
            "which is both what searchers see and what we report (the tables hold no separate test accuracy).",
            "Metrics are min-max normalised per setting; a failed metric value counts as 0. Metrics a setting does "
            "not store (synflow on TransNAS and NB301) are left out there; see the settings table.",
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
    ),
    profiles={
        "quick": {"settings": ["nb201/cifar10", "nb101/cifar10", "tnb101_micro/class_scene"], "budget": 20,
                  "budget_tnb": 100, "seeds": 3, "metrics": PAPER_METRICS, "bo_share": 1.0},
        "full": {"settings": list(proxy_settings()), "budget": 20, "budget_tnb": 100, "seeds": 10,
                 "metrics": PAPER_METRICS, "bo_share": 1.0},
    },
    run=run,
    check=check,
)
