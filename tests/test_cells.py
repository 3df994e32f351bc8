"""The one NB201 cell: NAS-Bench-360's task networks, the search space's networks and the
supernets all build on it, and a seed still gives the weights and outputs it gave before."""

from __future__ import annotations

import pytest
import torch

from nasmeta_lib import spaces
from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.models.cells import TaskCellNetwork
from nasmeta_lib.searchers.oneshot import SuperNet
from nasmeta_lib.spaces.tnb101 import TNB101MicroNetwork

# The expected sums were stored on another CPU: float32 kernels differ between processors in the fifth
# or sixth digit (1.1e-5 relative measured on an AMD EPYC with AVX-512), while a changed op, order of
# parameters or initialisation moves a sum far more.
STORED_RTOL = 1e-4

torch.set_num_threads(1)

CELLS = {
    "mixed": ("nor_conv_3x3", "skip_connect", "avg_pool_3x3", "none", "nor_conv_1x1", "nor_conv_3x3"),
    "none_first": ("none", "nor_conv_1x1", "skip_connect", "avg_pool_3x3", "nor_conv_3x3", "none"),
    "skip_first": ("skip_connect", "none", "nor_conv_1x1", "nor_conv_3x3", "none", "avg_pool_3x3"),
}
SHAPES = {(2, False): (2, 3, 16, 16), (2, True): (2, 3, 12, 12), (1, False): (2, 4, 40), (1, True): (2, 1, 40)}


def seeded_input(seed: int, shape: tuple[int, ...]) -> torch.Tensor:
    torch.manual_seed(100 + seed)
    return torch.randn(*shape)


def output_sum(net: torch.nn.Module, x: torch.Tensor) -> float:
    return float(net.train()(x).detach().double().sum())


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("cell", list(CELLS))
def test_a_task_network_on_images_is_the_nb201_network(cell, seed):
    """NAS-Bench-360's point network on 2D inputs and NB201's network: same parameters, created in
    the same order, and the same outputs."""
    x = seeded_input(seed, SHAPES[2, False])
    torch.manual_seed(seed)
    task = TaskCellNetwork(3, 5, CELLS[cell], channels=4, cells_per_stage=2)
    torch.manual_seed(seed)
    space = spaces.build("nb201", CELLS[cell], C=4, N=2, num_classes=5)
    ours, theirs = list(task.parameters()), list(space.parameters())
    assert len(ours) == len(theirs) and all(torch.equal(a, b) for a, b in zip(ours, theirs))
    assert torch.equal(task.train()(x), space.train()(x))


# Sums of the outputs the networks gave before the NB201 cell had one implementation (seeded as
# in the tests below): dense networks widen the channels inside cells, where NAS-Bench-360's ops
# differ from NB201's, and supernets mix every op on every edge.
TASK_NETWORK_SUMS = [
    (2, True, "mixed", 0, 163.54379635676742),
    (2, True, "none_first", 1, 91.11214966606349),
    (2, True, None, 0, -62.37110562273301),
    (1, True, "skip_first", 0, -47.45071215368807),
    (1, False, "none_first", 1, -0.33563894033432007),
    (1, True, None, 1, 4.236962916096672),
    (2, False, None, 0, -0.7386327385902405),
]


@pytest.mark.parametrize("dim, dense, cell, seed, expected", TASK_NETWORK_SUMS)
def test_task_networks_give_the_outputs_they_gave(dim, dense, cell, seed, expected):
    shape = SHAPES[dim, dense]
    x = seeded_input(seed, shape)
    torch.manual_seed(seed)
    net = TaskCellNetwork(shape[1], 3, CELLS[cell] if cell else None, dim=dim, dense=dense, channels=4,
                          cells_per_stage=2)
    assert output_sum(net, x) == pytest.approx(expected, rel=STORED_RTOL)


@pytest.mark.parametrize("with_none, seed, expected", [(True, 1, 2.0924797393381596),
                                                       (False, 0, -0.35357294976711273)])
def test_the_one_shot_supernet_gives_the_outputs_it_gave(with_none, seed, expected):
    ops = nb201.OPS if with_none else tuple(o for o in nb201.OPS if o != "none")
    x = seeded_input(seed, (4, 3, 8, 8))
    gates = torch.softmax(torch.randn(6, len(ops)), -1)
    computed = torch.rand(6, len(ops)) > 0.4
    torch.manual_seed(seed)
    net = SuperNet(ops, 4, 1)
    net.set_path(gates, computed, seed == 1)
    assert output_sum(net, x) == pytest.approx(expected, rel=STORED_RTOL)


def test_the_tnb101_micro_network_gives_the_outputs_it_gave():
    x = seeded_input(0, (2, 3, 32, 32))
    torch.manual_seed(0)
    net = TNB101MicroNetwork(("nor_conv_3x3", "skip_connect", "nor_conv_1x1", "none", "nor_conv_3x3", "skip_connect"),
                             num_classes=7, base_channels=8)
    assert output_sum(net, x) == pytest.approx(-0.11549392342567444, rel=STORED_RTOL)


def test_only_nb201s_none_edges_pass_gradients_back():
    """NB201's ``none`` multiplies by 0, so what feeds only ``none`` edges gets zero gradients;
    NAS-Bench-360's gives fresh zeros, so it gets none at all (and weight decay leaves it alone)."""
    ops = ("nor_conv_3x3", "skip_connect", "none", "skip_connect", "none", "skip_connect")  # node 1 feeds only 'none'
    x = seeded_input(0, SHAPES[2, False])
    task = TaskCellNetwork(3, 5, ops, channels=4, cells_per_stage=1)
    space = spaces.build("nb201", ops, C=4, N=1, num_classes=5)
    for net in (task, space):
        net(x).sum().backward()
    assert task.stages[0][0].edge_ops[0][1].weight.grad is None
    grad = space.stages[0][0].edge_ops[0][1].weight.grad
    assert grad is not None and not grad.any()
