"""Figures for the AdvantageNAS chapter."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from nasmeta_lib.plots import panels, style
from nasmeta_lib.searchers.estimators import LABELS


def _label(estimator: str) -> str:
    """"reinforce (oracle baseline)" -> "REINFORCE (oracle baseline)"."""
    name, _, variant = estimator.partition(" ")
    return " ".join(filter(None, (LABELS.get(name, name), variant)))


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(estimator=frame["estimator"].map(_label))


def convergence(curves: pd.DataFrame) -> plt.Figure:
    """Exact expected loss per iteration, seed mean with its 95% CI, one panel per table."""
    style()
    curves = _labelled(curves)
    settings = list(curves["setting"].unique())
    fig, axes = panels(len(settings), width=4.2, height=3.3)
    palette = dict(zip(curves["estimator"].unique(), sns.color_palette()))
    for ax, setting in zip(axes, settings):
        for est, sub in curves[curves["setting"] == setting].groupby("estimator", sort=False):
            ax.plot(sub["iteration"], sub["expected_loss"], label=est, color=palette[est])
            ax.fill_between(sub["iteration"], sub["ci_low"], sub["ci_high"], color=palette[est], alpha=0.2)
        ax.set(title=setting, xlabel="iteration", ylabel="E[normalised regret]")
    axes[-1].legend(fontsize="small")
    fig.suptitle("Expected loss of the architecture distribution (exact), mean and 95% CI over seeds", y=1.02)
    fig.tight_layout()
    return fig


def expected_path(path: pd.DataFrame) -> plt.Figure:
    """Descent along AdvantageNAS's exact expected step: the theorem's monotone improvement."""
    style()
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    sns.lineplot(data=path, x="step", y="expected_loss", hue="setting", ax=ax)
    ax.set(xlabel="step along E[AdvantageNAS step]", ylabel="E[normalised regret]",
           title="Expected AdvantageNAS update: expected loss per step")
    return fig


def moments(frame: pd.DataFrame) -> plt.Figure:
    """Variance and bias of one step at random distributions, per estimator."""
    style()
    frame = _labelled(frame)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    sns.stripplot(data=frame, x="estimator", y="total_variance", hue="setting", dodge=True, ax=axes[0])
    axes[0].set(yscale="log", xlabel="", ylabel="total variance of one step", title="Variance (lower is better)")
    sns.stripplot(data=frame, x="estimator", y="cosine_to_grad", hue="setting", dodge=True, legend=False, ax=axes[1])
    axes[1].set(xlabel="", ylabel="cos(E[step], exact gradient)", title="Bias (1 = unbiased direction)")
    for ax in axes:
        ax.tick_params(axis="x", rotation=20)
    fig.tight_layout()
    return fig


def found_accuracy(trace: pd.DataFrame, task: str) -> plt.Figure:
    """Test accuracy (NB201 table) of the recommended cell against architecture steps and search time,
    time being step counts x per-step costs measured one step at a time."""
    style()
    trace = _labelled(trace)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    sns.lineplot(data=trace, x="arch_step", y="test_accuracy", hue="estimator", errorbar="sd", ax=axes[0])
    axes[0].set(xlabel="architecture step", ylabel=f"{task} test accuracy (%)", title="Mean +- std over seeds")
    sns.lineplot(data=trace, x="seconds", y="test_accuracy", hue="estimator", units="seed", estimator=None,
                 drawstyle="steps-post", alpha=0.5, ax=axes[1], legend=False)
    axes[1].set(xlabel="search time (s): steps x per-step cost", ylabel=f"{task} test accuracy (%)",
                title="Each run against time")
    fig.suptitle("Recommended cells during the supernet search (NB201 table lookup)", y=1.02)
    fig.tight_layout()
    return fig
