"""A small real image dataset that ships inside scikit-learn: 1,797 handwritten digits, 8x8 pixels.

Real images that need no download: one of the proxies chapter's input kinds (upsampled there to
the network's input size). The one-shot search reads CIFAR-10 itself (:mod:`nasmeta_lib.data.cifar10`).
"""

from __future__ import annotations

from functools import lru_cache

import torch


@lru_cache(maxsize=1)
def images() -> tuple[torch.Tensor, torch.Tensor]:
    """All 1,797 images as ``(N, 1, 8, 8)`` floats in [0, 1] and their labels 0..9."""
    from sklearn.datasets import load_digits  # the data ships inside the scikit-learn wheel

    data = load_digits()
    return torch.tensor(data.images, dtype=torch.float32)[:, None] / 16.0, torch.tensor(data.target, dtype=torch.long)
