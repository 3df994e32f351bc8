"""Graph convolutional encoder of node-op graphs (BRP-NAS style: messages flow both ways).

Written with plain tensor ops (no in-place updates, no dropout or batch norm) so that
``torch.func.functional_call``, ``grad`` and ``vmap`` can run it for meta-learning.
"""

from __future__ import annotations

import torch
from torch import nn


def normalise(adj: torch.Tensor) -> torch.Tensor:
    """Row-normalised adjacency with self-loops: each node averages itself and its neighbours."""
    eye = torch.eye(adj.shape[-1], dtype=adj.dtype, device=adj.device)
    a = adj + eye
    return a / a.sum(-1, keepdim=True)


class GCNEncoder(nn.Module):
    """``layers`` graph convolutions, each mixing forward (successor) and backward messages,
    then a masked mean over the real (non-padding) nodes."""

    def __init__(self, vocab: int, hidden: int, layers: int):
        super().__init__()
        self.embed = nn.Linear(vocab, hidden)
        self.forward_convs = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(layers))
        self.backward_convs = nn.ModuleList(nn.Linear(hidden, hidden, bias=False) for _ in range(layers))
        self.out_features = hidden

    def forward(self, x: torch.Tensor, adj: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        fwd = normalise(adj.transpose(-1, -2))  # node reads its predecessors
        bwd = normalise(adj)  # node reads its successors
        h = torch.relu(self.embed(x))
        for conv_f, conv_b in zip(self.forward_convs, self.backward_convs):
            h = torch.relu(conv_f(fwd @ h) + conv_b(bwd @ h)) * mask.unsqueeze(-1)
        return (h * mask.unsqueeze(-1)).sum(-2) / mask.sum(-1, keepdim=True).clamp(min=1.0)
