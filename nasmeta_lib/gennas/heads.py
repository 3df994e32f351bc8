"""Multi-stage regression heads: each stage's feature map -> an 8x8 map of target channels.

As in GenNAS's official code, the classifier is dropped; every stage output is resized to the
target size (nearest neighbour) and passed through BatchNorm and a 1x1 convolution.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn


class RegressionHeads(nn.Module):
    """One BN + 1x1-conv head per stage; ``forward(features)`` returns one prediction per stage."""

    def __init__(self, in_channels: Sequence[int], out_channels: Sequence[int], size: int = 8):
        super().__init__()
        if len(in_channels) != len(out_channels):
            raise ValueError(f"{len(in_channels)} stages of features but {len(out_channels)} targets")
        self.size = size
        self.heads = nn.ModuleList(
            nn.Sequential(nn.BatchNorm2d(c_in), nn.Conv2d(c_in, c_out, 1))
            for c_in, c_out in zip(in_channels, out_channels)
        )

    def forward(self, features: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        if len(features) != len(self.heads):
            raise ValueError(f"expected {len(self.heads)} stage features, got {len(features)}")
        return [head(F.interpolate(f, (self.size, self.size))) for head, f in zip(self.heads, features)]


class GenNASModel(nn.Module):
    """Any network with ``features(x) -> list[Tensor]`` plus regression heads.

    Predictions come back as ``[batch, 1, channels, size, size]`` so that one model and a group
    of models (:mod:`nasmeta_lib.gennas.grouped`) share one training loop.
    """

    def __init__(self, backbone: nn.Module, out_channels: Sequence[int], size: int = 8,
                 probe: torch.Tensor | None = None):
        super().__init__()
        self.backbone = backbone
        probe = torch.zeros(2, 3, 32, 32) if probe is None else probe
        with torch.no_grad():
            was_training = backbone.training
            in_channels = [f.shape[1] for f in backbone.eval().features(probe)]
            backbone.train(was_training)
        self.heads = RegressionHeads(in_channels, out_channels, size)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [p.unsqueeze(1) for p in self.heads(self.backbone.features(x))]
