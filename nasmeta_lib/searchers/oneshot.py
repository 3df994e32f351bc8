"""Sparse-propagation one-shot NAS on the NAS-Bench-201 space (AdvantageNAS and its baselines).

The supernet is NAS-Bench-201's skeleton whose cells hold, on each of the six edges, every
candidate op (the ops come from :mod:`nasmeta_lib.spaces.nb201`). A step samples one op per edge
and computes only that op (plus ProxylessNAS's second candidate); every cell shares the sample,
as in the paper. Weights and architecture alternate after a warm-up, following the official code:
the weights take Nesterov SGD (momentum 0.9, weight decay 5e-4, cosine learning rate, gradient
clipping 1.0) on one half of CIFAR-10's training set, the architecture Adam (beta1 0.5, weight
decay 0.003, cosine learning rate) on the other half (:func:`nasmeta_lib.data.cifar10.search_split`,
25,000 images each, as in the official code; no augmentation). Every estimator gets the same
weight optimiser and the same number of steps. Time axes come from step counts times per-step costs measured one
step at a time in one process (:func:`step_costs`), not from wall clock, which on a shared
machine mixes the cost of a step with the load of other work.
"""

from __future__ import annotations

import functools
import math
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import numpy as np
import torch
from torch import nn

from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.compute import device
from nasmeta_lib.data import cifar10
from nasmeta_lib.searchers.estimators import ArchOptimizer, make
from nasmeta_lib.spaces.nb201 import Cell, CellNetwork, NB201Network, make_op


class MixedEdge(nn.Module):
    """All candidate ops of one edge; the forward pass runs only those the sample marks."""

    def __init__(self, ops: tuple[str, ...], C_in: int, C_out: int, stride: int, affine: bool = True,
                 track_running_stats: bool = True, dim: int = 2):
        super().__init__()
        self.ops = nn.ModuleList(make_op(name, C_in, C_out, stride, affine, track_running_stats, dim=dim)
                                 for name in ops)

    def forward(self, x: torch.Tensor, gates: torch.Tensor, computed: list[bool], constant_inactive: bool) -> torch.Tensor:
        out = sum(op(x) * gates[k] for k, op in enumerate(self.ops) if computed[k])
        if constant_inactive:  # GDAS: unsampled gates enter as constants (value 0, gradient kept)
            out = out + sum(gates[k] for k in range(len(self.ops)) if not computed[k])
        return out


class SuperCell(Cell):
    """The NB201 cell with a mixed edge per edge (BatchNorm without affine parameters); reads the
    current path from its network."""

    def __init__(self, ops: tuple[str, ...], C: int):
        super().__init__(("mixed",) * len(nb201.EDGES), C, C, affine=False,
                         op_table={"mixed": functools.partial(MixedEdge, ops)})
        self.path: tuple[torch.Tensor, list[list[bool]], bool] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gates, computed, constant = self.path
        return super().forward(x, gates, computed, [constant] * len(self.edge_ops))


class SuperNet(CellNetwork):
    """NB201 skeleton of super-cells; ``set_path`` chooses the sub-network of the next forward."""

    def __init__(self, ops: tuple[str, ...], C: int, N: int, num_classes: int = 10):
        self.op_names = tuple(ops)
        super().__init__(lambda C_in, C_out: SuperCell(self.op_names, C_out), C, N, num_classes)

    def set_path(self, gates: torch.Tensor, computed: torch.Tensor, constant_inactive: bool) -> None:
        flags = computed.cpu().tolist()
        for module in self.modules():
            if isinstance(module, SuperCell):
                module.path = (gates, flags, constant_inactive)


@dataclass(frozen=True)
class SearchConfig:
    """One search run; the defaults are the quick profile's tiny supernet."""

    estimator: str
    seed: int = 0
    steps: int = 600  # weight + architecture iterations together
    warmup: float = 0.5  # share of steps that train weights only (paper: 50 of 90 epochs)
    C: int = 8
    N: int = 1
    batch_size: int = 64
    weight_lr: float = 0.1
    arch_lr: float = 0.01
    eval_every: int = 25  # architecture steps between recorded argmax cells
    include_none: bool = True
    split_seed: int = 0  # which 25k/25k halves of the CIFAR-10 training set (the same for every run compared)

    @property
    def ops(self) -> tuple[str, ...]:
        return nb201.OPS if self.include_none else tuple(o for o in nb201.OPS if o != "none")


def _cosine(lr: float, t: int, total: int) -> float:
    return lr * 0.5 * (1 + math.cos(math.pi * min(t, total) / max(total, 1)))


