"""RoBoT (He, Shu, Dai, Low; ICLR 2024): the paper's numbers, the rules, and the verdicts.

Numbers are from the official repository's README tables (Table 2: NAS-Bench-201; Table 3:
TransNAS-Bench-101). Every claim is judged per part (setting, task or dataset) on an interval
over seeds, with random search and REA as negative controls under the same rule; a part where
a control passes cannot count as reproduced. ``judge`` reads only the stored tables.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Callable

import numpy as np
import pandas as pd

from nasmeta_lib import verdicts
from nasmeta_lib.results import Result
from nasmeta_lib.verdicts import (Check, Claim, Control, Interval, Rule, RuleChange, all_of, bonferroni,
                                  bootstrap_mean, exact_sign_interval, not_run, per_part)

# Table 2, NAS-Bench-201, test accuracy (%) of the found cell, T = 20, 10 runs: (mean, std); the
# training-free rows are deterministic (no std). "optimum" is the best cell of the full space.
PAPER_NB201: dict[str, dict[str, tuple[float, float | None]]] = {
    "REA": {"cifar10": (93.92, 0.30), "cifar100": (71.84, 0.99), "ImageNet16-120": (45.15, 0.89)},
    "RS": {"cifar10": (93.70, 0.36), "cifar100": (71.04, 1.07), "ImageNet16-120": (44.57, 1.25)},
    "REINFORCE": {"cifar10": (93.85, 0.37), "cifar100": (71.71, 1.09), "ImageNet16-120": (45.24, 1.18)},
    "training-free average": {"cifar10": (91.71, 2.37), "cifar100": (66.48, 4.94), "ImageNet16-120": (35.46, 9.90)},
    "training-free best": {"cifar10": (94.36, None), "cifar100": (73.51, None), "ImageNet16-120": (46.34, None)},
    "RoBoT": {"cifar10": (94.36, 0.00), "cifar100": (73.51, 0.00), "ImageNet16-120": (46.34, 0.00)},
    "optimum": {"cifar10": (94.37, None), "cifar100": (73.51, None), "ImageNet16-120": (47.31, None)},
}
NB201_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
TRANSFER_TASKS = ("ninapro", "darcy")  # NAS-Bench-360's tasks with an all-cell NB201 table
SHUFFLED = "RoBoT (proxies shuffled)"  # the transfer claim's negative control

# Table 3, TransNAS-Bench-101, validation rank of the found architecture in the FULL space
# (micro 4,096, macro 3,256 architectures), T = 100: (mean, std); "training-free best" has no std.
TNB_FULL_SPACE = {"tnb101_micro": 4096, "tnb101_macro": 3256}
_TNB_COLUMNS = ("class_scene", "class_object", "jigsaw", "room_layout", "segmentsemantic", "normal", "autoencoder")
_TNB_TABLE = {
    ("tnb101_micro", "REA"): "26±22 23±28 24±22 28±23 22±28 22±20 18±16",
    ("tnb101_micro", "RS"): "40±35 34±32 57±67 42±43 41±40 43±41 49±51",
    ("tnb101_micro", "REINFORCE"): "35±28 37±31 40±37 38±32 34±35 33±40 34±32",
    ("tnb101_micro", "training-free best"): "2 1 22 18 3 14 36",
    ("tnb101_micro", "RoBoT"): "2±0 1±0 17±5 17±34 4±1 8±8 66±70",
    ("tnb101_macro", "REA"): "23±24 22±21 21±16 21±20 17±20 23±22 19±17",
    ("tnb101_macro", "RS"): "35±32 26±24 33±39 29±29 33±38 26±23 31±26",
    ("tnb101_macro", "REINFORCE"): "49±45 37±31 20±22 27±25 51±43 48±39 32±17",
    ("tnb101_macro", "training-free best"): "1 8 5 2 2 2 5",
    ("tnb101_macro", "RoBoT"): "1±0 6±3 3±1 6±6 2±2 2±0 5±1",
}


def _cell(text: str) -> tuple[float, float | None]:
    mean, _, std = text.partition("±")
    return float(mean), float(std) if std else None


PAPER_TNB: dict[str, dict[str, tuple[float, float | None]]] = {}
for (_space, _method), _row in _TNB_TABLE.items():
    for _task, _text in zip(_TNB_COLUMNS, _row.split()):
        PAPER_TNB.setdefault(f"{_space}/{_task}", {})[_method] = _cell(_text)

# The rules, fixed before any run.
RULE_BEATS_PROXY = Rule("RoBoT's percentile in the pool minus the best single metric's (its top-T queried), per setting",
                        ">=", 0.0)
RULE_TNB = Rule("log2(mean rank / random search's expected rank) - log2(paper's RoBoT rank / paper's RS rank), per task",
                "<=", 1.0)
RULE_NB201 = Rule("share of the paper's RoBoT-over-REA gain in full-space test percentile reached, per dataset",
                  ">=", 0.5)
RULE_TRANSFER = Rule("RoBoT's percentile among all cells minus random search's (same T, the task's own accuracy as "
                     "objective), per task", ">", 0.0)
CONTROLS = ("random", "REA")
LEVEL = 0.95
MIN_BOOTSTRAP_SEEDS = 10  # below this a percentile bootstrap under-covers: use the sign-test interval

RULE_CHANGES = (
    RuleChange(3, "robot.nb201", "the full profile searches all 15,625 cells with the project's proxy table and "
               "CIFAR-10 test accuracy as the objective, REINFORCE joins the table; the rule is unchanged; was: "
               "the Suite-Zero pool, where the pool's best cell capped what any method could find", "partly"),
    RuleChange(3, "robot.transfer", "new: RoBoT with CIFAR-10 proxies on NinaPro and Darcy over all cells, minus "
               "random search, per task, RoBoT on shuffled proxies as the negative control", "not run"),
    RuleChange(2, "robot.beats-best-proxy", "per setting, RoBoT minus the best single metric's top-T (chosen in "
               "hindsight per setting) paired over seeds, Bonferroni over settings, all_of ('on every benchmark'), "
               "random search and REA as controls; was: mean percentile over settings, which both controls passed",
               "reproduced"),
    RuleChange(2, "robot.transnas", "replaces robot.tnb-micro: all 14 TransNAS tasks, rank as a multiple of "
               "random search's rank in the same space (paper: full space; ours: the pool), per task, no averaging, "
               "random search and REA as controls; was: signed mean percentile gap over 5 micro tasks, full-space "
               "ranks against pool ranks", "reproduced"),
    RuleChange(2, "robot.nb201", "found cell's full-space test percentile (all-cell tables) as a share of the "
               "paper's RoBoT-over-REA gain, per dataset, intervals over seeds, random search and REA controls; a "
               "pool that cannot reach the threshold is inconclusive; was: validation percentile in the pool >= 99",
               "partly"),
    RuleChange(2, "robot.theorem1", "now a sanity check: the bound follows by pigeonhole from rho_k as computed",
               "reproduced"),
    RuleChange(2, "robot.robust", "removed: the mean rank among methods is a descriptive table", "not reproduced"),
)


def over_seeds(values: np.ndarray, level: float = LEVEL) -> Interval:
    """Mean with a bootstrap interval over 10+ seeds; with fewer, the median's distribution-free
    interval (unbounded, hence inconclusive, below 6 seeds at 95%)."""
    values = np.asarray(values, float)
    if len(values) >= MIN_BOOTSTRAP_SEEDS:
        return bootstrap_mean(values, level, unit="seeds")
    return exact_sign_interval(values, level, unit="seeds")


def proxy_parts(result: Result) -> pd.DataFrame:
    """Per setting: RoBoT (and the controls) minus the best single metric given the same T queries,
    chosen in hindsight per setting like the paper's "best single metric (enumeration)" row."""
    runs = result.tables["runs"]
    greedy = runs[runs["family"] == "single proxy, greedy top-T"]
    settings = list(dict.fromkeys(runs["setting"]))
    level = bonferroni(LEVEL, len(settings))
    rows = []
    for key in settings:
        best = greedy[greedy["setting"] == key].groupby("method")["percentile"].mean()
        best_method, best_pct = best.idxmax(), float(best.max())
        row = {"part": key, "best single metric": best_method, "best metric percentile": best_pct}
        for method in ("RoBoT", *CONTROLS):
            pct = runs[(runs["setting"] == key) & (runs["method"] == method)].sort_values("seed")["percentile"]
            row[method] = over_seeds(pct.to_numpy() - best_pct, level)
        rows.append(row)
    return _judged(rows, "robot.beats-best-proxy", RULE_BEATS_PROXY)


