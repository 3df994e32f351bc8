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


def params_of(space: str, ops, adjacency=None, **kw) -> float:
    """Parameter count (millions) of a network built on the meta device: no memory, no init cost."""
    with torch.device("meta"):
        return n_params_millions(spaces.build(space, ops, adjacency, **kw))


def test_nb201_forward_and_features_shapes():
    net = NB201Network(["nor_conv_3x3", "skip_connect", "avg_pool_3x3", "none", "nor_conv_1x1", "skip_connect"],
                       C=4, N=1, num_classes=7)
    x = torch.randn(2, 3, 16, 16)
    assert net(x).shape == (2, 7)
    assert [tuple(f.shape) for f in net.features(x)] == [(2, 4, 16, 16), (2, 8, 8, 8), (2, 16, 4, 4)]


@pytest.mark.parametrize("task", list(NB201_CLASSES))
def test_nb201_params_match_suite_zero(task):
    frame = benchmarks.load("nb201", task).frame.iloc[::12]  # ~60 archs per task
    ours = np.array([params_of("nb201", ops, num_classes=NB201_CLASSES[task]) for ops in frame.ops])
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


def test_nb101_params_match_suite_zero():
    frame = benchmarks.load("nb101", "cifar10").frame.iloc[::5]  # 100 archs
    ours = np.array([params_of("nb101", r.ops, r.adjacency) for r in frame.itertuples()])
    rel = np.abs(ours / frame.params.to_numpy() - 1)
    assert rel.max() < 0.01, frame.arch_id.iloc[int(rel.argmax())]


def _nb101_cell(edges: list[tuple[int, int]], interior: list[str]) -> tuple[list[int], list[str]]:
    n = len(interior) + 2
    adj = np.zeros((n, n), dtype=int)
    for s, t in edges:
        adj[s, t] = 1
    return adj.ravel().tolist(), ["input", *interior, "output"]


def test_nb101_prunes_vertices_off_the_input_output_path():
    # Vertex 2 is a dead end (no path to the output): same network as without it.
    adj, ops = _nb101_cell([(0, 1), (1, 3), (0, 2)], ["conv3x3-bn-relu", "conv1x1-bn-relu"])
    small_adj, small_ops = _nb101_cell([(0, 1), (1, 2)], ["conv3x3-bn-relu"])
    big = spaces.build("nb101", ops, adj, stem_channels=8, num_stacks=1, num_modules_per_stack=1)
    small = spaces.build("nb101", small_ops, small_adj, stem_channels=8, num_stacks=1, num_modules_per_stack=1)
    assert big.spec.ops == small.spec.ops
    assert n_params_millions(big) == n_params_millions(small)
    x = torch.randn(2, 3, 8, 8)
    assert big(x).shape == (2, 10)
    assert [f.shape[1] for f in big.features(x)] == [8]


def test_nb101_channel_split_gives_remainder_to_first_vertices():
    from nasmeta_lib.spaces.nb101 import vertex_channels

    adj = np.zeros((5, 5), dtype=int)
    adj[0, 1] = adj[0, 2] = adj[0, 3] = adj[1, 4] = adj[2, 4] = adj[3, 4] = 1
    assert vertex_channels(8, 10, adj) == [8, 4, 3, 3, 10]


@pytest.mark.parametrize("edges, interior, match", [
    ([(0, 1)], ["conv3x3-bn-relu"], "no path from input to output"),
    ([(0, 1), (1, 2)], ["conv5x5"], "conv5x5"),
    ([(0, 1), (1, 0), (1, 2)], ["conv3x3-bn-relu"], "upper-triangular"),
])
def test_nb101_bad_encodings_name_the_problem(edges, interior, match):
    adj, ops = _nb101_cell(edges, interior)
    with pytest.raises(InvalidArchitecture, match=match):
        spaces.build("nb101", ops, adj)


def test_nb101_adjacency_size_must_match_ops():
    with pytest.raises(InvalidArchitecture, match="3x3"):
        spaces.build("nb101", ["input", "maxpool3x3", "output"], [0, 1])


def _tnb_ops_of_key(arch_id: str) -> list[str]:
    """Suite-Zero TNB micro keys are the benchmark's arch-string digits, one per edge in EDGES order."""
    from nasmeta_lib.benchmarks.encoding import TNB_MICRO_OPS

    return [TNB_MICRO_OPS[int(c)] for c in arch_id.strip("()").split(",")]


def test_tnb101_micro_params_match_suite_zero():
    frame = benchmarks.load("tnb101_micro", "class_scene").frame.iloc[::7]  # ~100 archs
    ours = np.array([params_of("tnb101_micro", _tnb_ops_of_key(a), num_classes=63) for a in frame.arch_id])
    rel = np.abs(ours / frame.params.to_numpy() - 1)
    assert rel.max() < 0.01, frame.arch_id.iloc[int(rel.argmax())]


def test_tnb101_micro_flops_match_suite_zero_at_256px():
    from nasmeta_lib.proxies import PROXIES, random_batch

    frame = benchmarks.load("tnb101_micro", "class_scene").frame.iloc[:3]
    batch = random_batch(num_classes=63, batch_size=1, image_size=256)
    for ops, stored in zip(frame.ops, frame.flops):
        assert PROXIES["flops"](spaces.build("tnb101_micro", ops, num_classes=63), batch) == pytest.approx(stored, rel=1e-6)


def test_tnb101_micro_table_ops_follow_edge_order():
    frame = benchmarks.load("tnb101_micro", "class_scene").frame
    assert all(list(ops) == _tnb_ops_of_key(a) for ops, a in zip(frame.ops, frame.arch_id))


def test_tnb101_micro_shapes_and_bad_op():
    from nasmeta_lib.spaces.tnb101 import TNB101MicroNetwork

    net = TNB101MicroNetwork(["nor_conv_3x3", "skip_connect", "none", "nor_conv_1x1", "skip_connect", "none"],
                             num_classes=9, base_channels=8, macro_code="41")
    x = torch.randn(2, 3, 32, 32)
    assert net(x).shape == (2, 9)
    assert [tuple(f.shape[1:]) for f in net.features(x)] == [(16, 4, 4), (16, 4, 4)]
    with pytest.raises(InvalidArchitecture, match="avg_pool_3x3"):
        TNB101MicroNetwork(["avg_pool_3x3"] * 6)


def test_nb101_too_few_channels_for_the_split_is_named():
    adj, ops = _nb101_cell([(0, 1), (0, 2), (1, 3), (2, 3)], ["conv3x3-bn-relu", "conv1x1-bn-relu"])
    with pytest.raises(ValueError, match="cannot be split"):
        spaces.build("nb101", ops, adj, stem_channels=1, num_stacks=1, num_modules_per_stack=1)


def test_tnb101_micro_rejects_bad_macro_codes_and_ops():
    from nasmeta_lib.benchmarks.nb201 import InvalidArchitecture
    from nasmeta_lib.spaces.tnb101 import TNB101MicroNetwork

    ops = ["nor_conv_3x3", "skip_connect", "none", "nor_conv_1x1", "skip_connect", "none"]
    with pytest.raises(InvalidArchitecture, match="macro code digits"):
        TNB101MicroNetwork(ops, num_classes=9, base_channels=8, macro_code="47")
    with pytest.raises(InvalidArchitecture, match="unknown TransNAS-Bench-101 micro op"):
        TNB101MicroNetwork(ops[:5] + ["avg_pool_3x3"], num_classes=9, base_channels=8, macro_code="41")
