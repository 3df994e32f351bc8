"""Many NB201-style cells trained at once: K networks folded into the channel dimension.

Model k owns channels ``k*C .. (k+1)*C - 1`` of every tensor; convolutions are grouped (one
group per model), BatchNorm is per channel and so per model, and each edge computes every op
that some model in the group uses, then keeps each model's own op through a one-hot mask.
With the per-model losses summed, every model gets exactly the gradients it would get alone,
so SGD with momentum and weight decay trains K independent networks, but with one kernel
launch per layer instead of K. On a GPU that turns a launch-bound loop of tiny models into a
few large grouped convolutions.

The skeleton and ops mirror :class:`nasmeta_lib.spaces.nb201.NB201Network` (stem, three stages
of ``N`` cells joined by residual reductions) op for op, so that a group computes what its K
individual networks compute; the tests copy individual networks' weights in and compare.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from nasmeta_lib.benchmarks.nb201 import EDGES, N_NODES, OPS

CELL_OPS = OPS  # none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3


class GroupedReLUConvBN(nn.Module):
    def __init__(self, K: int, C_in: int, C_out: int, kernel: int, stride: int, affine: bool = True,
                 track_running_stats: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(K * C_in, K * C_out, kernel, stride, kernel // 2, bias=False, groups=K)
        self.bn = nn.BatchNorm2d(K * C_out, affine=affine, track_running_stats=track_running_stats)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(F.relu(x)))


class GroupedCell(nn.Module):
    """K NB201 cells (same width) with per-model edge ops given as a [K, edges] op-index table;
    ``affine``/``track_running_stats``: the cells' BatchNorm, as in ``spaces.nb201.NB201Network``."""

    def __init__(self, arch_ops: torch.Tensor, C: int, affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        K = arch_ops.shape[0]
        self.K, self.C = K, C
        self.register_buffer("mask", F.one_hot(arch_ops, len(CELL_OPS)).float(), persistent=False)  # [K, E, O]
        self.used = [sorted({CELL_OPS[i] for i in arch_ops[:, e].tolist()}) for e in range(len(EDGES))]
        self.convs = nn.ModuleDict()
        for e, used in enumerate(self.used):
            for op, k in (("nor_conv_1x1", 1), ("nor_conv_3x3", 3)):
                if op in used:
                    self.convs[f"{e}_{op}"] = GroupedReLUConvBN(K, C, C, k, 1, affine, track_running_stats)

    def _edge(self, e: int, x: torch.Tensor) -> torch.Tensor:
        out = 0.0
        B, _, H, W = x.shape
        for op in self.used[e]:
            if op == "none":
                continue
            if op == "skip_connect":
                y = x
            elif op == "avg_pool_3x3":
                y = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
            else:
                y = self.convs[f"{e}_{op}"](x)
            weight = self.mask[:, e, CELL_OPS.index(op)].view(1, self.K, 1, 1, 1)
            out = out + (y.view(B, self.K, self.C, H, W) * weight).view(B, -1, H, W)
        if isinstance(out, float):  # every model has 'none' on this edge
            return x.mul(0.0)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in range(1, N_NODES):
            nodes.append(sum(self._edge(e, nodes[s]) for e, (s, t) in enumerate(EDGES) if t == target))
        return nodes[-1]


class GroupedReduction(nn.Module):
    def __init__(self, K: int, C_in: int, C_out: int):
        super().__init__()
        self.conv_a = GroupedReLUConvBN(K, C_in, C_out, 3, 2)
        self.conv_b = GroupedReLUConvBN(K, C_out, C_out, 3, 1)
        self.shortcut = nn.Conv2d(K * C_in, K * C_out, 1, bias=False, groups=K)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(F.avg_pool2d(x, 2, 2)) + self.conv_b(self.conv_a(x))


class GroupedHeads(nn.Module):
    """K sets of GenNAS regression heads (BN + 1x1 conv per stage)."""

    def __init__(self, K: int, in_channels: Sequence[int], out_channels: Sequence[int], size: int):
        super().__init__()
        self.K, self.size, self.out_channels = K, size, tuple(out_channels)
        self.heads = nn.ModuleList(
            nn.Sequential(nn.BatchNorm2d(K * c_in), nn.Conv2d(K * c_in, K * c_out, 1, groups=K))
            for c_in, c_out in zip(in_channels, out_channels)
        )

    def forward(self, features: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        out = []
        for head, f, c in zip(self.heads, features, self.out_channels):
            y = head(F.interpolate(f, (self.size, self.size)))
            out.append(y.view(y.shape[0], self.K, c, self.size, self.size))
        return out


class GroupedCellNetwork(nn.Module):
    """K NB201-skeleton networks with GenNAS heads; ``forward`` gives [B, K, c, s, s] per stage.

    ``affine``/``track_running_stats`` set the BatchNorm inside the cells only, as in
    :class:`nasmeta_lib.spaces.nb201.NB201Network`.
    """

    def __init__(self, archs: Sequence[Sequence[str]], C: int = 16, N: int = 5,
                 out_channels: Sequence[int] = (64, 64, 64), size: int = 8, affine: bool = True,
                 track_running_stats: bool = True):
        super().__init__()
        unknown = {op for a in archs for op in a} - set(CELL_OPS)
        if unknown or any(len(a) != len(EDGES) for a in archs):
            raise ValueError(f"each arch needs {len(EDGES)} ops from {CELL_OPS}; bad ops: {unknown or '-'}")
        arch_ops = torch.tensor([[CELL_OPS.index(op) for op in a] for a in archs], dtype=torch.long)
        K = self.K = len(archs)
        self.stem = nn.Sequential(nn.Conv2d(K * 3, K * C, 3, padding=1, bias=False, groups=K), nn.BatchNorm2d(K * C))
        stages = []
        for i, width in enumerate((C, 2 * C, 4 * C)):
            blocks = [GroupedReduction(K, width // 2, width)] if i > 0 else []
            blocks += [GroupedCell(arch_ops, width, affine, track_running_stats) for _ in range(N)]
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.heads = GroupedHeads(K, (C, 2 * C, 4 * C), out_channels, size)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Stage outputs for inputs [B, 3, H, W] (shared by all models) or [B, K*3, H, W]."""
        if x.shape[1] == 3:
            x = x.repeat(1, self.K, 1, 1)
        out, x = [], self.stem(x)
        for stage in self.stages:
            x = stage(x)
            out.append(x)
        return out

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.heads(self.features(x))
