"""NAS-Bench-201 networks: the 6-edge cell and the standard macro skeleton.

The skeleton is the one NAS-Bench-201 trained every cell in (``TinyNetwork`` of the paper's
code): a 3x3 stem, three stages of ``N`` identical cells with ``C``, ``2C`` and ``4C`` channels,
joined by residual reduction blocks, then BN-ReLU, global average pooling and a linear head.
Parameter counts of these networks match the ``params`` stored by NAS-Bench-Suite-Zero.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.benchmarks.nb201 import EDGES, N_NODES, InvalidArchitecture
from nasmeta_lib.spaces.base import SPACES, StagedNetwork

OpFactory = Callable[..., nn.Module]


class ReLUConvBN(nn.Sequential):
    """The NB201 convolution unit: ReLU -> Conv (no bias) -> BatchNorm."""

    def __init__(self, C_in: int, C_out: int, kernel: int, stride: int, padding: int,
                 affine: bool = True, track_running_stats: bool = True):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(C_out, affine=affine, track_running_stats=track_running_stats),
        )


class Zero(nn.Module):
    """The ``none`` op: an edge that carries nothing (zeros of the output's shape)."""

    def __init__(self, C_in: int, C_out: int, stride: int):
        super().__init__()
        self.C_out, self.stride = C_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        if x.shape[1] == self.C_out:
            return x.mul(0.0)
        return x.new_zeros(x.shape[0], self.C_out, *x.shape[2:])


class FactorizedReduce(nn.Module):
    """Skip connection that changes shape: two offset 1x1 stride-2 convs, concatenated."""

    def __init__(self, C_in: int, C_out: int, stride: int, affine: bool = True,
                 track_running_stats: bool = True):
        super().__init__()
        if stride == 2:
            halves = (C_out // 2, C_out - C_out // 2)
            self.relu = nn.ReLU(inplace=False)
            self.convs = nn.ModuleList(nn.Conv2d(C_in, c, 1, stride=2, bias=False) for c in halves)
            self.pad = nn.ConstantPad2d((0, 1, 0, 1), 0.0)
        elif stride == 1:
            self.conv = nn.Conv2d(C_in, C_out, 1, bias=False)
        else:
            raise ValueError(f"FactorizedReduce supports stride 1 or 2, got {stride}")
        self.stride = stride
        self.bn = nn.BatchNorm2d(C_out, affine=affine, track_running_stats=track_running_stats)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return self.bn(self.conv(x))
        x = self.relu(x)
        shifted = self.pad(x)[:, :, 1:, 1:]
        return self.bn(torch.cat([self.convs[0](x), self.convs[1](shifted)], dim=1))


class Pooling(nn.Module):
    """3x3 average pooling, preceded by a 1x1 ReLUConvBN when the channel count changes."""

    def __init__(self, C_in: int, C_out: int, stride: int, affine: bool = True,
                 track_running_stats: bool = True):
        super().__init__()
        self.pre = (nn.Identity() if C_in == C_out
                    else ReLUConvBN(C_in, C_out, 1, 1, 0, affine, track_running_stats))
        self.pool = nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.pre(x))


def _skip(C_in: int, C_out: int, stride: int, affine: bool = True,
          track_running_stats: bool = True) -> nn.Module:
    if stride == 1 and C_in == C_out:
        return nn.Identity()
    return FactorizedReduce(C_in, C_out, stride, affine, track_running_stats)


OPS: dict[str, OpFactory] = {
    "none": lambda C_in, C_out, stride, affine=True, track_running_stats=True: Zero(C_in, C_out, stride),
    "skip_connect": _skip,
    "nor_conv_1x1": lambda C_in, C_out, stride, affine=True, track_running_stats=True: ReLUConvBN(
        C_in, C_out, 1, stride, 0, affine, track_running_stats),
    "nor_conv_3x3": lambda C_in, C_out, stride, affine=True, track_running_stats=True: ReLUConvBN(
        C_in, C_out, 3, stride, 1, affine, track_running_stats),
    "avg_pool_3x3": Pooling,
}


def make_op(name: str, C_in: int, C_out: int, stride: int, affine: bool = True,
            track_running_stats: bool = True, ops: dict[str, OpFactory] = OPS) -> nn.Module:
    """One edge op by name (clear error for an unknown name)."""
    if name not in ops:
        raise InvalidArchitecture(f"unknown op {name!r}; valid: {tuple(ops)}")
    return ops[name](C_in, C_out, stride, affine=affine, track_running_stats=track_running_stats)


class Cell(nn.Module):
    """A 4-node NB201 cell: node j sums its incoming edges' ops; the cell outputs node 3.

    ``ops`` are the six edge ops in ``nb201.EDGES`` order. ``op_table`` lets spaces that share the
    cell topology (TransNAS-Bench-101 micro) plug in their own op definitions.
    """

    def __init__(self, ops: tuple[str, ...] | list[str], C_in: int, C_out: int, stride: int = 1,
                 affine: bool = True, track_running_stats: bool = True,
                 op_table: dict[str, OpFactory] = OPS, edges: tuple[tuple[int, int], ...] = EDGES):
        super().__init__()
        if len(ops) != len(edges):
            raise InvalidArchitecture(f"cell needs {len(edges)} edge ops, got {len(ops)}")
        self.edges = edges
        self.ops = tuple(ops)
        self.edge_ops = nn.ModuleList(
            make_op(op, C_in if s == 0 else C_out, C_out, stride if s == 0 else 1,
                    affine, track_running_stats, op_table)
            for op, (s, _) in zip(ops, edges)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in range(1, N_NODES):
            nodes.append(sum(op(nodes[s]) for op, (s, t) in zip(self.edge_ops, self.edges) if t == target))
        return nodes[-1]


class ResidualReduction(nn.Module):
    """NB201's reduction block: a stride-2 basic residual block (avgpool + 1x1 conv shortcut)."""

    def __init__(self, C_in: int, C_out: int, affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        self.conv_a = ReLUConvBN(C_in, C_out, 3, 2, 1, affine, track_running_stats)
        self.conv_b = ReLUConvBN(C_out, C_out, 3, 1, 1, affine, track_running_stats)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, stride=2), nn.Conv2d(C_in, C_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class CellNetwork(StagedNetwork):
    """Stem -> 3 stages of ``N`` cells (C, 2C, 4C channels) with residual reductions -> head.

    ``make_cell(C)`` builds one stride-1, C-channel cell; NB201 and TransNAS-Bench-101 micro share
    this skeleton and differ in the cell (and, for TNB, the ops inside).
    """

    def __init__(self, make_cell: Callable[[int], nn.Module], C: int, N: int, num_classes: int,
                 in_channels: int = 3):
        super().__init__()
        if C < 1 or N < 1 or num_classes < 1:
            raise ValueError(f"need C, N, num_classes >= 1, got C={C}, N={N}, num_classes={num_classes}")
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        stages: list[nn.Module] = []
        for i, width in enumerate((C, 2 * C, 4 * C)):
            blocks = [ResidualReduction(width // 2, width)] if i > 0 else []
            blocks += [make_cell(width) for _ in range(N)]
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.head_act = nn.Sequential(nn.BatchNorm2d(4 * C), nn.ReLU(inplace=False))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(4 * C, num_classes)

    def forward_pre_gap(self, x: torch.Tensor) -> torch.Tensor:
        """The final feature map, after BN-ReLU and before pooling (used by Zen-score)."""
        return self.head_act(self.features(x)[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.forward_pre_gap(x)).flatten(1))


class NB201Network(CellNetwork):
    """The NAS-Bench-201 network of one cell (six edge ops in ``nb201.EDGES`` order).

    ``affine`` and ``track_running_stats`` set the BatchNorm inside the cells only (stem, reductions
    and head keep ordinary BN): NB201 trained with both on; GenNAS's official network turns both
    off, so its cells normalise with the statistics of the current batch, also in eval mode.
    """

    def __init__(self, ops: tuple[str, ...] | list[str], C: int = 16, N: int = 5, num_classes: int = 10,
                 affine: bool = True, track_running_stats: bool = True):
        arch = nb201.validate_ops(ops)
        super().__init__(lambda width: Cell(arch, width, width, affine=affine,
                                            track_running_stats=track_running_stats), C, N, num_classes)
        self.arch = arch


def check_adjacency(adjacency: list[int] | None) -> None:
    if adjacency is not None and list(adjacency) != nb201.adjacency():
        raise InvalidArchitecture(
            f"NB201 cells all share the 4-node adjacency {nb201.adjacency()}, got {list(adjacency)}")


@SPACES.register("nb201")
def _build(ops: list[str], adjacency: list[int] | None, **kw) -> NB201Network:
    check_adjacency(adjacency)
    return NB201Network(ops, **kw)
