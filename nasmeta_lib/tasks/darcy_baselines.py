"""NAS-Bench-360's Darcy Flow protocol for the baselines we can train.

Inputs are the coefficient a(x), normalised pointwise (per-pixel mean/std over the training
set), with two grid-coordinate channels; targets are u(x) in physical units. Models predict the
normalised u, which is decoded before the loss, so the loss and the metric are both the relative
L2 error (summed over the batch for training, as the NB360/FNO code does; mean for the metric).
Searches select on the validation split; every final model is retrained on train + val and
scored on test, as in the paper. Every final model trains for the same number of epochs (each
with its own paper optimiser), so differences between methods are not differences in budget.
The mean solution of the training set, predicted for every input, is the floor any model must
clear: a model near it has learnt little about the coefficient field.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from nasmeta_lib.benchmarks.nb201 import to_string
from nasmeta_lib.models import FNO2d, WideResNet
from nasmeta_lib.models.cells import TaskCellNetwork
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
        return float(np.mean(self.per_sample(model, split)))

    def per_sample(self, model: nn.Module, split: str) -> list[float]:
        """Relative L2 of every sample of a split: the unit of the paired comparisons between methods."""
        return self.relative_l2(self.decode(predict(model, self.x[split], batch_size=32)), self.y[split])

    def mean_solution_errors(self, split: str = "test") -> list[float]:
        """Relative L2 of predicting the train + val mean solution for every input (no model)."""
        mean = self.y["trainval"].mean(0, keepdim=True)
        return self.relative_l2(mean.expand_as(self.y[split]), self.y[split])

    @staticmethod
    def relative_l2(decoded: torch.Tensor, target: torch.Tensor) -> list[float]:
        diff = (decoded - target).flatten(1).norm(dim=1)
        return (diff / target.flatten(1).norm(dim=1)).cpu().tolist()

    @property
    def resolution(self) -> int:
        return self.x["train"].shape[-1]


@dataclass(frozen=True)
class DarcyBudget:
    """Training budgets of one run; the paper's are in ``PAPER_COUNTERPART`` for comparison.

    ``wrn``, ``fno`` and ``cell_retrain`` train the final models and share one epoch count.
    """

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

    def __post_init__(self) -> None:
        epochs = {self.wrn.epochs, self.fno.epochs, self.cell_retrain.epochs}
        if len(epochs) != 1:
            raise ValueError(f"final Darcy models must train for equal epochs, got {sorted(epochs)}")

    @property
    def epochs(self) -> int:
        return self.wrn.epochs


def _train_and_test(problem: DarcyProblem, make: Callable[[], nn.Module], recipe: Recipe, seed: int,
                    device: torch.device, mean_loss: bool = False) -> tuple[list[float], int]:
    torch.manual_seed(seed)
    model = make().to(device)
    fit(model, problem.x["trainval"], problem.y["trainval"], problem.mean_loss if mean_loss else problem.loss,
        recipe, seed)
    return problem.per_sample(model, "test"), n_parameters(model)


def baseline_methods(problem: Callable[[], DarcyProblem], budget: DarcyBudget, seed: int,
                     transfer_cell: tuple[str, ...], device: torch.device, progress=None
                     ) -> list[tuple[str, Callable[[], dict]]]:
    """The Darcy baselines as (name, run) pairs; ``run()`` trains one and returns its result row.

    Returned unevaluated so a caller can checkpoint each method separately; ``problem()`` gives
    the data and is called only by a method that runs, so a caller whose methods are all
    checkpointed (or not wanted in this run) need not generate the data at all.
    """

    def cell_net(genotype):
        return lambda: TaskCellNetwork(3, 1, genotype, dim=2, dense=True, channels=budget.cell_channels,
                                   cells_per_stage=budget.cells_per_stage)

    def timed(method: str, search: str, epochs: int, fn: Callable[[], tuple[list[float], int, str]]
              ) -> Callable[[], dict]:
        def run() -> dict:
            t0 = time.perf_counter()
            errors, params, cell = fn()
            return {"method": method, "search": search, "epochs": epochs, "rel_l2": float(np.mean(errors)),
                    "params_m": params / 1e6, "seconds": time.perf_counter() - t0, "cell": cell,
                    "test_rel_l2": errors}
        return run

    def mean_solution():
        return problem().mean_solution_errors("test"), 0, ""

    def wrn():
        make = lambda: WideResNet(3, 1, dim=2, dense=True, depth=16, widen=budget.wrn_widen)  # noqa: E731
        return (*_train_and_test(problem(), make, budget.wrn, seed, device), "")

    def fno():
        make = lambda: FNO2d(3, 1, modes=budget.fno_modes)  # noqa: E731
        return (*_train_and_test(problem(), make, budget.fno, seed, device), "")

    def transfer():
        return (*_train_and_test(problem(), cell_net(transfer_cell), budget.cell_retrain, seed, device, True),
                to_string(transfer_cell))

    def random():
        data = problem()

        def evaluate(cell):
            torch.manual_seed(seed)
            model = cell_net(cell)().to(device)
            fit(model, data.x["train"], data.y["train"], data.mean_loss, budget.cell_search, seed)
            score = -data.score(model, "val")
            return score if np.isfinite(score) else -np.inf

        found = random_search(evaluate, budget.random_samples, seed, progress=progress)
        return (*_train_and_test(data, cell_net(found.best), budget.cell_retrain, seed, device, True),
                to_string(found.best))

    def darts():
        data = problem()
        found = darts_search(lambda: cell_net(None)().to(device), data.x["train"], data.y["train"],
                             data.mean_loss, budget.cell_search, budget.darts_arch_lr, seed, progress=progress)
        return (*_train_and_test(data, cell_net(found.genotype), budget.cell_retrain, seed, device, True),
                to_string(found.genotype))

    search_epochs, epochs = budget.cell_search.epochs, budget.epochs
    return [
        (MEAN, timed(MEAN, "none (no model: the train + val mean solution)", 0, mean_solution)),
        (WRN, timed(WRN, f"none (fixed WRN-16-{budget.wrn_widen})", epochs, wrn)),
        (FNO, timed(FNO, "none (hand-designed)", epochs, fno)),
        (TRANSFER, timed(TRANSFER, "searched on CIFAR-100 (NB201 table)", epochs, transfer)),
        (RANDOM, timed(RANDOM, f"{budget.random_samples} random cells x {search_epochs} epochs", epochs, random)),
        (DARTS, timed(DARTS, f"GAEA-style DARTS supernet, {search_epochs} epochs", epochs, darts)),
    ]


MEAN, WRN, FNO, TRANSFER, RANDOM, DARTS = (
    "Mean solution", "WRN (default)", "FNO (expert)", "CIFAR-100-best NB201 cell", "Random cell search",
    "DARTS cell search",
)
METHODS = (MEAN, WRN, FNO, TRANSFER, RANDOM, DARTS)  # in the order of :func:`baseline_methods`

# Our method -> (the paper's closest Table 2 row, the paper's Darcy budget for it).
PAPER_COUNTERPART = {
    WRN: ("WRN default", "WRN-16-4, 200 epochs, SGD-Nesterov lr 1e-3, step x0.2 at 30/60/80 %, batch 8"),
    FNO: ("Expert", "FNO, 500 epochs, Adam lr 1e-3 halved every 100 epochs, batch 20"),
    TRANSFER: ("", "NB360 precompute: NB201 cell, 200 epochs, SGD lr 0.1 cosine, batch 16"),
    RANDOM: ("DenseNAS random", "random DenseNAS nets x 10 epochs (= DenseNAS search cost) + 240 retrain epochs"),
    DARTS: ("DARTS GAEA", "GAEA PC-DARTS, 50 search epochs (8-cell supernet) + 150 retrain epochs, batch 4"),
}
