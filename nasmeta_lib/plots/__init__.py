"""Seaborn figures: shared styling and figure kinds here, one module per chapter beside it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

DPI = 120  # with the fonts below, a figure up to about 8 inches wide shows text at reading size


def style() -> None:
    """The book's figure style (called by every plotting function): one font size and resolution
    for every page, chosen so that text stays readable at the page's width."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", font_scale=1.05, rc={
        "figure.dpi": DPI, "savefig.dpi": DPI, "savefig.bbox": "tight",
        "axes.titlesize": "medium", "axes.titleweight": "bold", "figure.titlesize": "large",
        "legend.fontsize": "small", "legend.title_fontsize": "small",
    })


def panels(n: int, width: float = 4.0, height: float = 3.4, max_cols: int = 2, **subplots) -> tuple[plt.Figure, list]:
    """A figure of ``n`` panels wrapped into at most ``max_cols`` columns, so that a figure with many
    panels grows down the page instead of past its width (where the browser would shrink its text)."""
    cols = min(n, max_cols)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False, **subplots)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def correlation_heatmaps(pairs: pd.DataFrame, by: str, title: str, annotate_up_to: int = 5) -> plt.Figure:
    """One symmetric heatmap of pairwise Spearman rho per value of ``by``.

    ``pairs`` has columns ``by``, ``task_a``, ``task_b`` and ``spearman`` (one row per pair).
    """
    style()
    groups = list(pairs[by].unique())
    fig, axes = panels(len(groups), width=4.3, height=3.9)
    for ax, group in zip(axes, groups):
        sub = pairs[pairs[by] == group]
        tasks = list(dict.fromkeys(list(sub["task_a"]) + list(sub["task_b"])))
        matrix = pd.DataFrame(1.0, index=tasks, columns=tasks)
        for row in sub.itertuples():
            matrix.loc[row.task_a, row.task_b] = matrix.loc[row.task_b, row.task_a] = row.spearman
        sns.heatmap(matrix, vmin=-1, vmax=1, cmap="vlag", annot=len(tasks) <= annotate_up_to, fmt=".2f",
                    ax=ax, cbar=False, square=True)
        ax.set_title(group)
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle(title, y=1.02)
    fig.tight_layout()
    return fig
