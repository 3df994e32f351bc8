"""The predictor: an architecture encoder and/or the proxy vector, read by a small MLP head."""

from __future__ import annotations

import torch
from torch import nn

from nasmeta_lib.predictors.encodings import FEATURES, N_MAX, VOCAB
from nasmeta_lib.predictors.gcn import GCNEncoder
from nasmeta_lib.predictors.mlp import OneHotEncoder, mlp


class Predictor(nn.Module):
    """Scores architectures; higher means predicted better (trained on standardised accuracy).

    ``graph`` picks the architecture encoder ("gcn", "onehot" or None); ``proxies`` adds the
    zero-cost proxy vector and its presence mask to the head's input.
    """

    def __init__(self, graph: str | None, proxies: bool, hidden: int = 32, layers: int = 2):
        super().__init__()
        if graph is None and not proxies:
            raise ValueError("a predictor needs an architecture encoder, proxies, or both")
        encoders = {"gcn": lambda: GCNEncoder(len(VOCAB), hidden, layers), "onehot": lambda: OneHotEncoder(N_MAX, len(VOCAB), hidden)}
        if graph is not None and graph not in encoders:
            raise ValueError(f"unknown graph encoder {graph!r}; choose gcn or onehot")
        self.encoder = encoders[graph]() if graph else None
        self.proxies = proxies
        width = (self.encoder.out_features if self.encoder else 0) + (2 * len(FEATURES) if proxies else 0)
        self.head = mlp(width, hidden, 1, 1)

    def forward(self, x, adj, mask, z, zmask) -> torch.Tensor:
        parts = []
        if self.encoder is not None:
            parts.append(self.encoder(x, adj, mask))
        if self.proxies:
            parts += [z * zmask, zmask]
        return self.head(torch.cat(parts, dim=-1)).squeeze(-1)
