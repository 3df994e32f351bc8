"""Sparse-propagation one-shot NAS on the NAS-Bench-201 space (AdvantageNAS and its baselines).

The supernet is NAS-Bench-201's skeleton whose cells hold, on each of the six edges, every
candidate op (the ops come from :mod:`nasmeta_lib.spaces.nb201`). A step samples one op per edge
and computes only that op (plus ProxylessNAS's second candidate); every cell shares the sample,
as in the paper. Weights and architecture alternate after a warm-up, following the official code:
the weights take Nesterov SGD (momentum 0.9, weight decay 5e-4, cosine learning rate, gradient
clipping 1.0) on the ``train`` split, the architecture Adam (beta1 0.5, weight decay 0.003,
cosine learning rate) on the ``valid`` split. Every estimator gets the same weight optimiser and
the same number of steps; wall time is recorded so found cells can be compared against time.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import torch
from torch import nn

from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.compute import device
from nasmeta_lib.data import digits
from nasmeta_lib.searchers.estimators import ArchOptimizer, Sample, make
from nasmeta_lib.spaces.nb201 import CellNetwork, NB201Network, make_op


class MixedEdge(nn.Module):
    """All candidate ops of one edge; the forward pass runs only those the sample marks."""

    def __init__(self, ops: tuple[str, ...], C: int):
        super().__init__()
        self.ops = nn.ModuleList(make_op(name, C, C, 1, affine=False) for name in ops)

    def forward(self, x: torch.Tensor, gates: torch.Tensor, computed: list[bool], constant_inactive: bool) -> torch.Tensor:
        out = sum(op(x) * gates[k] for k, op in enumerate(self.ops) if computed[k])
        if constant_inactive:  # GDAS: unsampled gates enter as constants (value 0, gradient kept)
            out = out + sum(gates[k] for k in range(len(self.ops)) if not computed[k])
        return out


class SuperCell(nn.Module):
    """The NB201 cell with a mixed edge per edge; reads the current path from its network."""

    def __init__(self, ops: tuple[str, ...], C: int):
        super().__init__()
        self.edges = nn.ModuleList(MixedEdge(ops, C) for _ in nb201.EDGES)
        self.path: tuple[torch.Tensor, list[list[bool]], bool] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gates, computed, constant = self.path
        nodes = [x]
        for target in range(1, nb201.N_NODES):
            nodes.append(sum(
                edge(nodes[s], gates[i], computed[i], constant)
                for i, (edge, (s, t)) in enumerate(zip(self.edges, nb201.EDGES)) if t == target
            ))
        return nodes[-1]


class SuperNet(CellNetwork):
    """NB201 skeleton of super-cells; ``set_path`` chooses the sub-network of the next forward."""

    def __init__(self, ops: tuple[str, ...], C: int, N: int, num_classes: int = 10):
        self.op_names = tuple(ops)
        super().__init__(lambda width: SuperCell(self.op_names, width), C, N, num_classes)

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

    @property
    def ops(self) -> tuple[str, ...]:
        return nb201.OPS if self.include_none else tuple(o for o in nb201.OPS if o != "none")


def _cosine(lr: float, t: int, total: int) -> float:
    return lr * 0.5 * (1 + math.cos(math.pi * min(t, total) / max(total, 1)))


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize()


def search(cfg: SearchConfig, dev: torch.device | None = None) -> dict:
    """Run one search; returns its config and the argmax cell after every ``eval_every`` arch steps."""
    dev = dev or device()
    torch.manual_seed(cfg.seed)
    data = {k: v.to(dev) for k, v in digits.load(seed=0).items()}
    gen = torch.Generator().manual_seed(cfg.seed)
    train = digits.batches(data["train"], cfg.batch_size, torch.Generator().manual_seed(cfg.seed))
    valid = digits.batches(data["valid"], cfg.batch_size, torch.Generator().manual_seed(cfg.seed + 1))

    net = SuperNet(cfg.ops, cfg.C, cfg.N).to(dev)
    w_opt = torch.optim.SGD(net.parameters(), lr=cfg.weight_lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    theta = torch.zeros(1, len(nb201.EDGES), len(cfg.ops), device=dev, requires_grad=True)
    est = make(cfg.estimator)
    a_opt = ArchOptimizer(theta, cfg.arch_lr)
    warm = int(cfg.warmup * cfg.steps)
    arch_total = (cfg.steps - warm + 1) // 2
    loss_fn = nn.CrossEntropyLoss()

    def record(arch_step: int, seconds: float) -> dict:
        ops = tuple(cfg.ops[k] for k in theta[0].argmax(-1).tolist())
        entropy = -(torch.softmax(theta[0], -1) * torch.log_softmax(theta[0], -1)).sum(-1).mean()
        return {"arch_step": arch_step, "seconds": seconds, "ops": list(ops),
                "nb201_index": nb201.index_of(ops), "entropy": float(entropy.detach())}

    records, arch_step, seconds = [], 0, 0.0
    net.train()
    for t in range(cfg.steps):
        _sync(dev)
        start = time.perf_counter()
        if t >= warm and (t - warm) % 2 == 0:
            progress = arch_step / max(arch_total - 1, 1)
            sample = est.sample(theta.detach(), gen, progress)
            _arch_step(net, est, sample, theta, a_opt, next(valid), loss_fn,
                       _cosine(cfg.arch_lr, arch_step, arch_total))
            arch_step += 1
        else:
            sample = est.sample(theta.detach(), gen, 0.0)
            net.set_path(sample.gates[0], sample.gates[0].bool(), False)
            x, y = next(train)
            for group in w_opt.param_groups:
                group["lr"] = _cosine(cfg.weight_lr, t, cfg.steps)
            w_opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            w_opt.step()
        _sync(dev)
        seconds += time.perf_counter() - start
        if t >= warm and (arch_step % cfg.eval_every == 0 or t == cfg.steps - 1) and (
                not records or records[-1]["arch_step"] != arch_step):
            records.append(record(arch_step, seconds))
    return {"config": asdict(cfg), "records": records, "theta": theta.detach().cpu()[0].tolist()}


def _arch_step(net: SuperNet, est, sample: Sample, theta: torch.Tensor, opt: ArchOptimizer,
               batch: tuple[torch.Tensor, torch.Tensor], loss_fn: nn.Module, lr: float) -> None:
    x, y = batch
    gates = sample.gates[0].clone().requires_grad_(est.needs_gate_grad)
    net.set_path(gates, sample.computed[0], sample.constant_inactive)
    if est.needs_gate_grad:
        loss = loss_fn(net(x), y)
        (gate_grad,) = torch.autograd.grad(loss, gates)
        gate_grad = gate_grad[None]
    else:  # REINFORCE and PARSEC only need the loss: no backward pass
        with torch.no_grad():
            loss = loss_fn(net(x), y)
        gate_grad = None
    grad = est.gradient(theta.detach(), sample, loss.detach()[None], gate_grad)
    if grad is not None:
        opt.step(grad, est, sample, lr=lr)


def train_cell(ops: tuple[str, ...] | list[str], steps: int, C: int = 8, N: int = 1, seed: int = 0,
               lr: float = 0.1, batch_size: int = 64, dev: torch.device | None = None) -> float:
    """Our own short evaluation of a found cell: train it from scratch on train+valid, test accuracy (%)."""
    dev = dev or device()
    torch.manual_seed(seed)
    data = {k: v.to(dev) for k, v in digits.load(seed=0).items()}
    fit = digits.Split(torch.cat([data["train"].x, data["valid"].x]), torch.cat([data["train"].y, data["valid"].y]))
    net = NB201Network(tuple(ops), C=C, N=N, num_classes=10).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    net.train()
    for t, (x, y) in zip(range(steps), digits.batches(fit, batch_size, torch.Generator().manual_seed(seed))):
        for group in opt.param_groups:
            group["lr"] = _cosine(lr, t, steps)
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        pred = net(data["test"].x).argmax(-1)
    return float((pred == data["test"].y).float().mean() * 100)