def expected_random_rank(accuracy: np.ndarray, budget: int) -> float:
    """Exact expected true rank of the best of ``budget`` distinct uniform draws from the pool
    (rank = 1 + number strictly better): sum over r of P(no draw has rank < r)."""
    acc = np.sort(np.asarray(accuracy, float))
    n = len(acc)
    ranks = np.sort(1 + n - np.searchsorted(acc, acc, side="right"))
    better_than = np.searchsorted(ranks, np.arange(1, n + 1), side="left")  # cells of rank < r, r = 1..n
    log_c = lambda m: math.lgamma(m + 1) - math.lgamma(budget + 1) - math.lgamma(m - budget + 1)  # noqa: E731
    total = log_c(n)
    return float(sum(math.exp(log_c(n - b) - total) for b in better_than if n - b >= budget))


def transnas_parts(result: Result) -> pd.DataFrame:
    """Per TransNAS task: mean ranks normalised by random search's in the same space (the paper's
    RS row in the full space, random search's exact expected rank in our pool), compared in log2.
    The interval of the mean rank over seeds is mapped through the (monotone) log ratio."""
    runs, info = result.tables["runs"], result.tables["settings"].set_index("setting")
    rows = []
    for key, paper in PAPER_TNB.items():
        if key not in info.index:
            continue
        expected = float(info.loc[key, "rs_expected_rank"])
        paper_ratio = paper["RoBoT"][0] / paper["RS"][0]
        target = max(paper_ratio, 1.0 / expected)  # rank 1 is the best our pool can show
        row = {"part": key, "paper RoBoT / RS": paper_ratio, "paper REA / RS": paper["REA"][0] / paper["RS"][0],
               "paper training-free best / RS": paper["training-free best"][0] / paper["RS"][0],
               "our RS expected rank": expected, "target (floored at rank 1)": target}
        # a rank is at least 1, so a bound below 1 (an unbounded interval from few seeds) is cut there
        relative = lambda rank, e=expected, t=target: float(np.log2(max(rank, 1.0) / e / t))  # noqa: E731
        for method in ("RoBoT", *CONTROLS):
            ranks = runs[(runs["setting"] == key) & (runs["method"] == method)].sort_values("seed")["rank"].to_numpy()
            row[f"our {method} mean rank"] = float(ranks.mean())
            iv = over_seeds(ranks)
            row[method] = replace(iv, estimate=relative(iv.estimate), low=relative(iv.low), high=relative(iv.high))
        rows.append(row)
    return _judged(rows, "robot.transnas", RULE_TNB)


