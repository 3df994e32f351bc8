"""A controlled NAS problem whose expected loss is exact: NB201 cells with tabulated losses.

The architecture distribution is categorical per edge (6 edges x K ops); every cell's loss is
fixed and read from a benchmark table, so ``J(theta) = sum_a p_theta(a) L(a)`` is computed
exactly by contracting the ``K^6`` loss tensor with the six edge distributions. This isolates
the estimators' statistics (bias, variance, monotone improvement) from weight training.

The loss is the normalised regret ``(best - acc) / (best - worst)`` in [0, 1], comparable across
tasks. The tabular counterpart of a gate gradient (the credit of op ``k`` on edge ``i``) is the
exact loss change of switching that edge from the zero op to ``k``:
``L(a with a_i = k) - L(a with a_i = none)`` -- the quantity the supernet's ``<dL/dy_i, y_i>``
approximates to first order. Only the ops a sparse forward pass computes get one; GDAS's
constant-gate gradients of unsampled ops have no tabular counterpart and are zero here.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
import torch

from nasmeta_lib import benchmarks
from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.searchers.estimators import ArchOptimizer, Reinforce, make

N_EDGES = len(nb201.EDGES)
ALL_OPS = nb201.OPS
NONE = ALL_OPS.index("none")


@dataclass(eq=False)
class TabularProblem:
    """Fixed losses of every NB201 cell; ``ops`` are the candidate ops searched over."""

    full: torch.Tensor  # (5,)*6 normalised regret, axes in nb201.EDGES order, ops in nb201.OPS order
    ops: tuple[str, ...]
    setting: str

    def __post_init__(self) -> None:
        self.op_ids = torch.tensor([ALL_OPS.index(o) for o in self.ops])
        self._flat = self.full.reshape(-1)
        self._strides = torch.tensor([len(ALL_OPS) ** (N_EDGES - 1 - i) for i in range(N_EDGES)])
        grids = torch.meshgrid(*[self.op_ids] * N_EDGES, indexing="ij")
        self.losses = self.full[grids]  # (K,)*6 over the searched ops

    @property
    def K(self) -> int:
        return len(self.ops)

    def _lookup(self, full_codes: torch.Tensor) -> torch.Tensor:
        return self._flat[(full_codes * self._strides).sum(-1)]

    def loss(self, active: torch.Tensor) -> torch.Tensor:
        """``L(a)`` for positions ``active`` (..., 6) into ``self.ops``."""
        return self._lookup(self.op_ids[active])

    def credit(self, active: torch.Tensor) -> torch.Tensor:
        """(..., 6, K): ``L(a with a_i = k) - L(a with a_i = none)`` for every edge and op."""
        codes = self.op_ids[active]
        base = codes[..., None, :].expand(*codes.shape[:-1], N_EDGES, N_EDGES).clone()
        eye = torch.eye(N_EDGES, dtype=torch.bool)
        zeroed = torch.where(eye, torch.full_like(base, NONE), base)
        switched = base[..., None, :].expand(*base.shape[:-1], self.K, N_EDGES).clone()
        switched = torch.where(eye[:, None, :], self.op_ids[None, :, None].expand_as(switched), switched)
        return self._lookup(switched) - self._lookup(zeroed)[..., None]

    @functools.cache
    def enumeration(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Every searched cell (K^6, 6), its loss, and the credit of its own op on each edge."""
        cells = torch.tensor(list(itertools.product(range(self.K), repeat=N_EDGES)))
        credit = torch.gather(self.credit(cells), -1, cells[..., None])[..., 0]
        return cells, self.loss(cells), credit

    def gate_grad(self, active: torch.Tensor, computed: torch.Tensor) -> torch.Tensor:
        return torch.where(computed, self.credit(active), torch.zeros(()))

    def expected_loss(self, theta: torch.Tensor) -> torch.Tensor:
        """Exact ``J(theta)`` for logits (B, 6, K) -> (B,)."""
        p = torch.softmax(theta, -1)
        t = self.losses.expand(p.shape[0], *self.losses.shape)
        for i in range(N_EDGES):  # contract the first remaining edge axis each time
            t = torch.einsum("bk,bk...->b...", p[:, i], t)
        return t

    def grad_expected_loss(self, theta: torch.Tensor) -> torch.Tensor:
        theta = theta.detach().clone().requires_grad_(True)
        self.expected_loss(theta).sum().backward()
        return theta.grad


def from_benchmark(benchmark: str = "nb201_full", task: str = "cifar100", include_none: bool = True) -> TabularProblem:
    """The NB201 loss table of one setting (every one of the 15,625 cells must be present)."""
    frame = benchmarks.load(benchmark, task).frame
    if benchmarks.setting(benchmark, task).space != "nb201" or len(frame) != nb201.N_ARCHS:
        raise ValueError(f"{benchmark}/{task} is not a complete NB201 table ({len(frame)} rows)")
    acc = np.full((len(ALL_OPS),) * N_EDGES, np.nan)
    for ops, value in zip(frame["ops"], frame["accuracy"]):
        acc[tuple(ALL_OPS.index(o) for o in ops)] = value
    regret = (np.nanmax(acc) - acc) / (np.nanmax(acc) - np.nanmin(acc))
    ops = ALL_OPS if include_none else tuple(o for o in ALL_OPS if o != "none")
    return TabularProblem(torch.tensor(regret, dtype=torch.float64), ops, f"{benchmark}/{task}")


def additive(problem: TabularProblem) -> TabularProblem:
    """Main-effects fit of a table, ``L(a) = sum_i c[i, a_i]`` (least squares), rescaled to [0, 1].

    A loss with known per-op contributions: an edge's credit no longer depends on the other
    edges, the case credit assignment is built for. Contrasting it with the raw table shows
    what the interactions between edges (a zeroed edge can cut the cell) do to the estimators.

    The table holds every cell once (a balanced full factorial), so the fit has a closed form:
    the mean loss plus, per edge, the mean loss of the cells with that op there minus the mean.
    It is exact and the same on every call, which a least-squares solver on the rank-deficient
    one-hot design was not (its answer changed from call to call).
    """
    full = problem.full.numpy()
    mean = full.mean()
    fitted = mean + sum(full.mean(axis=tuple(j for j in range(N_EDGES) if j != i), keepdims=True) - mean
                        for i in range(N_EDGES))
    fitted = (fitted - fitted.min()) / (fitted.max() - fitted.min())
    return TabularProblem(torch.from_numpy(fitted), problem.ops, f"additive fit of {problem.setting}")


def load(setting: str, include_none: bool = True) -> TabularProblem:
    """``"nb201_full/<task>"`` (the table) or ``"additive/<task>"`` (its main-effects fit)."""
    kind, _, task = setting.partition("/")
    if kind == "additive":
        return additive(from_benchmark("nb201_full", task, include_none))
    return from_benchmark(kind, task, include_none)


def run(problem: TabularProblem, estimator: str, seeds: int, iterations: int, lr: float, seed: int = 0) -> np.ndarray:
    """``seeds`` independent stochastic searches side by side; returns exact J, shape (seeds, iterations + 1)."""
    gen = torch.Generator().manual_seed(seed)
    theta = torch.zeros(seeds, N_EDGES, problem.K, dtype=torch.float64, requires_grad=True)
    est, opt = make(estimator, seeds), ArchOptimizer(theta, lr)
    history = [problem.expected_loss(theta.detach())]
    for t in range(iterations):
        sample = est.sample(theta.detach(), gen, t / max(iterations - 1, 1))
        loss = problem.loss(sample.active)
        grad = est.gradient(theta.detach(), sample, loss, problem.gate_grad(sample.active, sample.computed))
        if grad is not None:
            opt.step(grad, est, sample)
        history.append(problem.expected_loss(theta.detach()))
    return torch.stack(history, 1).numpy()


