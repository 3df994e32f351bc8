"""The ledger's overview figure: how many claims of each chapter got each verdict."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from nasmeta_lib.plots import style

# Known verdicts keep their colour from page to page; any other verdict gets the next palette colour.
VERDICT_COLOURS = {"reproduced": "#1a7f37", "partly": "#d4a72c", "not reproduced": "#cf222e", "not run": "#8c959f"}


def verdict_overview(verdicts: pd.DataFrame, order: list[str], marks: dict[str, str]) -> plt.Figure:
    """One horizontal stacked bar per chapter: the number of its claims per verdict.

    ``verdicts`` has columns ``chapter`` and ``verdict`` (the verdict word, one row per claim);
    ``order`` lists every verdict (stacking order), ``marks`` their printed names.
    """
    style()
    counts = (pd.crosstab(verdicts["chapter"], verdicts["verdict"])
              .reindex(index=list(dict.fromkeys(verdicts["chapter"])), columns=order, fill_value=0))
    spare = iter(sns.color_palette("colorblind"))
    colours = [VERDICT_COLOURS.get(v) or next(spare) for v in order]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(counts) + 1.4))
    left = pd.Series(0, index=counts.index)
    for verdict, colour in zip(order, colours):
        values = counts[verdict]
        ax.barh(counts.index, values, left=left, color=colour, label=marks.get(verdict, verdict).lower())
        for y, (x0, n) in enumerate(zip(left, values)):
            if n:
                ax.text(x0 + n / 2, y, str(n), ha="center", va="center", color="white", fontweight="bold")
        left += values
    ax.invert_yaxis()
    ax.set_xlabel("claims")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(ncol=len(order), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig
