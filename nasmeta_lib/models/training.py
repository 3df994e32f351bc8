"""One small, seeded training loop shared by every trained baseline.

A :class:`Recipe` holds the optimiser and schedule settings a paper states (e.g. NB360's WRN:
SGD-Nesterov, step decay x0.2 at 30/60/80 % of training; FNO: Adam, halve every 100 epochs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Recipe:
    optimizer: str  # "sgd" (Nesterov momentum) or "adam"
    lr: float
    epochs: int
    batch_size: int
    weight_decay: float = 0.0
    momentum: float = 0.9
    schedule: str = "cosine"  # "cosine", "step" (x0.2 at 30/60/80 %) or "halve" (x0.5 every 1/5 of training)
    grad_clip: float | None = None

    def optimizer_for(self, params) -> torch.optim.Optimizer:
        if self.optimizer == "sgd":
            return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, nesterov=self.momentum > 0,
                                   weight_decay=self.weight_decay)
        if self.optimizer == "adam":
            return torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        raise ValueError(f"unknown optimizer {self.optimizer!r}")

    def scheduler_for(self, opt: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
        e = self.epochs
        if self.schedule == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=e)
        if self.schedule == "step":
            milestones = sorted({max(1, int(e * f)) for f in (0.3, 0.6, 0.8)})
            return torch.optim.lr_scheduler.MultiStepLR(opt, milestones, gamma=0.2)
        if self.schedule == "halve":
            return torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, e // 5), gamma=0.5)
        raise ValueError(f"unknown schedule {self.schedule!r}")


def seed_everything(seed: int) -> torch.Generator:
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    return torch.Generator().manual_seed(seed)


def batches(n: int, batch_size: int, generator: torch.Generator | None = None):
    """Index batches over ``n`` items, shuffled when a generator is given."""
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn, recipe: Recipe, seed: int,
        params=None, progress=None) -> list[float]:
    """Train ``model`` in place on (x, y) tensors already on the model's device; returns epoch losses."""
    gen = seed_everything(seed)
    opt = recipe.optimizer_for(params if params is not None else model.parameters())
    sched = recipe.scheduler_for(opt)
    losses = []
    epochs = range(recipe.epochs)
    for _ in progress(epochs, "epochs") if progress else epochs:
        model.train()
        total = torch.zeros((), device=x.device)  # summed on the device: no host sync per step
        for idx in batches(len(x), recipe.batch_size, gen):
            idx = idx.to(x.device)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            if recipe.grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), recipe.grad_clip)
            opt.step()
            total += loss.detach() * len(idx)
        sched.step()
        losses.append(float(total) / len(x))
    return losses


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    model.eval()
    return torch.cat([model(x[idx.to(x.device)]) for idx in batches(len(x), batch_size)])


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for name, p in model.named_parameters() if name != "arch_weights")
