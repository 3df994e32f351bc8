"""Multi-layer perceptrons: the regression head, and the one-hot encoder of a padded graph."""

from __future__ import annotations

import torch
from torch import nn


def mlp(inputs: int, hidden: int, layers: int, outputs: int) -> nn.Sequential:
    """``layers`` hidden ReLU layers of width ``hidden``, then a linear output."""
    mods: list[nn.Module] = []
    for i in range(layers):
        mods += [nn.Linear(inputs if i == 0 else hidden, hidden), nn.ReLU()]
    mods.append(nn.Linear(hidden if layers else inputs, outputs))
    return nn.Sequential(*mods)


class OneHotEncoder(nn.Module):
    """Flattened one-hot node ops plus the flattened adjacency of the padded node-op graph."""

    def __init__(self, nodes: int, vocab: int, hidden: int):
        super().__init__()
        self.net = mlp(nodes * vocab + nodes * nodes, hidden, 1, hidden)
        self.out_features = hidden

    def forward(self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        flat = torch.cat([x.flatten(-2), adj.flatten(-2)], dim=-1)
        return torch.relu(self.net(flat))
