"""GenNAS's short regression training and the score it yields.

Faithful to the official code: a single fixed batch of images (plus fresh input noise each
step) and fixed synthetic targets; SGD (lr 0.1, momentum 0.9, weight decay 4e-5 on conv and
linear weights only) for 100 iterations; MSE per stage weighted 0.25 / 0.5 / 1; every 10
iterations the loss is measured in eval mode on a new noisy copy of the batch. The score of an
architecture is minus its last measured loss (lower regression loss = better architecture).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from nasmeta_lib.gennas.signals import TaskConfig


@dataclass(frozen=True)
class TrainConfig:
    iters: int = 100
    eval_every: int = 10
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 4e-5
    stage_weights: tuple[float, ...] = (0.25, 0.5, 1.0)

    def __post_init__(self) -> None:
        if self.iters < 1 or self.eval_every < 1 or self.eval_every > self.iters:
            raise ValueError(f"need 1 <= eval_every <= iters, got eval_every={self.eval_every}, iters={self.iters}")

    @property
    def eval_steps(self) -> list[int]:
        return list(range(self.eval_every, self.iters + 1, self.eval_every))

    def to_dict(self) -> dict:
        return asdict(self)


def parameter_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Weight decay on conv/linear weights only, as in the official code (not BN, not biases)."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if name.endswith("weight") and p.dim() > 1 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def per_model_loss(preds: list[torch.Tensor], targets: list[torch.Tensor], weights) -> torch.Tensor:
    """[K] weighted sum over stages of each model's MSE; targets are [B, K or 1, c, s, s]."""
    total = 0.0
    for w, p, t in zip(weights, preds, targets):
        if w:
            total = total + w * (p - t).pow(2).mean(dim=(0, 2, 3, 4))
    return total


class InputNoise:
    """Fresh input noise per step, each model with its own task's noise type and level."""

    def __init__(self, tasks: list[TaskConfig], device: torch.device, seed: int):
        self.levels = torch.tensor([t.noise_level for t in tasks], device=device).view(1, -1, 1, 1, 1)
        self.uniform = torch.tensor([t.noise == "uniform" for t in tasks], device=device).view(1, -1, 1, 1, 1)
        self.shared = len({(t.noise, t.noise_level) for t in tasks}) == 1
        self.gen = torch.Generator(device).manual_seed(seed)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        B, c, H, W = images.shape
        if self.shared and float(self.levels.flatten()[0]) == 0.0:
            return images
        K = 1 if self.shared else self.levels.shape[1]
        shape = (B, K, c, H, W)
        u = torch.rand(shape, generator=self.gen, device=images.device) * 2 - 1
        g = torch.randn(shape, generator=self.gen, device=images.device)
        noise = torch.where(self.uniform[:, :K], u, g) * self.levels[:, :K]
        return (images[:, None] + noise).view(B, K * c, H, W)


def train_and_score(model: nn.Module, images: torch.Tensor, targets: list[torch.Tensor],
                    tasks: list[TaskConfig], cfg: TrainConfig = TrainConfig(), seed: int = 0) -> np.ndarray:
    """Train ``model`` (one or a group of K models) and return its eval losses, [evals, K].

    ``targets`` are per stage, [B, K, c, s, s] (a task per model) or [B, 1, c, s, s] (one task
    for all); ``tasks`` likewise has K entries or one. NaN losses become 1e3 so that diverged
    models rank last.
    """
    device = images.device
    targets = [t.to(device) for t in targets]
    noisy = InputNoise(tasks, device, seed)
    opt = torch.optim.SGD(parameter_groups(model, cfg.weight_decay), lr=cfg.lr, momentum=cfg.momentum)
    losses = []
    for it in range(1, cfg.iters + 1):
        model.train()
        loss = per_model_loss(model(noisy(images)), targets, cfg.stage_weights).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if it % cfg.eval_every == 0:
            model.eval()
            with torch.no_grad():
                losses.append(per_model_loss(model(noisy(images)), targets, cfg.stage_weights).float())
    out = torch.stack(losses).cpu().numpy().astype(float)
    return np.where(np.isfinite(out), out, 1e3)
