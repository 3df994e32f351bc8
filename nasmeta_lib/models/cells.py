"""A small cell search space for 1D/2D point and dense tasks: the NAS-Bench-201 cell.

The cell has 4 nodes and 6 edges, each edge one of none, skip_connect, nor_conv_1x1,
nor_conv_3x3, avg_pool_3x3 (``nb201.OPS``); it is the space NAS-Bench-360 precomputed on
NinaPro and Darcy, so searched cells can be looked up in the tabular results too.

``CellNetwork`` is NB201's skeleton generalised the way NAS-Bench-360 did for Darcy: a stem,
three stages of ``cells_per_stage`` cells with C, 2C, 4C channels, and between stages either a
stride-2 residual block (point tasks) or, for dense tasks, no down-sampling: the first cell of a
stage widens the channels itself. Passing ``genotype=None`` builds the weight-sharing supernet
(every edge a mixture of all ops, weighted by ``arch_weights``) used by DARTS-style search.
"""

from __future__ import annotations

import torch
from torch import nn

from nasmeta_lib.benchmarks.nb201 import EDGES, N_NODES, OPS, validate_ops
from nasmeta_lib.models.layers import head, layers


class ReLUConvBN(nn.Sequential):
    def __init__(self, dim: int, c_in: int, c_out: int, kernel: int, stride: int = 1):
        fam = layers(dim)
        super().__init__(nn.ReLU(), fam.conv(c_in, c_out, kernel, stride, kernel // 2, bias=False), fam.batch_norm(c_out))


class Zero(nn.Module):
    def __init__(self, c_out: int):
        super().__init__()
        self.c_out = c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.new_zeros(x.shape[0], self.c_out, *x.shape[2:])


def make_op(name: str, dim: int, c_in: int, c_out: int) -> nn.Module:
    """One edge op (stride 1); a 1x1 ReLU-conv-BN adapts channels where the op cannot."""
    adapt = nn.Identity() if c_in == c_out else ReLUConvBN(dim, c_in, c_out, 1)
    if name == "none":
        return Zero(c_out)
    if name == "skip_connect":
        return adapt
    if name == "nor_conv_1x1":
        return ReLUConvBN(dim, c_in, c_out, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(dim, c_in, c_out, 3)
    if name == "avg_pool_3x3":
        return nn.Sequential(adapt, layers(dim).avg_pool(3, stride=1, padding=1, count_include_pad=False))
    raise ValueError(f"unknown cell op {name!r}; valid: {OPS}")


class MixedOp(nn.Module):
    """All candidate ops on one edge; the output is their weighted sum (DARTS relaxation)."""

    def __init__(self, dim: int, c_in: int, c_out: int):
        super().__init__()
        self.ops = nn.ModuleList(make_op(op, dim, c_in, c_out) for op in OPS)

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return sum(w * op(x) for w, op in zip(weights, self.ops) if not isinstance(op, Zero))


class Cell(nn.Module):
    """The 4-node cell; node j sums its incoming edges. ``genotype=None`` makes every edge mixed."""

    def __init__(self, dim: int, c_in: int, c_out: int, genotype: tuple[str, ...] | None):
        super().__init__()
        self.mixed = genotype is None
        self.edges = nn.ModuleList(
            MixedOp(dim, c_in if s == 0 else c_out, c_out)
            if self.mixed
            else make_op(op, dim, c_in if s == 0 else c_out, c_out)
            for op, (s, _) in zip(genotype or [None] * len(EDGES), EDGES)
        )

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        nodes = [x]
        for target in range(1, N_NODES):
            terms = [
                edge(nodes[s], weights[i]) if self.mixed else edge(nodes[s])
                for i, (edge, (s, t)) in enumerate(zip(self.edges, EDGES))
                if t == target
            ]
            nodes.append(sum(terms))
        return nodes[-1]


class ResidualReduction(nn.Module):
    """Stride-2 basic residual block between stages of point-task networks (as in NB201)."""

    def __init__(self, dim: int, c_in: int, c_out: int):
        super().__init__()
        fam = layers(dim)
        self.body = nn.Sequential(ReLUConvBN(dim, c_in, c_out, 3, 2), ReLUConvBN(dim, c_out, c_out, 3))
        self.shortcut = nn.Sequential(fam.avg_pool(2, stride=2), fam.conv(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class CellNetwork(nn.Module):
    """NB201-style network of one repeated cell for 1D/2D, point or dense tasks."""

    def __init__(self, in_channels: int, n_outputs: int, genotype: tuple[str, ...] | list[str] | None,
                 dim: int = 2, dense: bool = False, channels: int = 16, cells_per_stage: int = 5):
        super().__init__()
        self.genotype = None if genotype is None else validate_ops(genotype)
        fam = layers(dim)
        self.stem = nn.Sequential(fam.conv(in_channels, channels, 3, padding=1, bias=False), fam.batch_norm(channels))
        blocks: list[nn.Module] = []
        c = channels
        for stage in range(3):
            c_stage = channels * 2**stage
            for i in range(cells_per_stage):
                if i == 0 and stage > 0 and not dense:
                    blocks.append(ResidualReduction(dim, c, c_stage))
                    c = c_stage
                blocks.append(Cell(dim, c, c_stage, self.genotype))
                c = c_stage
        self.blocks = nn.ModuleList(blocks)
        self.head = head(dim, dense, c, n_outputs)
        if self.genotype is None:
            # Architecture weights on the probability simplex, one row per edge (GAEA/EG style).
            self.arch_weights = nn.Parameter(torch.full((len(EDGES), len(OPS)), 1.0 / len(OPS)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        weights = getattr(self, "arch_weights", None)
        for block in self.blocks:
            x = block(x, weights) if isinstance(block, Cell) else block(x)
        return self.head(x)

    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if name != "arch_weights"]

    def derived_genotype(self) -> tuple[str, ...]:
        """The strongest op on every edge (NB201's DARTS derivation, 'none' included)."""
        return tuple(OPS[i] for i in self.arch_weights.argmax(dim=1).tolist())