def nb201_parts(result: Result) -> pd.DataFrame:
    """Per dataset: the found cell's full-space test percentile, as a share of the paper's gain of
    RoBoT over REA (0 = the paper's REA, 1 = the paper's RoBoT). A pool whose best cell cannot
    reach the threshold cannot compare: that part is inconclusive whatever the interval says."""
    if "nb201_runs" not in result.tables or result.tables["nb201_runs"].empty:
        return pd.DataFrame()
    runs, pools = result.tables["nb201_runs"], result.tables["nb201_pool"].set_index("dataset")
    paper = result.tables["nb201_paper"].set_index(["method", "dataset"])["full_percentile"]
    rows = []
    for dataset in [d for d in NB201_DATASETS if d in pools.index]:
        low, high = paper[("REA", dataset)], paper[("RoBoT", dataset)]
        share = lambda pct, lo=low, hi=high: (np.asarray(pct, float) - lo) / (hi - lo)  # noqa: E731
        ceiling = float(share(pools.loc[dataset, "ceiling_percentile"]))
        row = {"part": f"nb201/{dataset}", "paper REA percentile": low, "paper RoBoT percentile": high,
               "pool ceiling (share)": ceiling}
        for method in ("RoBoT", *CONTROLS):
            pct = runs[(runs["dataset"] == dataset) & (runs["method"] == method)].sort_values("seed")["full_percentile"]
            row[method] = over_seeds(share(pct))
        row["cannot compare"] = ceiling < RULE_NB201.threshold
        rows.append(row)
    return _judged(rows, "robot.nb201", RULE_NB201)


