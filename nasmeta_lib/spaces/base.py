"""The search-space registry and the one entry point that builds a network from an encoding."""

from __future__ import annotations

from typing import Callable, Sequence

from torch import nn

from nasmeta_lib.registry import Registry

SPACES: Registry[Callable[..., nn.Module]] = Registry("search space")


def build(space: str, ops: Sequence[str], adjacency: Sequence[int] | None = None, **kw) -> nn.Module:
    """A freshly initialised network of ``space`` for one encoding; ``kw`` go to its constructor."""
    return SPACES[space](list(ops), None if adjacency is None else list(adjacency), **kw)
