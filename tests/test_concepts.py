"""Concept figures: drawn from the library's definitions, so they must agree with them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from nasmeta_lib.benchmarks import nb201  # noqa: E402
from nasmeta_lib.plots import concepts  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_nb201_cell_draws_every_edge_and_names_string_and_index():
    ops = ("nor_conv_3x3", "skip_connect", "nor_conv_1x1", "none", "avg_pool_3x3", "nor_conv_3x3")
    fig = concepts.nb201_cell(ops)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert [f"e{i}: {op}" for i, op in enumerate(ops)] == [t for t in labels if t.startswith("e")]
    assert nb201.to_string(ops) in ax.get_title() and str(nb201.index_of(ops)) in ax.get_title()
    with pytest.raises(nb201.InvalidArchitecture):
        concepts.nb201_cell(("conv",) * 6)


def test_proxy_idea_reports_the_rank_correlation_of_its_data():
    rng = np.random.default_rng(0)
    acc = rng.normal(size=50)
    frame = pd.DataFrame({"accuracy": acc, "p": -acc})  # a perfectly reversed proxy
    fig = concepts.proxy_idea(frame, "p", "toy", top=5)
    assert "Spearman rho -1.00" in fig._suptitle.get_text()


@pytest.mark.parametrize("draw", [concepts.robot_loop, concepts.sparse_propagation_step, concepts.maml_loops])
def test_diagrams_draw(draw):
    fig = draw()
    assert fig.axes and (fig.axes[0].patches or fig.axes[0].lines)


def test_sparse_step_computes_one_op_and_dense_all():
    fig = concepts.sparse_propagation_step(sampled=2)
    dense, sparse = fig.axes
    assert sum("sampled" in t.get_text() for t in sparse.texts) == 1
    assert not any("sampled" in t.get_text() for t in dense.texts)