def transfer_parts(result: Result) -> pd.DataFrame:
    """Per NAS-Bench-360 task: RoBoT's percentile among all cells minus random search's, paired
    by seed; the control is RoBoT on proxies shuffled between cells, minus random search."""
    if "transfer_runs" not in result.tables or result.tables["transfer_runs"].empty:
        return pd.DataFrame()
    runs = result.tables["transfer_runs"]
    rows = []
    for task, sub in runs.groupby("task", sort=False):
        pct = {m: sub[sub["method"] == m].sort_values("seed")["percentile"].to_numpy()
               for m in ("RoBoT", SHUFFLED, "random")}
        rows.append({"part": f"nb201_full/{task}", "RoBoT percentile": float(pct["RoBoT"].mean()),
                     "random percentile": float(pct["random"].mean()),
                     "RoBoT": over_seeds(pct["RoBoT"] - pct["random"]),
                     SHUFFLED: over_seeds(pct[SHUFFLED] - pct["random"])})
    return _judged(rows, "robot.transfer", RULE_TRANSFER, controls=(SHUFFLED,))


def _judged(rows: list[dict], claim_id: str, rule: Rule, controls: tuple[str, ...] = CONTROLS) -> pd.DataFrame:
    """Each part judged by ``rule`` with the controls; columns hold the intervals and verdicts."""
    out = []
    for row in rows:
        part = verdicts.judge(f"{claim_id}[{row['part']}]", "", "", "", rule, row["RoBoT"],
                              controls={m: row[m] for m in controls})
        verdict = "inconclusive" if row.get("cannot compare") and part.verdict != "not run" else part.verdict
        out.append({**{k: v for k, v in row.items() if k not in ("RoBoT", *controls)}, "RoBoT": row["RoBoT"],
                    "verdict": verdict, **{f"{c.method} verdict": c.verdict for c in part.controls},
                    **{f"{m} interval": row[m] for m in controls}})
    return pd.DataFrame(out)


def _combined(id: str, statement: str, paper: str, ours: str, rule: Rule, parts: pd.DataFrame,
              combine: Callable, evidence: str, controls: tuple[str, ...] = CONTROLS) -> Claim:
    """One claim from its judged parts: the combined verdict, the interval of the part that decides
    it, and each control's combined verdict with its deciding part's interval."""
    if parts.empty:
        return not_run(id, statement, paper, "no part of this claim was in the run's settings")
    verdict = combine(parts["verdict"])
    judged_controls = []
    for m in controls:
        control = combine(parts[f"{m} verdict"])
        judged_controls.append(
            Control(m, control, _decisive(parts[f"{m} interval"], parts[f"{m} verdict"], control, rule)))
    worst = _decisive(parts["RoBoT"], parts["verdict"], verdict, rule)
    return Claim(id, statement, paper, ours, verdict, evidence, rule.describe(), worst, judged_controls)


