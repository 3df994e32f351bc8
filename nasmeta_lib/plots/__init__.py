"""Seaborn figures: shared styling here, one module per chapter beside it."""

import seaborn as sns


def style() -> None:
    """The book's figure style (called by every plotting function)."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