BASELINES = ("moving-average", "oracle")
BURN_IN = 100  # steps at a fixed distribution before measuring: the EMA baseline forgets its start (0.95^100 < 1%)


def moments(problem: TabularProblem, estimator: str, theta: torch.Tensor, n: int, seed: int = 0,
            progress: float = 0.5, baseline: str = "moving-average") -> dict:
    """Monte Carlo mean and total variance of one estimator's step at ``theta`` (6, K), vs exact grad J.

    REINFORCE's baseline is the paper's moving average of past losses, in its steady state at
    ``theta`` (``BURN_IN`` steps of updates first), or with ``baseline="oracle"`` the exact
    ``J(theta)``, which no search knows and which favours REINFORCE. PARSEC's step uses its 8 samples.
    """
    if baseline not in BASELINES:
        raise ValueError(f"unknown REINFORCE baseline {baseline!r}; choose one of {', '.join(BASELINES)}")
    if estimator == "random":
        raise ValueError("random search takes no gradient step: it has no moments to measure")
    gen = torch.Generator().manual_seed(seed)
    thetas = theta.expand(n, *theta.shape).clone()
    est = make(estimator, n)
    if isinstance(est, Reinforce):
        if baseline == "oracle":
            est.baseline = problem.expected_loss(theta[None]).expand(n).clone()
        else:
            for _ in range(BURN_IN):
                est.observe(problem.loss(est.sample(thetas, gen, progress).active))
    grad = None
    while grad is None:
        sample = est.sample(thetas, gen, progress)
        loss = problem.loss(sample.active)
        grad = est.gradient(thetas, sample, loss, problem.gate_grad(sample.active, sample.computed))
    exact = problem.grad_expected_loss(theta[None])[0]
    mean = grad.mean(0)
    cos = torch.nn.functional.cosine_similarity(mean.flatten(), exact.flatten(), dim=0)
    variance = grad.var(0).sum()
    return {
        "estimator": estimator if baseline == "moving-average" else f"{estimator} ({baseline} baseline)",
        "cosine_to_grad": float(cos),
        "relative_bias": float((mean - exact).norm() / exact.norm()),
        "total_variance": float(variance),
        "noise_to_signal": float(variance / mean.norm() ** 2),
    }


def exact_expected_step(problem: TabularProblem, theta: torch.Tensor, estimator: str) -> torch.Tensor:
    """``E[step]`` by enumerating every cell (AdvantageNAS, or REINFORCE with baseline J(theta))."""
    cells, losses, credit = problem.enumeration()
    p = torch.softmax(theta, -1)  # (6, K)
    prob = p[torch.arange(N_EDGES), cells].prod(-1)  # (K^6,)
    score = torch.nn.functional.one_hot(cells, problem.K).to(p.dtype) - p  # (K^6, 6, K)
    if estimator == "advantagenas":
        weight = credit[..., None]  # (K^6, 6, 1)
    elif estimator == "reinforce":
        weight = (losses - problem.expected_loss(theta[None]))[:, None, None]
    else:
        raise ValueError(f"the exact expectation is enumerated for advantagenas and reinforce, not {estimator!r}")
    return (prob[:, None, None] * weight * score).sum(0)


def expected_update_path(problem: TabularProblem, estimator: str, steps: int, step_size: float,
                         theta0: torch.Tensor | None = None) -> dict:
    """Plain descent along the exact expected step: J per step and the largest deviation from grad J."""
    theta = torch.zeros(N_EDGES, problem.K, dtype=torch.float64) if theta0 is None else theta0.clone()
    losses, deviation = [float(problem.expected_loss(theta[None]))], 0.0
    for _ in range(steps):
        step = exact_expected_step(problem, theta, estimator)
        exact = problem.grad_expected_loss(theta[None])[0]
        deviation = max(deviation, float((step - exact).abs().max() / exact.abs().max().clamp_min(1e-300)))
        theta = theta - step_size * step
        losses.append(float(problem.expected_loss(theta[None])))
    return {"losses": losses, "max_relative_deviation": deviation}