def _decisive(intervals: pd.Series, part_verdicts: pd.Series, verdict: str, rule: Rule) -> Interval | None:
    """The interval shown for a combined verdict: among the parts that decide it (the contradicted
    ones for "not reproduced" and "partly", else those with the combined verdict), the one that
    lies furthest against the claim."""
    deciding = "not reproduced" if verdict == "partly" else verdict
    ivs = [iv for iv, v in zip(intervals, part_verdicts) if v == deciding and iv is not None and not math.isnan(iv.estimate)]
    if not ivs:
        return None
    claims_above = rule.direction in (">", ">=")
    if deciding == "not reproduced":  # the clearest contradiction
        return min(ivs, key=lambda iv: iv.high) if claims_above else max(ivs, key=lambda iv: iv.low)
    return min(ivs, key=lambda iv: iv.low) if claims_above else max(ivs, key=lambda iv: iv.high)


def _part_list(parts: pd.DataFrame) -> str:
    return "; ".join(f"{r.part.replace('tnb101_', '')} {r.RoBoT} {r.verdict}" for r in parts.itertuples())


NB201_SPACE_EVIDENCE = {
    "full": "searched over all 15,625 cells with the project's proxy table (computed on CIFAR-10) and CIFAR-10 test "
            "accuracy after 200 epochs as the objective (the paper: 12-epoch validation accuracy, not held)",
    "pool": "searched in the Suite-Zero pool (its stored proxies) with Suite-Zero's CIFAR-10 validation accuracy as "
            "the objective",
}


