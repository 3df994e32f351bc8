"""Figures of the GenNAS chapter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from nasmeta_lib.plots import style


def rho_by_method(rho: pd.DataFrame, group: str = "dataset", title: str = ""):
    """Spearman rho with bootstrap CI per method, GenNAS beside the zero-cost proxies."""
    style()
    groups = list(dict.fromkeys(rho[group]))
    fig, axes = plt.subplots(1, len(groups), figsize=(4.2 * len(groups), 4.5), sharex=True, squeeze=False)
    for ax, g in zip(axes[0], groups):
        sub = rho[rho[group] == g].sort_values("spearman")
        colors = ["C3" if m.startswith("GenNAS") else "C0" for m in sub.method]
        ax.barh(sub.method, sub.spearman, color=colors,
                xerr=[sub.spearman - sub.ci_low, sub.ci_high - sub.spearman], error_kw={"lw": 1})
        ax.axvline(0, color="k", lw=0.8)
        ax.set_title(str(g))
        ax.set_xlabel("Spearman rho")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def rho_vs_iterations(curve: pd.DataFrame):
    """How the ranking quality of the regression loss grows with training iterations."""
    style()
    ax = sns.lineplot(data=curve, x="iteration", y="spearman", hue="dataset", style="input", marker="o")
    ax.set_ylabel("Spearman rho (GenNAS loss vs accuracy)")
    ax.set_xlabel("training iterations")
    return ax


def score_vs_accuracy(scores: pd.DataFrame, dataset: str = "cifar10"):
    """Each cell's final regression loss against its accuracy."""
    style()
    ax = sns.scatterplot(data=scores, x="gennas_loss", y=f"acc_{dataset}", s=18)
    ax.set_xscale("log")
    ax.set_xlabel("GenNAS regression loss (lower = predicted better)")
    ax.set_ylabel(f"{dataset} accuracy (%)")
    return ax
