"""Input images for the regression task.

GenNAS feeds one fixed batch of CIFAR-10 training images. Sources:

- ``cifar10``: that, from the data mirror: a seeded draw of real CIFAR-10 training images with the
  standard per-channel normalisation, drawn as the proxies chapter draws its real batch
  (:func:`nasmeta_lib.proxies.data.cifar10_batch`). Not the paper's batch in three ways: the images
  are the mirror's JPEG copies (quality 75), the draw is ours (the official code takes the first
  batch of its shuffled loader), and no augmentation is applied;
- ``photo``: random crops of a real photograph that ships with matplotlib (``grace_hopper.jpg``);
- ``noise``: Gaussian noise, which the paper argues is viable because the task ignores the data.

The two comparisons are normalised like CIFAR inputs (zero mean, unit variance per channel).
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F

from nasmeta_lib.proxies.data import cifar10_batch

SOURCES = ("cifar10", "photo", "noise")


def _photo() -> torch.Tensor:
    import matplotlib
    import matplotlib.image

    path = os.path.join(matplotlib.get_data_path(), "sample_data", "grace_hopper.jpg")
    pixels = torch.from_numpy(matplotlib.image.imread(path).copy()).float() / 255.0  # H, W, 3
    return pixels.permute(2, 0, 1)


def _photo_crops(n: int, size: int, gen: torch.Generator) -> torch.Tensor:
    """Random square crops (48-160 px) of the photo, resized to ``size`` and normalised."""
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


def input_batch(source: str, n: int = 16, size: int = 32, seed: int = 0) -> torch.Tensor:
    """A fixed batch [n, 3, size, size] from ``source`` (see the module docstring); same seed, same batch."""
    if source not in SOURCES:
        raise ValueError(f"unknown image source {source!r}; choose from {SOURCES}")
    if source == "cifar10":
        return cifar10_batch(batch_size=n, image_size=size, seed=seed).inputs
    gen = torch.Generator().manual_seed(seed)
    if source == "noise":
        return torch.randn(n, 3, size, size, generator=gen)
    return _photo_crops(n, size, gen)
