"""Figures for the benchmark tour."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from nasmeta_lib.chapters.tour import FULL_SPACE
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


def full_space_histograms(histogram: pd.DataFrame) -> plt.Figure:
    """All cells of the full NB201 table: accuracy histogram per data set, each on its own scale."""
    style()
    tasks = list(dict.fromkeys(histogram["task"]))
    fig, axes = plt.subplots(1, len(tasks), figsize=(3.4 * len(tasks), 2.9), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        sub = histogram[histogram["task"] == task]
        ax.bar(sub["bin_left"], sub["count"], width=sub["bin_right"] - sub["bin_left"], align="edge")
        ax.set_yscale("log")  # broken cells form a small spike far below the bulk
        ax.set_title(f"{task} ({sub['count'].sum():,} cells)")
        ax.set_xlabel("1 - relative L2" if task == "darcy" else "test accuracy (%)")
    axes[0][0].set_ylabel("cells (log scale)")
    fig.suptitle("Every NAS-Bench-201 cell, trained on each data set: how accuracy is distributed", y=1.03)
    fig.tight_layout()
    return fig


def cross_dataset_heatmap(correlations: pd.DataFrame) -> plt.Figure:
    """Spearman rho between the data sets of the full NB201 table, over all cells."""
    fig = correlation_heatmaps(correlations[correlations["benchmark"] == FULL_SPACE], "benchmark",
                               "Does a cell's rank on one data set predict its rank on another? (all cells)")
    fig.set_size_inches(6.4, 5.4)  # one panel of five data sets: give the annotations room
    fig.tight_layout()
    return fig
