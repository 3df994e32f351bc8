"""A small real image dataset that ships inside scikit-learn: 1,797 handwritten digits, 8x8 pixels.

It stands in for CIFAR-10 where no image dataset can be downloaded (CI, the offline GPU machine):
same 10-way classification, 3 input channels (the grey image repeated), tiny enough for a CPU.
Used for one-shot search (train/valid/test splits) and as real inputs for the proxies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

SPLITS = ("train", "valid", "test")


@lru_cache(maxsize=1)
def images() -> tuple[torch.Tensor, torch.Tensor]:
    """All 1,797 images as ``(N, 1, 8, 8)`` floats in [0, 1] and their labels 0..9."""
    from sklearn.datasets import load_digits  # the data ships inside the scikit-learn wheel

    data = load_digits()
    return torch.tensor(data.images, dtype=torch.float32)[:, None] / 16.0, torch.tensor(data.target, dtype=torch.long)


@dataclass
class Split:
    x: torch.Tensor
    y: torch.Tensor

    def to(self, device: torch.device) -> "Split":
        return Split(self.x.to(device), self.y.to(device))

    def __len__(self) -> int:
        return len(self.y)


def load(seed: int = 0, fractions: tuple[float, float] = (0.5, 0.25)) -> dict[str, Split]:
    """Seeded split: ``train`` for weights, ``valid`` for the architecture, ``test`` held out.

    Like the paper's CIFAR-10 protocol (half the training set for weights, half for the
    architecture), with a further held-out part for our own evaluation of found cells.
    """
    x, y = images()
    x = ((x - x.mean()) / x.std()).expand(-1, 3, -1, -1).contiguous()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_train, n_valid = (int(f * len(y)) for f in fractions)
    parts = (order[:n_train], order[n_train:n_train + n_valid], order[n_train + n_valid:])
    return {name: Split(x[idx], y[idx]) for name, idx in zip(SPLITS, parts)}


def batches(split: Split, batch_size: int, gen: torch.Generator):
    """Endless shuffled mini-batches (epoch after epoch)."""
    while True:
        order = torch.randperm(len(split), generator=gen).to(split.y.device)
        for start in range(0, len(split) - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            yield split.x[idx], split.y[idx]
