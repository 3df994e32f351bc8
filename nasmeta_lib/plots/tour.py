"""Figures for the benchmark tour."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from nasmeta_lib.plots import correlation_heatmaps, style


def accuracy_ecdfs(quantiles: pd.DataFrame) -> plt.Figure:
    """Quantile curves of accuracy per task, one panel per benchmark (scales differ by task)."""
    style()
    grid = sns.relplot(
        data=quantiles, x="accuracy", y="quantile", hue="task", col="benchmark", col_wrap=3,
        kind="line", facet_kws={"sharex": False}, height=2.4, aspect=1.1,
    )
    grid.set_axis_labels("accuracy / task score", "fraction of archs below")
    grid.figure.suptitle("How good is a random architecture? Accuracy distribution per setting", y=1.03)
    return grid.figure


def task_correlation_heatmaps(correlations: pd.DataFrame) -> plt.Figure:
    """Spearman rho between tasks of the same space: do rankings transfer across tasks?"""
    return correlation_heatmaps(correlations, "benchmark",
                                "Rank correlation (Spearman) of accuracy between tasks of one search space")
