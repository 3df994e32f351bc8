"""The search-space registry and the one entry point that builds a network from an encoding."""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from nasmeta_lib.registry import Registry

SPACES: Registry[Callable[..., nn.Module]] = Registry("search space")


def build(space: str, ops: Sequence[str], adjacency: Sequence[int] | None = None, **kw) -> nn.Module:
    """A freshly initialised network of ``space`` for one encoding; ``kw`` go to its constructor."""
    return SPACES[space](list(ops), None if adjacency is None else list(adjacency), **kw)


class StagedNetwork(nn.Module):
    """A stem followed by stages: subclasses set ``self.stem`` and ``self.stages`` (ModuleList).

    ``features`` (one map per stage) is what GenNAS's regression heads read; ``forward_pre_gap``
    (the last map before global pooling) is what Zen-score reads.
    """

    stem: nn.Module
    stages: nn.ModuleList

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Output of each stage."""
        out, x = [], self.stem(x)
        for stage in self.stages:
            x = stage(x)
            out.append(x)
        return out

    def forward_pre_gap(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)[-1]
