"""Figures for the few-shot predictor adaptation chapter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from nasmeta_lib.plots import style


def shots_curves(scores: pd.DataFrame) -> plt.Figure:
    """Spearman rho against the number of labelled architectures, per approach.

    One panel per (experiment, predictor); the band is the 95% interval over settings and seeds.
    """
    style()
    data = scores.assign(panel=scores.experiment + " / " + scores.predictor)
    grid = sns.relplot(
        data=data, x="shots", y="spearman", hue="approach", col="panel", col_wrap=3,
        kind="line", marker="o", errorbar=("ci", 95), height=3.0, aspect=1.2,
    )
    grid.set(xticks=sorted(data.shots.unique()))
    grid.set_axis_labels("labelled architectures (shots)", "Spearman rho on the rest")
    grid.set_titles("{col_name}")
    grid.figure.suptitle("Few-shot ranking quality on held-out settings", y=1.03)
    return grid.figure


def per_setting(scores: pd.DataFrame, predictor: str, shots: int) -> plt.Figure:
    """Mean rho of each approach on each target setting at ``shots`` labelled architectures."""
    style()
    data = scores[(scores.predictor == predictor) & (scores.shots == shots)]
    data = data.assign(target=data.setting + " (" + data.experiment + ")")
    n = data.target.nunique()
    fig, ax = plt.subplots(figsize=(7, 1.0 + 0.35 * n * max(1, data.approach.nunique() / 3)))
    sns.barplot(data=data, y="target", x="spearman", hue="approach", errorbar=None, ax=ax)
    ax.set_xlabel("Spearman rho")
    ax.set_ylabel("")
    ax.set_title(f"{predictor}, {shots} shots: each target setting")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def gain_vs_correlation(gains: pd.DataFrame, predictor: str, shots: int) -> plt.Figure:
    """Transfer gain over from-scratch training against task correlation, with a fitted line."""
    style()
    data = gains[(gains.predictor == predictor) & (gains.shots == shots) & (gains.experiment == "leave-one-out")]
    approaches = list(data.approach.unique())
    cols = min(3, len(approaches))
    rows = -(-len(approaches) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.8 * rows), squeeze=False, sharey=True)
    for ax in axes.flat[len(approaches):]:
        ax.set_visible(False)
    for ax, approach in zip(axes.flat, approaches):
        sub = data[data.approach == approach]
        sns.regplot(data=sub, x="task_correlation", y="gain", ax=ax, scatter_kws={"s": 30}, ci=None)
        for row in sub.itertuples():
            ax.annotate(row.setting, (row.task_correlation, row.gain), fontsize=6, alpha=0.7)
        ax.axhline(0, color="grey", lw=0.8, ls="--")
        ax.set_title(approach)
        ax.set_xlabel("task correlation (best same-space setting)")
    for ax in axes[:, 0]:
        ax.set_ylabel("gain in rho over from scratch")
    fig.suptitle(f"Does transfer follow task correlation? ({predictor}, {shots} shots)", y=1.02)
    fig.tight_layout()
    return fig