def claims(result: Result) -> list[Claim]:
    params = result.params
    proxies = proxy_parts(result)
    n_repro = int((proxies["verdict"] == "reproduced").sum())
    out = [_combined(
        "robot.beats-best-proxy",
        "RoBoT is at least as good as the best single training-free metric on every benchmark, given the same T "
        "queries (the metric chosen in hindsight per setting, its top-T queried)",
        "RoBoT >= the best single metric on every benchmark (Tables 2-3); the paper's own Table 3 has RoBoT behind "
        "its training-free best on micro autoencoder (66 vs 36), segment. (4 vs 3) and macro layout (6 vs 2)",
        f"RoBoT minus the best metric, percentile points, per setting: {_part_list(proxies)}; reproduced on "
        f"{n_repro} of {len(proxies)} settings",
        RULE_BEATS_PROXY, proxies, all_of,
        f"'on every benchmark' is a universal statement, so the parts are combined with all_of (one setting where "
        f"RoBoT is reliably behind contradicts it; per_part would turn a counterexample into 'partly', a weaker "
        f"statement than the paper makes); each setting's interval is at the Bonferroni level "
        f"{bonferroni(LEVEL, len(proxies)):.4f} over {len(proxies)} settings",
    )]
    transnas = transnas_parts(result)
    budget_ok = params["budget_tnb"] == 100
    out.append(_combined(
        "robot.transnas",
        "On the 14 TransNAS-Bench-101 tasks (T = 100) RoBoT's rank, relative to random search's in the same space, "
        "is at most twice the paper's",
        "Table 3 (full spaces of 4,096 / 3,256 architectures): " + "; ".join(
            f"{k.replace('tnb101_', '')} {v['RoBoT'][0]:g}/{v['RS'][0]:g}" for k, v in PAPER_TNB.items()),
        f"{len(transnas)} of {len(PAPER_TNB)} tasks run: {_part_list(transnas)}", RULE_TNB, transnas, per_part,
        "a rank in the ~700-architecture Suite-Zero pool and one in the full space are compared as multiples of "
        "random search's rank in the same space (random search's best of T draws sits near the 1/(T+1) quantile "
        "of any space); where the paper's ratio is below 1 / our random search's rank, rank 1 is the target",
    ) if budget_ok else not_run("robot.transnas", "TransNAS ranks at T = 100", "Table 3, T = 100",
                                f"budget_tnb = {params['budget_tnb']}, not the paper's 100"))
    nb201 = nb201_parts(result)
    out.append(_combined(
        "robot.nb201",
        "On NAS-Bench-201 (T = 20, CIFAR-10 objective) RoBoT's cell has the paper's test accuracy on CIFAR-10, "
        "CIFAR-100 and ImageNet16-120, as a full-space percentile",
        "; ".join(f"{d}: RoBoT {PAPER_NB201['RoBoT'][d][0]}, REA {PAPER_NB201['REA'][d][0]}" for d in NB201_DATASETS),
        _part_list(nb201) if not nb201.empty else "-", RULE_NB201, nb201, per_part,
        NB201_SPACE_EVIDENCE[params.get("nb201_space", "pool")] + ", judged by the found cell's test accuracy looked "
        "up in the all-cell table; a space whose best cell is below the threshold makes that part inconclusive",
    ) if params["budget"] == 20 else not_run("robot.nb201", "NB201 at T = 20", "Table 2, T = 20",
                                             f"budget = {params['budget']}, not the paper's 20"))
    transfer = transfer_parts(result)
    out.append(_combined(
        "robot.transfer",
        "Training-free NAS transfers to diverse tasks: RoBoT with proxies computed on CIFAR-10 images, searching all "
        f"15,625 NB201 cells for a NAS-Bench-360 task with T = {params['budget']} queries of that task's accuracy, "
        "finds a better cell than random search with the same queries",
        "not a claim of the paper (it searches vision tasks only); NAS-Bench-360 (Tu et al., NeurIPS 2022) found that "
        "methods tuned on vision often fail to beat simple baselines on its diverse tasks",
        "RoBoT minus random search, percentile points: " + (_part_list(transfer) if not transfer.empty else "-"),
        RULE_TRANSFER, transfer, per_part,
        "paired over seeds; negative control: the same RoBoT search on proxies shuffled between cells (same "
        "distribution, no information): where it beats random search too, the gain is the search's, not the "
        "metrics', and the part is inconclusive",
        controls=(SHUFFLED,),
    ) if not transfer.empty else not_run("robot.transfer", "RoBoT on NinaPro and Darcy", "beyond the paper",
                                         "no NAS-Bench-360 task in -p transfer_tasks"))
    return out


def checks(result: Result) -> list[Check]:
    theory, proxy_theory, runs = result.tables["theory"], result.tables["proxy_theory"], result.tables["runs"]
    cond = theory[(theory["k"] > 0) & theory["condition_rho_positive"]]
    metrics = proxy_theory[proxy_theory["rho_T"] > 0]
    held = int((cond["rank"] <= cond["bound"]).sum()) + int((metrics["rank"] <= metrics["bound"]).sum())
    tested = len(cond) + len(metrics)
    failed = theory[(theory["k"] > 0) & ~theory["condition_rho_positive"]]
    above = int((failed["rank"] > failed["bound"]).sum())
    budgeted = runs[runs["family"] != "single proxy, top-1"]
    return [
        Check("robot.theorem1", "Theorem 1's bound k (1 - rho_k) + 1 holds wherever rho_k > 0 (it follows by "
              "pigeonhole from the definition of rho_k, so this checks our computation, not the paper)",
              tested > 0 and held == tested,
              f"{held} of {tested} cases; rho = 0 in {len(failed)} RoBoT runs, {above} of them above the bound"),
        Check("robot.budget", "every budgeted search queried exactly T distinct architectures",
              bool((budgeted["queries"] == budgeted["T"]).all()), f"{len(budgeted)} runs"),
    ]


def judge(result: Result) -> tuple[list[Claim], list[Check]]:
    """The chapter's claims and sanity checks, from the result's tables and parameters alone."""
    return claims(result), checks(result)
