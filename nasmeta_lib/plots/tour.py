"""Figures for the benchmark tour."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from nasmeta_lib.plots import style


def accuracy_ecdfs(quantiles: pd.DataFrame) -> plt.Figure:
    """Quantile curves of accuracy per task, one panel per benchmark (scales differ by task)."""
    style()
    grid = sns.relplot(
        data=quantiles, x="accuracy", y="quantile", hue="task", col="benchmark", col_wrap=4,
        kind="line", facet_kws={"sharex": False}, height=2.6, aspect=1.2,
    )
    grid.set_axis_labels("accuracy / task score", "fraction of archs below")
    grid.figure.suptitle("How good is a random architecture? Accuracy distribution per setting", y=1.03)
    return grid.figure


def task_correlation_heatmaps(correlations: pd.DataFrame) -> plt.Figure:
    """Spearman rho between tasks of the same space: do rankings transfer across tasks?"""
    style()
    names = list(correlations["benchmark"].unique())
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.8), squeeze=False)
    for ax, name in zip(axes[0], names):
        sub = correlations[correlations["benchmark"] == name]
        tasks = list(dict.fromkeys(list(sub["task_a"]) + list(sub["task_b"])))
        matrix = pd.DataFrame(1.0, index=tasks, columns=tasks)
        for row in sub.itertuples():
            matrix.loc[row.task_a, row.task_b] = matrix.loc[row.task_b, row.task_a] = row.spearman
        sns.heatmap(matrix, vmin=-1, vmax=1, cmap="vlag", annot=len(tasks) <= 7, fmt=".2f", ax=ax, cbar=False, square=True)
        ax.set_title(name)
    fig.suptitle("Rank correlation (Spearman) of accuracy between tasks of one search space", y=1.02)
    fig.tight_layout()
    return fig
