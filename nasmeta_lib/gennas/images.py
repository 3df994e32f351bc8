"""Input images for the regression task.

GenNAS feeds one fixed batch of CIFAR images. CIFAR is not available offline here, so the
stand-ins are (a) random crops of a real photograph that ships with matplotlib
(``grace_hopper.jpg``, in every matplotlib install) and (b) Gaussian noise, which the paper
itself argues is viable because the task is agnostic of the data. Both are normalised like
CIFAR inputs (zero mean, unit variance per channel).
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F

SOURCES = ("photo", "noise")


def _photo() -> torch.Tensor:
    import matplotlib
    import matplotlib.image

    path = os.path.join(matplotlib.get_data_path(), "sample_data", "grace_hopper.jpg")
    pixels = torch.from_numpy(matplotlib.image.imread(path).copy()).float() / 255.0  # H, W, 3
    return pixels.permute(2, 0, 1)


def input_batch(source: str, n: int = 16, size: int = 32, seed: int = 0) -> torch.Tensor:
    """A fixed batch [n, 3, size, size]: random photo crops (48-160 px, resized) or noise."""
    if source not in SOURCES:
        raise ValueError(f"unknown image source {source!r}; choose from {SOURCES}")
    gen = torch.Generator().manual_seed(seed)
    if source == "noise":
        return torch.randn(n, 3, size, size, generator=gen)
    photo = _photo()
    _, H, W = photo.shape
    crops = []
    for _ in range(n):
        side = int(torch.randint(48, min(160, H, W) + 1, (1,), generator=gen))
        top = int(torch.randint(0, H - side + 1, (1,), generator=gen))
        left = int(torch.randint(0, W - side + 1, (1,), generator=gen))
        crop = photo[:, top: top + side, left: left + side][None]
        crops.append(F.interpolate(crop, (size, size), mode="area")[0])
    batch = torch.stack(crops)
    mean = batch.mean(dim=(0, 2, 3), keepdim=True)
    std = batch.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)
    return (batch - mean) / std
