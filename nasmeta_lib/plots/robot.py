"""Figures for the RoBoT chapter: robustness across settings, the verdicts' parts, and the Theorem 1 check."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from nasmeta_lib.plots import style


def _short(setting: str) -> str:
    return setting.replace("tnb101_", "").replace("ImageNet16-120", "IN16")


def method_rank_heatmap(method_ranks: pd.DataFrame, overall: pd.DataFrame) -> plt.Figure:
    """Rank of every method (rows, best mean rank first) on every setting (columns): a robust
    method has a uniformly light row, a fragile one a patchy row."""
    style()
    mean_rank = overall.set_index("method")["method_rank_mean"].sort_values()
    matrix = method_ranks.set_index("method").reindex(mean_rank.index)
    matrix.columns = [_short(c) for c in matrix.columns]
    matrix.index = [f"{m}  (mean {mean_rank[m]:.1f})" for m in matrix.index]
    fig, ax = plt.subplots(figsize=(0.36 * matrix.shape[1] + 4, 0.3 * matrix.shape[0] + 1.8))
    sns.heatmap(matrix, annot=matrix.shape[1] <= 20, fmt=".0f", cmap="rocket_r", annot_kws={"fontsize": 8},
                cbar_kws={"label": "rank among methods"}, ax=ax)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title("Rank of each method per setting\n(1 = best mean percentile of the found architecture)")
    fig.tight_layout()
    return fig


def percentile_by_family(summary: pd.DataFrame) -> plt.Figure:
    """Percentile of the found architecture per setting for RoBoT, the best of each baseline
    family and random search: where does RoBoT win, and where does it lose?"""
    style()
    best = summary.loc[summary.groupby(["setting", "family"])["percentile_mean"].idxmax()]
    fig, ax = plt.subplots(figsize=(max(7, 0.38 * best["setting"].nunique() + 3), 4.2))
    sns.pointplot(data=best, x="setting", y="percentile_mean", hue="family", dodge=0.4, linestyle="none", ax=ax,
                  order=list(dict.fromkeys(summary["setting"])))
    ax.set_xticks(ax.get_xticks(), [_short(t.get_text()) for t in ax.get_xticklabels()], rotation=60, ha="right")
    ax.set_ylabel("percentile in pool (mean over seeds)")
    ax.set_xlabel("")
    ax.set_title("RoBoT vs the best method of each family\n(chosen per setting in hindsight)")
    ax.legend(title="family", bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def theorem1_check(theory: pd.DataFrame) -> plt.Figure:
    """Each RoBoT run's true rank against Theorem 1's bound (T - T0)(1 - rho) + 1: points below the
    diagonal obey the bound; the distance to it is the bound's slack."""
    style()
    data = theory.assign(setting=theory["setting"].map(_short), condition=theory["condition_rho_positive"].map({True: "rho > 0", False: "rho = 0"}))
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    sns.scatterplot(data=data, x="bound", y="rank", hue="setting", style="condition", style_order=["rho > 0", "rho = 0"], ax=ax, s=40)
    top = max(data["bound"].max(), data["rank"].max()) * 1.1
    ax.plot([1, top], [1, top], color="grey", lw=1, ls="--", label="rank = bound")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Theorem 1 bound on the true rank")
    ax.set_ylabel("true rank of RoBoT's architecture")
    ax.set_title("Theorem 1, one point per run and seed")
    ax.legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.tight_layout()
    return fig


def part_intervals(parts: pd.DataFrame, threshold: float, quantity: str, title: str) -> plt.Figure:
    """A claim's quantity per part (setting, task, dataset) for RoBoT and its negative controls,
    each with its interval over seeds, against the rule's threshold (dashed); an unbounded
    interval (too few seeds) is drawn without bars."""
    style()
    controls = [c.removesuffix(" interval") for c in parts.columns if c.endswith(" interval")]
    series = {"RoBoT": parts["RoBoT"], **{name: parts[f"{name} interval"] for name in controls}}
    offsets = np.linspace(-0.2, 0.2, len(series)) if len(series) > 1 else [0.0]
    fig, ax = plt.subplots(figsize=(max(6.5, 0.5 * len(parts) + 3), 4.2))
    for offset, (name, intervals) in zip(offsets, series.items()):
        x = [i + offset for i in range(len(parts))]
        est = [iv.estimate for iv in intervals]
        err = np.array([[iv.estimate - iv.low for iv in intervals], [iv.high - iv.estimate for iv in intervals]])
        err[~np.isfinite(err)] = np.nan
        ax.errorbar(x, est, yerr=err, fmt="o", capsize=3, label=name)
    ax.axhline(threshold, color="grey", ls="--", lw=1, label="rule's threshold")
    ax.set_xticks(range(len(parts)), [_short(p) for p in parts["part"]], rotation=60, ha="right")
    ax.set_ylabel(quantity)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
