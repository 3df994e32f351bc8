"""Figures for the live-proxy check against NAS-Bench-Suite-Zero."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from nasmeta_lib.claims.proxies import TARGET_RHO
from nasmeta_lib.plots import style


def agreement_bars(agreement: pd.DataFrame) -> plt.Figure:
    """Spearman rho between our scores and Suite-Zero's, per proxy (one panel per task)."""
    style()
    data = agreement.dropna(subset=["rho"]).sort_values("rho", ascending=False)
    grid = sns.catplot(data=data, x="rho", y="proxy", hue="inputs", col="task", kind="bar",
                       height=3.6, aspect=1.1, orient="h")
    for ax in grid.axes.flat:
        ax.axvline(TARGET_RHO, color="black", linestyle="--", linewidth=1)
        ax.set_xlim(min(0.0, data["rho"].min()), 1.0)
    grid.set_axis_labels("Spearman rho, ours vs. stored", "")
    grid.figure.suptitle("Do our live proxies rank architectures like Suite-Zero's stored values? "
                         "(dashed: target 0.9)", y=1.04)
    return grid.figure


def ours_vs_stored(scores: pd.DataFrame, task: str, inputs: str) -> plt.Figure:
    """Our score against the stored one, one panel per proxy (axes differ: proxies have own scales)."""
    style()
    data = scores[(scores.task == task) & (scores.inputs == inputs)].dropna(subset=["stored"])
    grid = sns.relplot(data=data, x="stored", y="ours", col="proxy", col_wrap=4, height=2.4,
                       facet_kws={"sharex": False, "sharey": False}, s=18)
    grid.set_titles("{col_name}")
    grid.set_axis_labels("Suite-Zero (stored)", "ours (live)")
    grid.figure.suptitle(f"Per-architecture scores, {task}, {inputs} inputs", y=1.02)
    return grid.figure


def accuracy_correlation(agreement: pd.DataFrame) -> plt.Figure:
    """How well each proxy predicts accuracy: our scores beside Suite-Zero's, same archs."""
    style()
    long = agreement.melt(id_vars=["task", "inputs", "proxy"],
                          value_vars=["rho_ours_vs_accuracy", "rho_stored_vs_accuracy"],
                          var_name="scores", value_name="spearman").dropna(subset=["spearman"])
    long["scores"] = long["scores"].map({"rho_ours_vs_accuracy": "ours", "rho_stored_vs_accuracy": "Suite-Zero"})
    long["setting"] = long["task"] + " / " + long["inputs"]
    grid = sns.catplot(data=long, x="spearman", y="proxy", hue="scores", col="setting", kind="bar",
                       height=3.6, aspect=1.0, orient="h", col_wrap=3)
    grid.set_axis_labels("Spearman rho with validation accuracy", "")
    grid.figure.suptitle("Proxy vs. accuracy: our live scores and the stored ones", y=1.04)
    return grid.figure


def timing_bars(timing: pd.DataFrame) -> plt.Figure:
    """Seconds per architecture per proxy: ours (this run's device) and NASLib's recorded cost."""
    style()
    long = timing.melt(id_vars=["proxy", "device"], value_vars=["ours_seconds_mean", "naslib_seconds_mean"],
                       var_name="implementation", value_name="seconds").dropna(subset=["seconds"])
    device = timing["device"].iloc[0]
    long["implementation"] = long["implementation"].map(
        {"ours_seconds_mean": f"ours ({device})", "naslib_seconds_mean": "NASLib (recorded)"})
    fig, ax = plt.subplots(figsize=(7, 4.2))
    sns.barplot(data=long, x="seconds", y="proxy", hue="implementation", orient="h", ax=ax)
    ax.set_xscale("log")
    ax.set_xlabel("seconds per architecture (log scale)")
    ax.set_ylabel("")
    ax.set_title("Cost of one proxy evaluation")
    fig.tight_layout()
    return fig