def step_counts(steps: int, warmup: float) -> tuple[int, int, int]:
    """How :func:`search` splits ``steps`` iterations: ``(warm-up, weight, architecture)`` step
    counts. The warm-up trains weights only, then weight and architecture steps alternate
    (architecture first); the weight steps include the warm-up's."""
    warm = int(warmup * steps)
    arch = (steps - warm + 1) // 2
    return warm, steps - arch, arch


@lru_cache(maxsize=1)
def _cifar10_train() -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10's 50,000 training images (uint8), read once per process: every search shares them."""
    return cifar10.load("train")


@lru_cache(maxsize=1)
def search_data(split_seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The two halves of the CIFAR-10 training set: ``train`` for the weights, ``valid`` for the
    architecture (uint8 images and labels; the test set is never searched on). Cached: the searches
    of one process share one copy (read only)."""
    images, labels = _cifar10_train()
    halves = cifar10.search_split(split_seed)
    return {name: (images[idx], labels[idx]) for name, idx in zip(("train", "valid"), halves)}


def _endless(data: tuple[np.ndarray, np.ndarray], batch_size: int, seed: int,
             dev: torch.device) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Normalised full mini-batches on ``dev``, epoch after epoch, each epoch reshuffled."""
    rng = np.random.default_rng(seed)
    while True:
        for x, y in cifar10.batches(*data, batch_size, seed=int(rng.integers(2**32)), drop_last=True):
            yield x.to(dev), y.to(dev)


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize()


class Search:
    """One search's state; :meth:`weight_step` and :meth:`arch_step` are its two kinds of step.

    Kept apart from the loop in :func:`search` so that :func:`step_costs` can time each kind of
    step of each estimator on its own.
    """

    def __init__(self, cfg: SearchConfig, dev: torch.device):
        self.cfg, self.dev = cfg, dev
        torch.manual_seed(cfg.seed)
        data = search_data(cfg.split_seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.train = _endless(data["train"], cfg.batch_size, cfg.seed, dev)
        self.valid = _endless(data["valid"], cfg.batch_size, cfg.seed + 1, dev)
        self.net = SuperNet(cfg.ops, cfg.C, cfg.N).to(dev)
        self.w_opt = torch.optim.SGD(self.net.parameters(), lr=cfg.weight_lr, momentum=0.9, nesterov=True,
                                     weight_decay=5e-4)
        self.theta = torch.zeros(1, len(nb201.EDGES), len(cfg.ops), device=dev, requires_grad=True)
        self.est = make(cfg.estimator)
        self.a_opt = ArchOptimizer(self.theta, cfg.arch_lr)
        self.warm, _, self.arch_total = step_counts(cfg.steps, cfg.warmup)
        self.loss_fn = nn.CrossEntropyLoss()
        self.weight_steps = self.arch_steps = 0
        self.net.train()

    def weight_step(self) -> None:
        """Train the weights of one sampled path on a ``train`` batch."""
        sample = self.est.sample(self.theta.detach(), self.gen, 0.0)
        self.net.set_path(sample.gates[0], sample.gates[0].bool(), False)
        x, y = next(self.train)
        for group in self.w_opt.param_groups:
            group["lr"] = _cosine(self.cfg.weight_lr, self.weight_steps + self.arch_steps, self.cfg.steps)
        self.w_opt.zero_grad(set_to_none=True)
        self.loss_fn(self.net(x), y).backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)
        self.w_opt.step()
        self.weight_steps += 1

    def arch_step(self) -> None:
        """One estimate of the architecture gradient on a ``valid`` batch, and the logits' update."""
        est, x_y = self.est, next(self.valid)
        sample = est.sample(self.theta.detach(), self.gen, self.arch_steps / max(self.arch_total - 1, 1))
        gates = sample.gates[0].clone().requires_grad_(est.needs_gate_grad)
        self.net.set_path(gates, sample.computed[0], sample.constant_inactive)
        if est.needs_gate_grad:
            loss = self.loss_fn(self.net(x_y[0]), x_y[1])
            (gate_grad,) = torch.autograd.grad(loss, gates)
            gate_grad = gate_grad[None]
        else:  # REINFORCE, PARSEC and random search only need the loss: no backward pass
            with torch.no_grad():
                loss = self.loss_fn(self.net(x_y[0]), x_y[1])
            gate_grad = None
        grad = est.gradient(self.theta.detach(), sample, loss.detach()[None], gate_grad)
        if grad is not None:
            self.a_opt.step(grad, est, sample, lr=_cosine(self.cfg.arch_lr, self.arch_steps, self.arch_total))
        self.arch_steps += 1

    def record(self) -> dict:
        """The recommended cell now, with the step counts that place it on a time axis."""
        ops = tuple(self.cfg.ops[k] for k in self.est.recommend(self.theta)[0].tolist())
        entropy = -(torch.softmax(self.theta[0], -1) * torch.log_softmax(self.theta[0], -1)).sum(-1).mean()
        return {"arch_step": self.arch_steps, "weight_steps": self.weight_steps, "ops": list(ops),
                "nb201_index": nb201.index_of(ops), "entropy": float(entropy.detach())}


def search(cfg: SearchConfig, dev: torch.device | None = None) -> dict:
    """Run one search; returns its config and the recommended cell at the end of the warm-up and
    after every ``eval_every`` architecture steps.

    No wall time is recorded: runs share machines with other work, so time axes are built from
    the step counts and per-step costs measured apart (:func:`step_costs`).
    """
    s = Search(cfg, dev or device())
    records = []
    for t in range(cfg.steps):
        if t == s.warm:  # the start of the architecture phase, where every search still recommends alike
            records.append(s.record())
        if t >= s.warm and (t - s.warm) % 2 == 0:
            s.arch_step()
        else:
            s.weight_step()
        at_mark = t >= s.warm and (s.arch_steps % cfg.eval_every == 0 or t == cfg.steps - 1)
        if at_mark and records[-1]["arch_step"] != s.arch_steps:
            records.append(s.record())
    return {"config": asdict(cfg), "records": records, "theta": s.theta.detach().cpu()[0].tolist()}


def step_costs(cfg: SearchConfig, estimators: list[str], repeats: int, dev: torch.device | None = None,
               clock: Callable[[], float] = time.perf_counter) -> list[dict]:
    """Seconds per weight step and per architecture step of each estimator, measured in this process
    one step at a time, estimators interleaved round by round (so a burst of load elsewhere hits
    all of them), after a few untimed steps; the median over ``repeats`` rounds.

    A weight step does the same work whatever the estimator (train one sampled path), so its cost
    is the median over all of them: differences between estimators there could only be noise.
    ``clock`` is wall time by default (it counts a GPU's work); ``time.process_time`` gives this
    process's CPU seconds, which other work on a shared CPU inflates less.
    """
    dev = dev or device()
    searches = {e: Search(replace(cfg, estimator=e), dev) for e in estimators}
    for s in searches.values():  # untimed warm-up: first calls allocate and pick kernels
        for _ in range(3):
            s.weight_step()
            s.arch_step()
    times: dict[tuple[str, str], list[float]] = {(e, k): [] for e in estimators for k in ("weight", "arch")}
    for _ in range(repeats):
        for e, s in searches.items():
            for kind, step in (("weight", s.weight_step), ("arch", s.arch_step)):
                _sync(dev)
                start = clock()
                step()
                _sync(dev)
                times[(e, kind)].append(clock() - start)
    weight = statistics.median(t for e in estimators for t in times[(e, "weight")])
    return [{"estimator": e, "weight_step_seconds": weight, "arch_step_seconds": statistics.median(times[(e, "arch")]),
             "repeats": repeats} for e in estimators]


def train_cell(ops: tuple[str, ...] | list[str], steps: int, C: int = 8, N: int = 1, seed: int = 0,
               lr: float = 0.1, batch_size: int = 64, test_images: int = 10_000,
               dev: torch.device | None = None) -> float:
    """Our own short evaluation of a found cell: train it from scratch on CIFAR-10's 50,000 training
    images for ``steps`` mini-batches, then its accuracy (%) on ``test_images`` test images.

    The test images are a seeded sample (seed 0) of the test set, the same for every cell, since the
    test set is stored class by class. A short training ranks cells only roughly; the NB201 table's
    200-epoch accuracy is the paper's score.
    """
    dev = dev or device()
    torch.manual_seed(seed)
    net = NB201Network(tuple(ops), C=C, N=N, num_classes=10).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    net.train()
    for t, (x, y) in zip(range(steps), _endless(_cifar10_train(), batch_size, seed, dev)):
        for group in opt.param_groups:
            group["lr"] = _cosine(lr, t, steps)
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        opt.step()
    images, labels = cifar10.load("test")
    pick = np.sort(np.random.default_rng(0).permutation(len(labels))[:test_images])
    net.eval()
    correct = 0
    with torch.no_grad():
        for x, y in cifar10.batches(images[pick], labels[pick], 500, seed=None):
            correct += int((net(x.to(dev)).argmax(-1) == y.to(dev)).sum())
    return 100.0 * correct / len(pick)
