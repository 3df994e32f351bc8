"""Fourier Neural Operator (Li et al., ICLR 2021), the expert model for Darcy Flow in NB360.

Defaults follow the FNO repository's 2D Darcy model: 12 Fourier modes per direction, width 32,
four Fourier layers (spectral convolution + pointwise linear map, GELU between layers), a
lifting map from the input channels and a two-layer projection (128 hidden units) to the output.
"""

from __future__ import annotations

import torch
from torch import nn


class SpectralConv2d(nn.Module):
    """Multiply the lowest ``modes`` x ``modes`` Fourier coefficients (both vertical signs) by learned weights."""

    def __init__(self, c_in: int, c_out: int, modes: int):
        super().__init__()
        self.modes = modes
        scale = 1.0 / (c_in * c_out)
        self.weights = nn.Parameter(scale * torch.rand(2, c_in, c_out, modes, modes, dtype=torch.cfloat))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        m = self.modes
        if 2 * m > h or m > w // 2 + 1:
            raise ValueError(f"FNO with {m} modes needs a grid of at least {2 * m}x{2 * (m - 1)}, got {h}x{w}")
        spectrum = torch.fft.rfft2(x.float())
        out = torch.zeros(x.shape[0], self.weights.shape[2], h, w // 2 + 1, dtype=torch.cfloat, device=x.device)
        out[..., :m, :m] = torch.einsum("bixy,ioxy->boxy", spectrum[..., :m, :m], self.weights[0])
        out[..., -m:, :m] = torch.einsum("bixy,ioxy->boxy", spectrum[..., -m:, :m], self.weights[1])
        return torch.fft.irfft2(out, s=(h, w))


class FNO2d(nn.Module):
    """FNO for (B, C, H, W) inputs -> (B, n_outputs, H, W)."""

    def __init__(self, in_channels: int, n_outputs: int = 1, modes: int = 12, width: int = 32, n_layers: int = 4):
        super().__init__()
        self.lift = nn.Conv2d(in_channels, width, 1)
        self.spectral = nn.ModuleList(SpectralConv2d(width, width, modes) for _ in range(n_layers))
        self.pointwise = nn.ModuleList(nn.Conv2d(width, width, 1) for _ in range(n_layers))
        self.project = nn.Sequential(nn.Conv2d(width, 128, 1), nn.GELU(), nn.Conv2d(128, n_outputs, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lift(x)
        for i, (spectral, pointwise) in enumerate(zip(self.spectral, self.pointwise)):
            x = spectral(x) + pointwise(x)
            if i < len(self.spectral) - 1:
                x = nn.functional.gelu(x)
        return self.project(x)
