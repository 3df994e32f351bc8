"""NAS-Bench-360's Darcy Flow protocol for the baselines we can train.

Inputs are the coefficient a(x), normalised pointwise (per-pixel mean/std over the training
set), with two grid-coordinate channels; targets are u(x) in physical units. Models predict the
normalised u, which is decoded before the loss, so the loss and the metric are both the relative
L2 error (summed over the batch for training, as the NB360/FNO code does; mean for the metric).
Searches select on the validation split; every final model is retrained on train + val and
scored on test, as in the paper.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from nasmeta_lib.benchmarks.nb201 import to_string
from nasmeta_lib.models import CellNetwork, FNO2d, WideResNet
from nasmeta_lib.models.training import Recipe, fit, n_parameters, predict
from nasmeta_lib.searchers.darts import darts_search
from nasmeta_lib.searchers.random_search import random_search
from nasmeta_lib.tasks.spec import TaskData

EPS = 1e-5


@dataclass
class DarcyProblem:
    """Darcy tensors on one device, with the pointwise normalisers fitted on the training rows."""

    x: dict[str, torch.Tensor]
    y: dict[str, torch.Tensor]
    y_mean: torch.Tensor
    y_std: torch.Tensor

    @classmethod
    def from_data(cls, data: TaskData, device: torch.device) -> "DarcyProblem":
        x_mean, x_std = data.train.x.mean(0), data.train.x.std(0)
        s = data.train.x.shape[-1]
        grid = np.stack(np.meshgrid(np.linspace(0, 1, s), np.linspace(0, 1, s), indexing="ij")).astype(np.float32)

        def inputs(a: np.ndarray) -> torch.Tensor:
            normed = (a - x_mean) / (x_std + EPS)
            full = np.concatenate([normed, np.broadcast_to(grid, (len(a), 2, s, s))], axis=1)
            return torch.tensor(full, dtype=torch.float32, device=device)

        splits = {"train": data.train, "val": data.val, "test": data.test}
        x = {k: inputs(v.x) for k, v in splits.items()}
        y = {k: torch.tensor(v.y, device=device) for k, v in splits.items()}
        x["trainval"] = torch.cat([x["train"], x["val"]])
        y["trainval"] = torch.cat([y["train"], y["val"]])
        y_mean = torch.tensor(data.train.y.mean(0), device=device)
        y_std = torch.tensor(data.train.y.std(0), device=device)
        return cls(x, y, y_mean, y_std)

    def decode(self, pred: torch.Tensor) -> torch.Tensor:
        return pred * (self.y_std + EPS) + self.y_mean

    def loss(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Relative L2 of decoded predictions, summed over the batch (NB360 WRN and FNO code)."""
        diff = (self.decode(pred) - target).flatten(1).norm(dim=1)
        return (diff / target.flatten(1).norm(dim=1)).sum()

    def mean_loss(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Relative L2 averaged over the batch (NB360's NB201 precompute recipe for cells)."""
        return self.loss(pred, target) / len(pred)

    def score(self, model: nn.Module, split: str) -> float:
        """Mean relative L2 on a split (lower is better)."""
        pred = predict(model, self.x[split], batch_size=32)
        return float(self.loss(pred, self.y[split])) / len(pred)

    @property
    def resolution(self) -> int:
        return self.x["train"].shape[-1]


@dataclass(frozen=True)
class DarcyBudget:
    """Training budgets of one run; the paper's are in ``PAPER_COUNTERPART`` for comparison."""

    wrn: Recipe
    wrn_widen: int
    fno: Recipe
    fno_modes: int
    cell_retrain: Recipe
    cell_search: Recipe
    cell_channels: int
    cells_per_stage: int
    random_samples: int
    darts_arch_lr: float = 0.1




def _train_and_test(problem: DarcyProblem, make: Callable[[], nn.Module], recipe: Recipe, seed: int,
                    device: torch.device, mean_loss: bool = False) -> tuple[float, int]:
    torch.manual_seed(seed)
    model = make().to(device)
    fit(model, problem.x["trainval"], problem.y["trainval"], problem.mean_loss if mean_loss else problem.loss,
        recipe, seed)
    return problem.score(model, "test"), n_parameters(model)


def baseline_methods(problem: DarcyProblem, budget: DarcyBudget, seed: int, transfer_cell: tuple[str, ...],
                     device: torch.device, progress=None) -> list[tuple[str, Callable[[], dict]]]:
    """The Darcy baselines as (name, run) pairs; ``run()`` trains one and returns its result row.

    Returned unevaluated so a caller can checkpoint each method separately.
    """

    def cell_net(genotype):
        return lambda: CellNetwork(3, 1, genotype, dim=2, dense=True, channels=budget.cell_channels,
                                   cells_per_stage=budget.cells_per_stage)

    def timed(method: str, search: str, fn: Callable[[], tuple[float, int, str]]) -> Callable[[], dict]:
        def run() -> dict:
            t0 = time.perf_counter()
            rel_l2, params, cell = fn()
            return {"method": method, "search": search, "rel_l2": rel_l2, "params_m": params / 1e6,
                    "seconds": time.perf_counter() - t0, "cell": cell}
        return run

    def wrn():
        make = lambda: WideResNet(3, 1, dim=2, dense=True, depth=16, widen=budget.wrn_widen)  # noqa: E731
        return (*_train_and_test(problem, make, budget.wrn, seed, device), "")

    def fno():
        make = lambda: FNO2d(3, 1, modes=budget.fno_modes)  # noqa: E731
        return (*_train_and_test(problem, make, budget.fno, seed, device), "")

    def transfer():
        return (*_train_and_test(problem, cell_net(transfer_cell), budget.cell_retrain, seed, device, True),
                to_string(transfer_cell))

    def random():
        def evaluate(cell):
            torch.manual_seed(seed)
            model = cell_net(cell)().to(device)
            fit(model, problem.x["train"], problem.y["train"], problem.mean_loss, budget.cell_search, seed)
            score = -problem.score(model, "val")
            return score if np.isfinite(score) else -np.inf

        found = random_search(evaluate, budget.random_samples, seed, progress=progress)
        return (*_train_and_test(problem, cell_net(found.best), budget.cell_retrain, seed, device, True),
                to_string(found.best))

    def darts():
        found = darts_search(lambda: cell_net(None)().to(device), problem.x["train"], problem.y["train"],
                             problem.mean_loss, budget.cell_search, budget.darts_arch_lr, seed, progress=progress)
        return (*_train_and_test(problem, cell_net(found.genotype), budget.cell_retrain, seed, device, True),
                to_string(found.genotype))

    search_epochs, retrain = budget.cell_search.epochs, budget.cell_retrain.epochs
    return [
        (WRN, timed(WRN, f"none (fixed WRN-16-{budget.wrn_widen}), {budget.wrn.epochs} epochs", wrn)),
        (FNO, timed(FNO, f"none (hand-designed), {budget.fno.epochs} epochs", fno)),
        (TRANSFER, timed(TRANSFER, f"searched on CIFAR-100 (NB201 table), retrained {retrain} epochs", transfer)),
        (RANDOM, timed(RANDOM, f"{budget.random_samples} random cells x {search_epochs} epochs, "
                               f"best retrained {retrain} epochs", random)),
        (DARTS, timed(DARTS, f"GAEA-style DARTS supernet {search_epochs} epochs, retrained {retrain} epochs", darts)),
    ]


WRN, FNO, TRANSFER, RANDOM, DARTS = (
    "WRN (default)", "FNO (expert)", "CIFAR-100-best NB201 cell", "Random cell search", "DARTS cell search",
)

# Our method -> (the paper's closest Table 2 row, the paper's Darcy budget for it).
PAPER_COUNTERPART = {
    WRN: ("WRN default", "WRN-16-4, 200 epochs, SGD-Nesterov lr 1e-3, step x0.2 at 30/60/80 %, batch 8"),
    FNO: ("Expert", "FNO, 500 epochs, Adam lr 1e-3 halved every 100 epochs, batch 20"),
    TRANSFER: ("", "NB360 precompute: NB201 cell, 200 epochs, SGD lr 0.1 cosine, batch 16"),
    RANDOM: ("DenseNAS random", "random DenseNAS nets x 10 epochs (= DenseNAS search cost) + 240 retrain epochs"),
    DARTS: ("DARTS GAEA", "GAEA PC-DARTS, 50 search epochs (8-cell supernet) + 150 retrain epochs, batch 4"),
}
