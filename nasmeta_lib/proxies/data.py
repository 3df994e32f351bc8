"""Input batches for the proxies: real CIFAR-10 images, documented random data, or digits.

- ``cifar10``: real CIFAR-10 training images (the data mirror's JPEG copy, quality 75: close to,
  not identical with, the original pixels), as NAS-Bench-Suite-Zero used real task images. No
  CIFAR-100 or ImageNet16-120 images are available offline: those tasks get CIFAR-10 images
  (resized to 16 x 16 for ImageNet16-120), a documented difference;
- ``random``: N(0, 1) pixels and uniform labels (what normalised images look like in scale);
- ``digits``: scikit-learn's 1,797 handwritten digits (8x8 grey, shipped inside the wheel),
  upsampled bilinearly to the task's resolution, repeated over 3 channels, standardised, with
  their true labels (0..9, so a 100- or 120-class head sees only 10 classes).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from nasmeta_lib.data import digits
from nasmeta_lib.proxies.base import BATCH_SIZE, Batch, random_batch

INPUTS = ("cifar10", "random", "digits")


def digits_batch(num_classes: int = 10, batch_size: int = BATCH_SIZE, image_size: int = 32,
                 seed: int = 0) -> Batch:
    """A seeded draw of real digit images, shaped like a ``(3, image_size, image_size)`` task."""
    images, labels = digits.images()
    pick = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:batch_size]
    x = F.interpolate(images[pick], size=(image_size, image_size), mode="bilinear", align_corners=False)
    x = ((x - x.mean()) / x.std()).expand(-1, 3, -1, -1).contiguous()
    return Batch(x, labels[pick] % num_classes, num_classes)


def cifar10_batch(num_classes: int = 10, batch_size: int = BATCH_SIZE, image_size: int = 32,
                  seed: int = 0) -> Batch:
    """A seeded draw of real CIFAR-10 training images with the standard normalisation, resized
    (area averaging) when the task's images are smaller, e.g. ImageNet16-120's 16 x 16. Labels
    are CIFAR-10's (0..9): a 100- or 120-class head sees only 10 of its classes."""
    from nasmeta_lib.data import cifar10

    images, labels = cifar10.load("train")
    pick = np.random.default_rng(seed).choice(len(labels), size=batch_size, replace=False)
    x = cifar10.to_tensor(images[pick])
    if image_size != x.shape[-1]:
        x = F.interpolate(x, size=(image_size, image_size), mode="area")
    return Batch(x, torch.from_numpy(labels[pick].astype(np.int64)) % num_classes, num_classes)


def make_batch(kind: str, num_classes: int, batch_size: int = BATCH_SIZE, image_size: int = 32,
               seed: int = 0) -> Batch:
    if kind == "cifar10":
        return cifar10_batch(num_classes, batch_size, image_size, seed)
    if kind == "random":
        return random_batch(num_classes, batch_size, image_size, seed=seed)
    if kind == "digits":
        return digits_batch(num_classes, batch_size, image_size, seed)
    raise ValueError(f"unknown input kind {kind!r}; choose one of {INPUTS}")
