"""Figures for the NAS-Bench-360 chapter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as ticker
import pandas as pd
import seaborn as sns

from nasmeta_lib.plots import correlation_heatmaps, style
from nasmeta_lib.tasks.darcy_baselines import MEAN


def performance_profiles(profiles: pd.DataFrame) -> plt.Figure:
    """Dolan-More profiles of the paper's Table 2 (recomputed): higher and further left is better."""
    style()
    grid = sns.relplot(data=profiles, x="tau", y="fraction", hue="method", col="scope", kind="line",
                       drawstyle="steps-post", height=3.4, aspect=1.2)
    grid.set(xscale="log", xticks=[1, 1.25, 1.5, 2, 3])
    for ax in grid.axes.flat:
        ax.xaxis.set_major_formatter(ticker.ScalarFormatter())
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    grid.set_axis_labels("tau (error / best error on the task)", "fraction of tasks within tau")
    grid.figure.suptitle("Performance profiles from NB360 Table 2 (paper numbers, recomputed)", y=1.04)
    return grid.figure


def correlation_heatmap(correlations: pd.DataFrame) -> plt.Figure:
    """Spearman rho between tasks over all 15,625 NB201 cells (the shuffled control pair left out)."""
    pairs = correlations[correlations.kind != "control"].assign(pool="all 15,625 NB201 cells")
    return correlation_heatmaps(pairs, "pool", "Do NB201 cell rankings transfer between tasks? (Spearman rho)",
                                annotate_up_to=99)


def correlation_intervals(correlations: pd.DataFrame, thresholds: tuple[float, float]) -> plt.Figure:
    """Each task pair's Spearman rho with its bootstrap interval over cells, beside the rules'
    thresholds (weak below the first, strong above the second)."""
    style()
    frame = correlations.assign(pair=correlations.task_a + " vs " + correlations.task_b)
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(frame) + 1.2))
    for i, row in enumerate(frame.itertuples()):
        color = {"vision-vision": "C0", "vision-diverse": "C1", "diverse-diverse": "C2"}.get(row.kind, "grey")
        ax.errorbar(row.spearman, i, xerr=[[row.spearman - row.low], [row.high - row.spearman]], fmt="o",
                    color=color, capsize=3, label=row.kind)
    for t in thresholds:
        ax.axvline(t, color="black", ls=":", lw=0.8)
    ax.set_yticks(range(len(frame)), frame.pair)
    ax.invert_yaxis()
    ax.set_xlim(-0.2, 1.02)
    ax.set_xlabel("Spearman rho over all cells (95 % bootstrap interval)")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize=8)
    return fig


def best_cell_landing(best: pd.DataFrame) -> plt.Figure:
    """Percentile, on every task, of each task's best cell (100 = the best cell there too)."""
    style()
    matrix = best.pivot(index="source", columns="target", values="percentile")
    order = list(dict.fromkeys(best.source))
    fig, ax = plt.subplots(figsize=(5.6, 4))
    sns.heatmap(matrix.loc[order, order], annot=True, fmt=".1f", cmap="viridis", vmin=0, vmax=100, ax=ax, cbar=False)
    ax.set_xlabel("percentile on target task")
    ax.set_ylabel("best cell of")
    ax.set_title("Where each task's best NB201 cell lands")
    return fig


def op_preferences(prefs: pd.DataFrame) -> plt.Figure:
    """Marginal effect of each op per task, in units of the task's accuracy IQR."""
    style()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    sns.barplot(data=prefs, x="op", y="effect_iqr", hue="task", ax=ax)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("accuracy effect (task IQRs)")
    ax.set_xlabel("")
    ax.set_title("Which ops help on which task (mean over the 6 edges)")
    return fig


def budgeted_search(summary: pd.DataFrame) -> plt.Figure:
    """Median target-accuracy percentile of the cell each strategy picks, by sample budget."""
    style()
    grid = sns.relplot(data=summary, x="budget", y="median_percentile", hue="strategy", col="target",
                       kind="line", marker="o", height=3.2, aspect=1.1)
    grid.set(xscale="log")
    grid.set_axis_labels("cells sampled (budget)", "median percentile of the pick")
    grid.figure.suptitle("What a search with a budget finds on each task (tabular, NB201 cells)", y=1.04)
    return grid.figure


def darcy_results(darcy: pd.DataFrame, paper: pd.DataFrame) -> plt.Figure:
    """Our Darcy relative L2 per method beside the paper's closest Table 2 number (log scale)."""
    style()
    ours = darcy[["method", "rel_l2"]].assign(source="ours (regenerated, reduced budget)")
    theirs = paper[["our method", "darcy (paper)"]].rename(columns={"our method": "method", "darcy (paper)": "rel_l2"})
    frame = pd.concat([ours, theirs.assign(source="paper Table 2 / NB360 precompute")], ignore_index=True).dropna()
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    sns.barplot(data=frame, y="method", x="rel_l2", hue="source", ax=ax)
    ax.set_xscale("log")
    floor = darcy.loc[darcy.method == MEAN, "rel_l2"]
    if len(floor):  # a model to the right of this line does worse than predicting the mean solution
        ax.axvline(float(floor.iloc[0]), color="black", ls="--", lw=0.8)
    ax.set_xlabel("Darcy Flow test relative L2 (lower is better; dashed: the mean solution)")
    ax.set_ylabel("")
    sns.move_legend(ax, "lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, title=None, frameon=False)
    return fig
