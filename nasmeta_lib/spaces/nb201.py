"""NAS-Bench-201 networks: the 6-edge cell and the standard macro skeleton, in 1D or 2D.

The skeleton is the one NAS-Bench-201 trained every cell in (``TinyNetwork`` of the paper's
code): a 3x3 stem, three stages of ``N`` identical cells with ``C``, ``2C`` and ``4C`` channels,
joined by residual reduction blocks, then BN-ReLU, global average pooling and a linear head.
Parameter counts of these networks match the ``params`` stored by NAS-Bench-Suite-Zero.

This is the one implementation of the cell: the search spaces, the proxies, GenNAS, the
one-shot supernet and the NAS-Bench-360 networks (:mod:`nasmeta_lib.models.cells`) all build
on it. NAS-Bench-360 generalised the skeleton to 1D inputs (``dim=1``: every layer swapped for
its 1D counterpart) and to dense outputs (``dense=True``: no down-sampling, the first cell of a
stage widens the channels itself, and a 1x1 convolution predicts at every position).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.benchmarks.nb201 import EDGES, N_NODES, InvalidArchitecture
from nasmeta_lib.models.layers import layers
from nasmeta_lib.spaces.base import SPACES, StagedNetwork

OpFactory = Callable[..., nn.Module]


class ReLUConvBN(nn.Sequential):
    """The NB201 convolution unit: ReLU -> Conv (no bias) -> BatchNorm."""

    def __init__(self, C_in: int, C_out: int, kernel: int, stride: int, padding: int,
                 affine: bool = True, track_running_stats: bool = True, dim: int = 2):
        fam = layers(dim)
        super().__init__(
            nn.ReLU(inplace=False),
            fam.conv(C_in, C_out, kernel, stride=stride, padding=padding, bias=False),
            fam.batch_norm(C_out, affine=affine, track_running_stats=track_running_stats),
        )


class Zero(nn.Module):
    """The ``none`` op: an edge that carries nothing (zeros of the output's shape).

    With unchanged channels the zeros are the input times 0, as in NB201's code: the output stays
    connected to the graph, so a cell with no input-output path still back-propagates (zeros).
    """

    def __init__(self, C_in: int, C_out: int, stride: int):
        super().__init__()
        self.C_out, self.stride = C_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[(..., *[slice(None, None, self.stride)] * (x.dim() - 2))]
        if x.shape[1] == self.C_out:
            return x.mul(0.0)
        return x.new_zeros(x.shape[0], self.C_out, *x.shape[2:])


class FactorizedReduce(nn.Module):
    """Skip connection that changes shape: two offset 1x1 stride-2 convs, concatenated (2D), or
    one 1x1 conv where only the channels change."""

    def __init__(self, C_in: int, C_out: int, stride: int, affine: bool = True,
                 track_running_stats: bool = True, dim: int = 2):
        super().__init__()
        fam = layers(dim)
        if stride == 2 and dim == 2:
            halves = (C_out // 2, C_out - C_out // 2)
            self.relu = nn.ReLU(inplace=False)
            self.convs = nn.ModuleList(nn.Conv2d(C_in, c, 1, stride=2, bias=False) for c in halves)
            self.pad = nn.ConstantPad2d((0, 1, 0, 1), 0.0)
        elif stride == 1:
            self.conv = fam.conv(C_in, C_out, 1, bias=False)
        else:
            raise ValueError(f"FactorizedReduce supports stride 1, or 2 on 2D inputs; got stride {stride}, dim {dim}")
        self.stride = stride
        self.bn = fam.batch_norm(C_out, affine=affine, track_running_stats=track_running_stats)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return self.bn(self.conv(x))
        x = self.relu(x)
        shifted = self.pad(x)[:, :, 1:, 1:]
        return self.bn(torch.cat([self.convs[0](x), self.convs[1](shifted)], dim=1))


class Pooling(nn.Module):
    """3x3 average pooling, preceded by a 1x1 ReLUConvBN when the channel count changes."""

    def __init__(self, C_in: int, C_out: int, stride: int, affine: bool = True,
                 track_running_stats: bool = True, dim: int = 2):
        super().__init__()
        self.pre = (nn.Identity() if C_in == C_out
                    else ReLUConvBN(C_in, C_out, 1, 1, 0, affine, track_running_stats, dim))
        self.pool = layers(dim).avg_pool(3, stride=stride, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.pre(x))


def _skip(C_in: int, C_out: int, stride: int, affine: bool = True,
          track_running_stats: bool = True, dim: int = 2) -> nn.Module:
    if stride == 1 and C_in == C_out:
        return nn.Identity()
    return FactorizedReduce(C_in, C_out, stride, affine, track_running_stats, dim)


def _none(C_in: int, C_out: int, stride: int, affine: bool = True, track_running_stats: bool = True,
          dim: int = 2) -> nn.Module:
    return Zero(C_in, C_out, stride)


def _conv(kernel: int) -> OpFactory:
    def make(C_in: int, C_out: int, stride: int, affine: bool = True, track_running_stats: bool = True,
             dim: int = 2) -> nn.Module:
        return ReLUConvBN(C_in, C_out, kernel, stride, kernel // 2, affine, track_running_stats, dim)
    return make


OPS: dict[str, OpFactory] = {
    "none": _none,
    "skip_connect": _skip,
    "nor_conv_1x1": _conv(1),
    "nor_conv_3x3": _conv(3),
    "avg_pool_3x3": Pooling,
}


def make_op(name: str, C_in: int, C_out: int, stride: int, affine: bool = True,
            track_running_stats: bool = True, ops: dict[str, OpFactory] = OPS, dim: int = 2) -> nn.Module:
    """One edge op by name (clear error for an unknown name)."""
    if name not in ops:
        raise InvalidArchitecture(f"unknown op {name!r}; valid: {tuple(ops)}")
    return ops[name](C_in, C_out, stride, affine=affine, track_running_stats=track_running_stats, dim=dim)


class Cell(nn.Module):
    """A 4-node NB201 cell: node j sums its incoming edges' ops; the cell outputs node 3.

    ``ops`` are the six edge ops in ``nb201.EDGES`` order; edges leaving the input node carry the
    change of channels (``C_in`` -> ``C_out``) and ``stride``. ``op_table`` lets networks that
    share the cell topology plug in their own op definitions: TransNAS-Bench-101 micro's subset,
    NAS-Bench-360's channel-widening ops, and supernets whose every edge is one mixed op.
    """

    def __init__(self, ops: tuple[str, ...] | list[str], C_in: int, C_out: int, stride: int = 1,
                 affine: bool = True, track_running_stats: bool = True,
                 op_table: dict[str, OpFactory] = OPS, edges: tuple[tuple[int, int], ...] = EDGES,
                 dim: int = 2):
        super().__init__()
        if len(ops) != len(edges):
            raise InvalidArchitecture(f"cell needs {len(edges)} edge ops, got {len(ops)}")
        self.edges = edges
        self.ops = tuple(ops)
        self.edge_ops = nn.ModuleList(
            make_op(op, C_in if s == 0 else C_out, C_out, stride if s == 0 else 1,
                    affine, track_running_stats, op_table, dim)
            for op, (s, _) in zip(ops, edges)
        )

    def forward(self, x: torch.Tensor, *edge_args) -> torch.Tensor:
        """``edge_args``: sequences with one entry per edge, passed on to that edge's op (how a
        supernet hands its mixed edges their op weights)."""
        nodes = [x]
        for target in range(1, N_NODES):
            nodes.append(sum(op(nodes[s], *(a[i] for a in edge_args))
                             for i, (op, (s, t)) in enumerate(zip(self.edge_ops, self.edges)) if t == target))
        return nodes[-1]


class ResidualReduction(nn.Module):
    """NB201's reduction block: a stride-2 basic residual block (avgpool + 1x1 conv shortcut)."""

    def __init__(self, C_in: int, C_out: int, affine: bool = True, track_running_stats: bool = True,
                 dim: int = 2):
        super().__init__()
        fam = layers(dim)
        self.conv_a = ReLUConvBN(C_in, C_out, 3, 2, 1, affine, track_running_stats, dim)
        self.conv_b = ReLUConvBN(C_out, C_out, 3, 1, 1, affine, track_running_stats, dim)
        self.shortcut = nn.Sequential(fam.avg_pool(2, stride=2), fam.conv(C_in, C_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class CellNetwork(StagedNetwork):
    """Stem -> 3 stages of ``N`` cells (C, 2C, 4C channels) with residual reductions -> head.

    ``make_cell(C_in, C_out)`` builds one stride-1 cell; NB201, TransNAS-Bench-101 micro, the
    supernets and NAS-Bench-360's networks share this skeleton and differ in the cell. A dense
    network (``dense=True``) has no reductions: the first cell of a stage widens the channels,
    and the head predicts ``num_classes`` values at every position.
    """

    def __init__(self, make_cell: Callable[[int, int], nn.Module], C: int, N: int, num_classes: int,
                 in_channels: int = 3, dim: int = 2, dense: bool = False):
        super().__init__()
        if C < 1 or N < 1 or num_classes < 1:
            raise ValueError(f"need C, N, num_classes >= 1, got C={C}, N={N}, num_classes={num_classes}")
        fam = layers(dim)
        self.dense = dense
        self.stem = nn.Sequential(fam.conv(in_channels, C, 3, padding=1, bias=False), fam.batch_norm(C))
        stages: list[nn.Module] = []
        c_in = C
        for width in (C, 2 * C, 4 * C):
            blocks: list[nn.Module] = []
            if width != c_in and not dense:
                blocks.append(ResidualReduction(c_in, width, dim=dim))
                c_in = width
            for _ in range(N):
                blocks.append(make_cell(c_in, width))
                c_in = width
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.head_act = nn.Sequential(fam.batch_norm(4 * C), nn.ReLU(inplace=False))
        if dense:
            self.classifier = fam.conv(4 * C, num_classes, 1)
        else:
            self.pool = fam.global_pool(1)
            self.classifier = nn.Linear(4 * C, num_classes)

    def forward_pre_gap(self, x: torch.Tensor) -> torch.Tensor:
        """The final feature map, after BN-ReLU and before pooling (used by Zen-score)."""
        return self.head_act(self.features(x)[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.dense:
            return self.classifier(self.forward_pre_gap(x))
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
        super().__init__(lambda C_in, C_out: Cell(arch, C_in, C_out, affine=affine,
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
