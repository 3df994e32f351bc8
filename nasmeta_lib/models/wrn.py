"""Wide ResNet (Zagoruyko & Komodakis), NAS-Bench-360's fixed-architecture baseline.

WRN-16-4: a 3x3 stem with 16 channels, three groups of (depth - 4) / 6 pre-activation basic
blocks with 16k, 32k, 64k channels (k = widen factor). Point tasks use strides 1, 2, 2 and a
global-pool linear head; dense tasks keep every stride at 1 and predict per position, as in the
NB360 code (``backbone_grid_wrn``). ``dim=1`` swaps in 1D layers.
"""

from __future__ import annotations

import torch
from torch import nn

from nasmeta_lib.models.layers import head, layers


class BasicBlock(nn.Module):
    """Pre-activation residual block: BN-ReLU-conv3-BN-ReLU-conv3, 1x1 conv shortcut on shape change."""

    def __init__(self, dim: int, c_in: int, c_out: int, stride: int, dropout: float):
        super().__init__()
        fam = layers(dim)
        self.bn1, self.bn2 = fam.batch_norm(c_in), fam.batch_norm(c_out)
        self.conv1 = fam.conv(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.conv2 = fam.conv(c_out, c_out, 3, padding=1, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.shortcut = (
            None if (c_in == c_out and stride == 1) else fam.conv(c_in, c_out, 1, stride=stride, bias=False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = torch.relu(self.bn1(x))
        out = self.conv1(pre)
        out = self.conv2(self.dropout(torch.relu(self.bn2(out))))
        return out + (x if self.shortcut is None else self.shortcut(pre))


class WideResNet(nn.Module):
    """WRN-``depth``-``widen`` for 1D/2D inputs with point or dense outputs."""

    def __init__(self, in_channels: int, n_outputs: int, dim: int = 2, dense: bool = False,
                 depth: int = 16, widen: int = 4, dropout: float = 0.0):
        super().__init__()
        if (depth - 4) % 6:
            raise ValueError(f"WRN depth must be 6n + 4, got {depth}")
        blocks_per_group = (depth - 4) // 6
        widths = [16, 16 * widen, 32 * widen, 64 * widen]
        strides = (1, 1, 1) if dense else (1, 2, 2)
        fam = layers(dim)
        self.stem = fam.conv(in_channels, widths[0], 3, padding=1, bias=False)
        body = []
        for group, stride in enumerate(strides):
            for b in range(blocks_per_group):
                c_in = widths[group] if b == 0 else widths[group + 1]
                body.append(BasicBlock(dim, c_in, widths[group + 1], stride if b == 0 else 1, dropout))
        self.body = nn.Sequential(*body)
        self.head = head(dim, dense, widths[-1], n_outputs)
        for m in self.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.stem(x)))
