"""DARTS-style differentiable search on the NB201 cell, for 1D/2D point and dense tasks.

The supernet (``TaskCellNetwork(genotype=None)``) mixes all ops on every edge. As in NAS-Bench-360's
GAEA PC-DARTS, weights and architecture are updated alternately on two halves of the training
data (first-order), and the architecture update is GAEA's exponentiated gradient: multiply each
edge's op weights by exp(-lr * gradient) and renormalise, which keeps them on the simplex and
drives them towards sparse choices. Partial-channel sampling is left out (the cell is small).
The derived cell takes the strongest op on each edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from nasmeta_lib.models.cells import TaskCellNetwork
from nasmeta_lib.models.training import LossFn, Recipe, batches, seed_everything
from nasmeta_lib.searchers import SEARCHERS


@dataclass(frozen=True)
class DartsResult:
    genotype: tuple[str, ...]
    arch_weights: list[list[float]]
    train_losses: list[float]


@torch.no_grad()
def exponentiated_gradient_step(weights: torch.Tensor, grad: torch.Tensor, lr: float) -> None:
    """Mirror-descent update on the row simplex (GAEA): w <- w * exp(-lr g) / sum."""
    weights.mul_(torch.exp(-lr * grad))
    weights.div_(weights.sum(dim=1, keepdim=True))


@SEARCHERS.register("darts")
def darts_search(make_supernet: Callable[[], TaskCellNetwork], x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn,
                 recipe: Recipe, arch_lr: float, seed: int, progress=None) -> DartsResult:
    """Search on (x, y): even-indexed rows train weights, odd-indexed rows train the architecture."""
    gen = seed_everything(seed)
    net = make_supernet()
    if net.genotype is not None:
        raise ValueError("darts_search needs a supernet: build TaskCellNetwork with genotype=None")
    x_w, y_w, x_a, y_a = x[0::2], y[0::2], x[1::2], y[1::2]
    opt = recipe.optimizer_for(net.weight_parameters())
    sched = recipe.scheduler_for(opt)
    losses = []
    epochs = range(recipe.epochs)
    for _ in progress(epochs, "DARTS epochs") if progress else epochs:
        net.train()
        total = torch.zeros((), device=x.device)
        arch_batches = batches(len(x_a), recipe.batch_size, gen)
        for step, idx in enumerate(batches(len(x_w), recipe.batch_size, gen)):
            a_idx = arch_batches[step % len(arch_batches)].to(x.device)
            net.zero_grad(set_to_none=True)
            loss_fn(net(x_a[a_idx]), y_a[a_idx]).backward()
            exponentiated_gradient_step(net.arch_weights, net.arch_weights.grad, arch_lr)

            net.zero_grad(set_to_none=True)
            idx = idx.to(x.device)
            loss = loss_fn(net(x_w[idx]), y_w[idx])
            loss.backward()
            if recipe.grad_clip:
                nn.utils.clip_grad_norm_(net.weight_parameters(), recipe.grad_clip)
            opt.step()
            total += loss.detach() * len(idx)
        sched.step()
        losses.append(float(total) / len(x_w))
    return DartsResult(net.derived_genotype(), net.arch_weights.detach().cpu().tolist(), losses)
