"""Input batches for the proxies: documented random data, or real images from scikit-learn.

No CIFAR or ImageNet copy can be installed here, so two stand-ins are offered:

- ``random``: N(0, 1) pixels and uniform labels (what normalised images look like in scale);
- ``digits``: scikit-learn's 1,797 handwritten digits (8x8 grey, shipped inside the wheel),
  upsampled bilinearly to the task's resolution, repeated over 3 channels, standardised, with
  their true labels (0..9, so a 100- or 120-class head sees only 10 classes).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from nasmeta_lib.data import digits
from nasmeta_lib.proxies.base import BATCH_SIZE, Batch, random_batch

INPUTS = ("random", "digits")


def digits_batch(num_classes: int = 10, batch_size: int = BATCH_SIZE, image_size: int = 32,
                 seed: int = 0) -> Batch:
    """A seeded draw of real digit images, shaped like a ``(3, image_size, image_size)`` task."""
    images, labels = digits.images()
    pick = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:batch_size]
    x = F.interpolate(images[pick], size=(image_size, image_size), mode="bilinear", align_corners=False)
    x = ((x - x.mean()) / x.std()).expand(-1, 3, -1, -1).contiguous()
    return Batch(x, labels[pick] % num_classes, num_classes)


def make_batch(kind: str, num_classes: int, batch_size: int = BATCH_SIZE, image_size: int = 32,
               seed: int = 0) -> Batch:
    if kind == "random":
        return random_batch(num_classes, batch_size, image_size, seed=seed)
    if kind == "digits":
        return digits_batch(num_classes, batch_size, image_size, seed)
    raise ValueError(f"unknown input kind {kind!r}; choose one of {INPUTS}")
