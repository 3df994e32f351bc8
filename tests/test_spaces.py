"""Search-space networks: shapes, bad encodings, and parameter counts against Suite-Zero."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nasmeta_lib import benchmarks, spaces
from nasmeta_lib.spaces import InvalidArchitecture
from nasmeta_lib.spaces.nb201 import NB201Network

NB201_CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}


def n_params_millions(model: torch.nn.Module) -> float:
    return sum(p.numel() for p in model.parameters()) / 1e6


def test_nb201_forward_and_features_shapes():
    net = NB201Network(["nor_conv_3x3", "skip_connect", "avg_pool_3x3", "none", "nor_conv_1x1", "skip_connect"],
                       C=4, N=1, num_classes=7)
    x = torch.randn(2, 3, 16, 16)
    assert net(x).shape == (2, 7)
    assert [tuple(f.shape) for f in net.features(x)] == [(2, 4, 16, 16), (2, 8, 8, 8), (2, 16, 4, 4)]


@pytest.mark.parametrize("task", list(NB201_CLASSES))
def test_nb201_params_match_suite_zero(task):
    frame = benchmarks.load("nb201", task).frame.iloc[::12]  # ~60 archs per task
    ours = np.array([n_params_millions(NB201Network(ops, num_classes=NB201_CLASSES[task])) for ops in frame.ops])
    rel = np.abs(ours / frame.params.to_numpy() - 1)
    assert len(frame) >= 50
    assert rel.max() < 0.01, frame.arch_str.iloc[int(rel.argmax())]


@pytest.mark.parametrize("ops, match", [
    (["none"] * 5, "6 edge ops"),
    (["none"] * 5 + ["conv_7x7"], "conv_7x7"),
])
def test_nb201_bad_encodings_name_the_problem(ops, match):
    with pytest.raises(InvalidArchitecture, match=match):
        spaces.build("nb201", ops)


def test_nb201_rejects_foreign_adjacency():
    with pytest.raises(InvalidArchitecture, match="adjacency"):
        spaces.build("nb201", ["none"] * 6, [0] * 16)


def test_unknown_space_is_named():
    with pytest.raises(KeyError, match="nb999"):
        spaces.build("nb999", [])
