"""The tour over the full NB201 table: histograms of all cells, cross-data-set correlations, figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from nasmeta_lib import benchmarks, chapters
from nasmeta_lib.plots import tour as plots


@pytest.fixture(scope="module")
def result():
    return chapters.get("tour").execute("quick", force=True, progress=False, benchmarks=["nb201_full"])


def test_histograms_count_every_cell_of_every_data_set(result):
    histogram = result.tables["full_space_histogram"]
    counts = histogram.groupby("task")["count"].sum()
    assert set(counts.index) == set(benchmarks.REGISTRY["nb201_full"].tasks)
    assert (counts == 15_625).all()


def test_cross_data_set_correlations_cover_every_pair(result):
    full = result.tables["task_correlation"].query("benchmark == 'nb201_full'")
    assert len(full) == 10 and (full["n_common"] == 15_625).all()
    m = result.metrics
    assert 0.9 < m["full_space_rho_vision_min"] <= m["full_space_rho_vision_max"] < 1
    assert m["full_space_rho_vision_vs_nb360_max"] < m["full_space_rho_vision_min"]  # rankings transfer less
    assert 0.8 < m["cifar100_exports_equal_share"] < 0.9 and m["cifar100_exports_max_gap"] > 1


def test_the_figures_draw(result):
    for fig in (plots.full_space_histograms(result.tables["full_space_histogram"]),
                plots.cross_dataset_heatmap(result.tables["task_correlation"])):
        assert len(fig.axes) >= 1
        plt.close(fig)
    assert result.metrics["n_settings"] == 5
