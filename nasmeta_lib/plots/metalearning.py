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
    height = max(3.0, 0.28 * data.setting.nunique() * data.approach.nunique() / 2)
    grid = sns.catplot(
        data=data, y="setting", x="spearman", hue="approach", col="experiment", kind="bar",
        errorbar=None, height=height, aspect=0.9, sharey=False,
    )
    grid.set_axis_labels("Spearman rho", "")
    grid.figure.suptitle(f"{predictor}, {shots} shots: each target setting", y=1.02)
    return grid.figure


def gain_vs_correlation(gains: pd.DataFrame, predictor: str, shots: int) -> plt.Figure:
    """Transfer gain over from-scratch training against task correlation, with a fitted line."""
    style()
    data = gains[(gains.predictor == predictor) & (gains.shots == shots) & (gains.experiment == "leave-one-out")]
    approaches = list(data.approach.unique())
    fig, axes = plt.subplots(1, len(approaches), figsize=(4.2 * len(approaches), 3.8), squeeze=False, sharey=True)
    for ax, approach in zip(axes[0], approaches):
        sub = data[data.approach == approach]
        sns.regplot(data=sub, x="task_correlation", y="gain", ax=ax, scatter_kws={"s": 30}, ci=None)
        for row in sub.itertuples():
            ax.annotate(row.setting, (row.task_correlation, row.gain), fontsize=6, alpha=0.7)
        ax.axhline(0, color="grey", lw=0.8, ls="--")
        ax.set_title(approach)
        ax.set_xlabel("task correlation (best same-space setting)")
    for ax in axes[0]:
        ax.set_ylabel("gain in rho over from scratch")
    fig.suptitle(f"Does transfer follow task correlation? ({predictor}, {shots} shots)", y=1.02)
    fig.tight_layout()
    return fig
