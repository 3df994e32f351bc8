"""Layers that exist in a 1D and a 2D flavour, so one model definition serves both.

NAS-Bench-360 adapts every method to 1D inputs (C x L) by swapping each 2D layer for its 1D
counterpart; ``layers(dim)`` returns that family of constructors.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn


@dataclass(frozen=True)
class Layers:
    """Constructors for one input dimensionality."""

    conv: type[nn.Module]
    batch_norm: type[nn.Module]
    avg_pool: type[nn.Module]
    global_pool: type[nn.Module]


_FAMILIES = {
    1: Layers(nn.Conv1d, nn.BatchNorm1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d),
    2: Layers(nn.Conv2d, nn.BatchNorm2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d),
}


def layers(dim: int) -> Layers:
    """The layer family for ``dim``-dimensional inputs (1 or 2)."""
    if dim not in _FAMILIES:
        raise ValueError(f"inputs must be 1D or 2D, got dim={dim}")
    return _FAMILIES[dim]


class PointHead(nn.Sequential):
    """BN-ReLU, global average pooling, linear: one prediction per input."""

    def __init__(self, dim: int, channels: int, n_outputs: int):
        fam = layers(dim)
        super().__init__(
            fam.batch_norm(channels), nn.ReLU(), fam.global_pool(1), nn.Flatten(), nn.Linear(channels, n_outputs)
        )


class DenseHead(nn.Sequential):
    """BN-ReLU and a per-position linear map (1x1 conv): one prediction per input position."""

    def __init__(self, dim: int, channels: int, n_outputs: int):
        fam = layers(dim)
        super().__init__(fam.batch_norm(channels), nn.ReLU(), fam.conv(channels, n_outputs, 1))


def head(dim: int, dense: bool, channels: int, n_outputs: int) -> nn.Module:
    return (DenseHead if dense else PointHead)(dim, channels, n_outputs)
