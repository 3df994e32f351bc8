"""The NAS-Bench-201 cell on 1D/2D point and dense tasks, as NAS-Bench-360 used it.

The cell has 4 nodes and 6 edges, each edge one of none, skip_connect, nor_conv_1x1,
nor_conv_3x3, avg_pool_3x3 (``nb201.OPS``); it is the space NAS-Bench-360 precomputed on
NinaPro and Darcy, so searched cells can be looked up in the tabular results too.

``TaskCellNetwork`` is NB201's network (:mod:`nasmeta_lib.spaces.nb201`, the one implementation
of the cell and its skeleton) for a task of any shape: 1D or 2D inputs, point or dense outputs
(a dense network does not down-sample; the first cell of a stage widens the channels itself).
Passing ``genotype=None`` builds the weight-sharing supernet (every edge a mixture of all ops,
weighted by ``arch_weights``) used by DARTS-style search.

Its ops (``NB360_OPS``) are NB201's except for two details this network has always had:
``none`` gives fresh zeros, so nothing that feeds only ``none`` edges gets a gradient (NB201's
multiplies its input by 0 and passes zeros back); and on an edge that widens the channels, a
1x1 ReLU-conv-BN adapts them for ``skip_connect`` and ``avg_pool_3x3``, and is built first
whatever the op, so that a seed keeps giving the same initial weights.
"""

from __future__ import annotations

import torch
from torch import nn

from nasmeta_lib.benchmarks.nb201 import EDGES, OPS, validate_ops
from nasmeta_lib.spaces import nb201
from nasmeta_lib.spaces.nb201 import Cell, CellNetwork, OpFactory, Pooling, ReLUConvBN, make_op


class Zeros(nn.Module):
    """NAS-Bench-360's ``none``: zeros of the output's shape, detached from the input."""

    def __init__(self, C_out: int):
        super().__init__()
        self.C_out = C_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.new_zeros(x.shape[0], self.C_out, *x.shape[2:])


def _nb360_op(name: str) -> OpFactory:
    def make(C_in: int, C_out: int, stride: int, affine: bool = True, track_running_stats: bool = True,
             dim: int = 2) -> nn.Module:
        if stride != 1:
            raise ValueError(f"NAS-Bench-360 cell ops have stride 1, got {stride}")
        adapt = (nn.Identity() if C_in == C_out
                 else ReLUConvBN(C_in, C_out, 1, 1, 0, affine, track_running_stats, dim))
        if name == "none":
            return Zeros(C_out)
        if name == "skip_connect":
            return adapt
        if name == "avg_pool_3x3":
            return nn.Sequential(adapt, Pooling(C_out, C_out, 1, affine, track_running_stats, dim))
        return nb201.OPS[name](C_in, C_out, 1, affine, track_running_stats, dim)
    return make


NB360_OPS: dict[str, OpFactory] = {name: _nb360_op(name) for name in OPS}


class MixedOp(nn.Module):
    """All candidate ops on one edge; the output is their weighted sum (DARTS relaxation)."""

    def __init__(self, C_in: int, C_out: int, stride: int, affine: bool = True,
                 track_running_stats: bool = True, dim: int = 2):
        super().__init__()
        self.ops = nn.ModuleList(make_op(op, C_in, C_out, stride, affine, track_running_stats, NB360_OPS, dim)
                                 for op in OPS)

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return sum(w * op(x) for w, op in zip(weights, self.ops) if not isinstance(op, Zeros))


MIXED: dict[str, OpFactory] = {"mixed": MixedOp}  # a supernet cell: ("mixed",) * 6


class TaskCellNetwork(CellNetwork):
    """NB201-style network of one repeated cell for 1D/2D, point or dense tasks."""

    def __init__(self, in_channels: int, n_outputs: int, genotype: tuple[str, ...] | list[str] | None,
                 dim: int = 2, dense: bool = False, channels: int = 16, cells_per_stage: int = 5):
        self.genotype = None if genotype is None else validate_ops(genotype)
        ops, table = (("mixed",) * len(EDGES), MIXED) if genotype is None else (self.genotype, NB360_OPS)
        super().__init__(lambda C_in, C_out: Cell(ops, C_in, C_out, op_table=table, dim=dim),
                         channels, cells_per_stage, n_outputs, in_channels, dim, dense)
        if self.genotype is None:
            # Architecture weights on the probability simplex, one row per edge (GAEA/EG style).
            self.arch_weights = nn.Parameter(torch.full((len(EDGES), len(OPS)), 1.0 / len(OPS)))

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Output of each stage; a supernet's cells also take the architecture weights."""
        if self.genotype is not None:
            return super().features(x)
        out, x = [], self.stem(x)
        for stage in self.stages:
            for block in stage:
                x = block(x, self.arch_weights) if isinstance(block, Cell) else block(x)
            out.append(x)
        return out

    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if name != "arch_weights"]

    def derived_genotype(self) -> tuple[str, ...]:
        """The strongest op on every edge (NB201's DARTS derivation, 'none' included)."""
        return tuple(OPS[i] for i in self.arch_weights.argmax(dim=1).tolist())
