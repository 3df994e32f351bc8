"""Synthetic signal bases that GenNAS regresses onto, and the task config that mixes them.

GenNAS (Li et al., NeurIPS 2021) scores an architecture by how fast it learns to map a fixed
batch of images to *synthetic* 8x8 feature maps, one target per network stage. The bases, as
in the paper and its official code:

- ``sin1d``: stripes, i.e. sin/cos waves along one image axis at frequencies ``betas`` (cycles per pixel),
  random phases; 64 channels per frequency (32 along x, 32 along y).
- ``sin2d``: sin/cos plane waves ``2*pi*(b1*y + b2*x) + phase`` for every frequency pair, and
  their vertical mirror images; 64 channels per pair.
- ``dot``: a ``partial`` share of the pixels set to +1 or -1 at random, the rest 0.
- ``dot_gaussian``: the same dots blurred by a Gaussian (sigma 1) and rescaled to max |x| = 1.
- ``resize``: the input images themselves, resized to 8x8 and scaled to [-1, 1].

Each basis is drawn into a pool of channels from which the stage's target channels are
sampled; ``local`` bases draw a fresh pool per image, global ones share it across the batch.
A stage's target is the level-weighted sum of its bases.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F

KINDS = ("sin1d", "sin2d", "dot", "dot_gaussian", "resize")
N_PHASES = 32  # random phases per frequency and axis (16 sin + 16 cos channels)


@dataclass(frozen=True)
class Basis:
    """One synthetic basis with its weight in the stage target."""

    kind: str
    level: float = 1.0
    betas: tuple[float, ...] = ()
    partial: float = 1.0
    local: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown signal basis {self.kind!r}; choose from {KINDS}")
        if self.kind in ("sin1d", "sin2d") and not self.betas:
            raise ValueError(f"{self.kind} needs at least one frequency in betas")
        if not 0.0 <= self.partial <= 1.0:
            raise ValueError(f"partial must be a share in [0, 1], got {self.partial}")


@dataclass(frozen=True)
class TaskConfig:
    """A GenNAS proxy task: bases per stage, input noise, target channels and size."""

    stages: tuple[tuple[Basis, ...], ...]
    noise: str = "uniform"
    noise_level: float = 0.0
    channels: tuple[int, ...] = (64, 64, 64)
    size: int = 8
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if len(self.stages) != len(self.channels):
            raise ValueError(f"{len(self.stages)} stages but {len(self.channels)} channel counts")
        if self.noise not in ("uniform", "gaussian"):
            raise ValueError(f"noise must be 'uniform' or 'gaussian', got {self.noise!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TaskConfig":
        stages = tuple(tuple(Basis(**{**b, "betas": tuple(b["betas"])}) for b in s) for s in d["stages"])
        return cls(stages, d["noise"], d["noise_level"], tuple(d["channels"]), d["size"], d.get("name", ""))


def _sample_channels(pool: torch.Tensor, channels: int, gen: torch.Generator) -> torch.Tensor:
    if pool.shape[0] < channels:
        raise ValueError(f"basis pool has {pool.shape[0]} channels, {channels} requested; add frequencies")
    return pool[torch.randperm(pool.shape[0], generator=gen)[:channels]]


def _waves(phase: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """``phase`` [size, size] shifted by each offset -> [N_PHASES, size, size], alternating sin and cos."""
    arg = phase[None] + offsets[:, None, None]
    return torch.cat([arg[0::2].sin(), arg[1::2].cos()])


def _sin_pool(basis: Basis, size: int, gen: torch.Generator) -> torch.Tensor:
    pos = torch.arange(1, size + 1, dtype=torch.float32)
    y, x = torch.meshgrid(pos, pos, indexing="ij")
    maps = []
    if basis.kind == "sin1d":
        for beta in basis.betas:
            offsets = torch.rand(N_PHASES, generator=gen) * 2 * math.pi  # shared by both axes
            maps += [_waves(2 * math.pi * beta * y, offsets), _waves(2 * math.pi * beta * x, offsets)]
    else:
        for b1 in basis.betas:
            for b2 in basis.betas:
                w = _waves(2 * math.pi * (b1 * y + b2 * x), torch.rand(N_PHASES, generator=gen) * 2 * math.pi)
                maps += [w, w.flip(1)]
    return torch.cat(maps)


def _gaussian_blur(maps: torch.Tensor, sigma: float = 1.0, truncate: float = 4.0) -> torch.Tensor:
    """Separable Gaussian blur with mirrored edges (scipy.ndimage's default 'reflect' mode)."""
    radius = int(truncate * sigma + 0.5)
    if maps.shape[-1] < radius:
        raise ValueError(f"maps of size {maps.shape[-1]} are too small for a blur of radius {radius}")
    k = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float32) / sigma) ** 2)
    k = k / k.sum()
    x = maps[:, None]
    x = torch.cat([x[:, :, :radius].flip(2), x, x[:, :, -radius:].flip(2)], 2)
    x = torch.cat([x[:, :, :, :radius].flip(3), x, x[:, :, :, -radius:].flip(3)], 3)
    x = F.conv2d(F.conv2d(x, k.view(1, 1, -1, 1)), k.view(1, 1, 1, -1))
    return x[:, 0]


def _dots(basis: Basis, channels: int, size: int, gen: torch.Generator) -> torch.Tensor:
    count = int(basis.partial * size * size)
    maps = torch.zeros(channels, size * size)
    if count:
        order = torch.rand(channels, size * size, generator=gen).argsort(dim=1)[:, :count]
        signs = torch.randint(0, 2, (channels, count), generator=gen).float() * 2 - 1
        maps.scatter_(1, order, signs)
    maps = maps.view(channels, size, size)
    if basis.kind == "dot_gaussian" and count:
        maps = _gaussian_blur(maps)
        maps = maps / maps.flatten(1).abs().amax(1).clamp_min(1e-12)[:, None, None]
    return maps


def _resized(images: torch.Tensor, channels: int, size: int, gen: torch.Generator) -> torch.Tensor:
    small = F.interpolate(images, (size, size))
    small = small - small.min()
    small = (small / small.max().clamp_min(1e-12) - 0.5) * 2
    reps = math.ceil(channels / small.shape[1]) + 1
    tiled = small.repeat(1, reps, 1, 1)
    idx = torch.randperm(tiled.shape[1], generator=gen)[:channels]
    return tiled[:, idx]


def basis_maps(basis: Basis, images: torch.Tensor, channels: int, size: int, gen: torch.Generator) -> torch.Tensor:
    """One basis drawn for a batch: [batch, channels, size, size] (unweighted)."""
    n = images.shape[0]
    if basis.kind == "resize":
        return _resized(images, channels, size, gen)

    def draw() -> torch.Tensor:
        if basis.kind in ("sin1d", "sin2d"):
            return _sample_channels(_sin_pool(basis, size, gen), channels, gen)
        return _dots(basis, channels, size, gen)

    if basis.local:
        return torch.stack([draw() for _ in range(n)])
    return draw()[None].expand(n, -1, -1, -1).clone()


def build_targets(config: TaskConfig, images: torch.Tensor, seed: int = 0) -> list[torch.Tensor]:
    """The stage targets of ``config`` for ``images`` (CPU), fixed for the whole training run."""
    gen = torch.Generator().manual_seed(seed)
    images = images.detach().float().cpu()
    targets = []
    for bases, channels in zip(config.stages, config.channels):
        target = torch.zeros(images.shape[0], channels, config.size, config.size)
        for basis in bases:
            target += basis.level * basis_maps(basis, images, channels, config.size, gen)
        targets.append(target)
    return targets
