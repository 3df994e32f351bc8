"""Training a predictor from few labelled architectures: from scratch, pretrained, meta-learned.

Everything is functional (``torch.func``): parameters are a dict of tensors, a task is a dict
of stacked tensors, and training loops are plain functions, so that

- MAML's second-order meta-gradient is ``grad`` of a loss computed after ``grad``-based inner
  steps (no hand-written Hessian code); its first-order variant (FOMAML) takes the query-loss
  gradient at the adapted parameters instead;
- a meta-batch of tasks, or the seeds of an evaluation, run in one ``vmap`` call: the small
  predictors here are launch-bound, and batching is what makes the full profile affordable.

One loop serves every way of using the meta-training settings; only the gradient fed to the
outer Adam optimiser differs (see :func:`outer_gradient`): ``pretrain`` (plain multi-task
regression, then fine-tuning), ``maml``, ``fomaml`` and ``reptile``.

A negative control runs one of them on settings whose targets are permuted within each setting
(:func:`permute_targets`): the same procedure and the same inputs, but nothing to learn about
which architectures are good. Whatever such a start gains over from-scratch training comes
from the procedure (weight scale, adaptation dynamics), not from knowledge of NAS tasks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, stack_module_state, vmap

from nasmeta_lib import stats
from nasmeta_lib.predictors.encodings import EncodedSetting

Params = dict[str, torch.Tensor]
Batch = dict[str, torch.Tensor]
OUTER_METHODS = ("pretrain", "maml", "fomaml", "reptile")
# Negative controls: name -> the outer method run on permuted targets (see permute_targets).
CONTROLS = {"maml_permuted": "maml"}
INPUTS = ("x", "adj", "mask", "z", "zmask")


@dataclass(frozen=True)
class MetaConfig:
    """Hyper-parameters of meta-training and of adaptation to a new setting."""

    iterations: int = 200  # outer steps
    meta_batch: int = 8  # tasks per outer step
    train_shots: int = 20  # support size of a meta-training task
    query: int = 64  # query size of a meta-training task
    inner_steps: int = 5  # SGD steps on the support set (meta-training)
    inner_lr: float = 0.05
    outer_lr: float = 1e-3
    test_steps: int = 20  # SGD steps on the held-out support set (transferred predictors)
    scratch_steps: int = 150  # Adam steps for a predictor trained from scratch
    scratch_lr: float = 1e-2


def params_of(model: nn.Module) -> Params:
    return {k: v.detach().clone() for k, v in model.named_parameters()}


def predict(model: nn.Module, params: Params, batch: Batch) -> torch.Tensor:
    return functional_call(model, params, tuple(batch[k] for k in INPUTS))


def mse(model: nn.Module, params: Params, batch: Batch) -> torch.Tensor:
    return ((predict(model, params, batch) - batch["y"]) ** 2).mean()


def standardise(task: dict[str, Batch]) -> dict[str, Batch]:
    """Targets z-scored with the *support* set's statistics: all a few-shot user knows."""
    y = task["support"]["y"]
    mu, sd = y.mean(-1, keepdim=True), y.std(-1, keepdim=True).clamp(min=1e-6)
    return {part: {**b, "y": (b["y"] - mu) / sd} for part, b in task.items()}


def sgd_adapt(model: nn.Module, params: Params, support: Batch, steps: int, lr: float) -> Params:
    """``steps`` full-batch SGD steps (differentiable through the steps when under ``grad``)."""
    loss_grad = grad(lambda p: mse(model, p, support))
    for _ in range(steps):
        g = loss_grad(params)
        params = {k: p - lr * g[k] for k, p in params.items()}
    return params


def adam_fit(model: nn.Module, params: Params, data: Batch, steps: int, lr: float) -> Params:
    """Full-batch Adam written functionally, so that ``vmap`` can train many seeds at once."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    m = {k: torch.zeros_like(p) for k, p in params.items()}
    v = {k: torch.zeros_like(p) for k, p in params.items()}
    loss_grad = grad(lambda p: mse(model, p, data))
    for t in range(1, steps + 1):
        g = loss_grad(params)
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in params}
        v = {k: b2 * v[k] + (1 - b2) * g[k] ** 2 for k in params}
        params = {
            k: p - lr * (m[k] / (1 - b1**t)) / ((v[k] / (1 - b2**t)).sqrt() + eps) for k, p in params.items()
        }
    return params


def outer_gradient(method: str, model: nn.Module, params: Params, tasks: dict[str, Batch], cfg: MetaConfig) -> Params:
    """The gradient the outer optimiser follows, for a meta-batch of (standardised) tasks.

    - pretrain: gradient of the regression loss on support + query, no adaptation;
    - maml: gradient through ``inner_steps`` SGD steps on the support, loss on the query;
    - fomaml: the query-loss gradient at the adapted parameters, applied to the initial ones
      (first order: no differentiation through the inner steps);
    - reptile: ``params - mean(adapted params)`` after SGD on support + query.
    """
    both = {k: torch.cat([tasks["support"][k], tasks["query"][k]], dim=1) for k in tasks["support"]}
    if method == "pretrain":
        return grad(lambda p: vmap(lambda b: mse(model, p, b))(both).mean())(params)
    if method == "maml":
        def task_loss(p: Params, support: Batch, query: Batch) -> torch.Tensor:
            return mse(model, sgd_adapt(model, p, support, cfg.inner_steps, cfg.inner_lr), query)

        return grad(lambda p: vmap(task_loss, in_dims=(None, 0, 0))(p, tasks["support"], tasks["query"]).mean())(params)
    if method == "fomaml":
        def task_grad(support: Batch, query: Batch) -> Params:
            adapted = sgd_adapt(model, params, support, cfg.inner_steps, cfg.inner_lr)
            return grad(lambda a: mse(model, a, query))(adapted)  # gradient at the adapted point

        return {k: v.mean(0) for k, v in vmap(task_grad)(tasks["support"], tasks["query"]).items()}
    if method == "reptile":
        adapted = vmap(lambda b: sgd_adapt(model, params, b, cfg.inner_steps, cfg.inner_lr), in_dims=0)(both)
        return {k: p - adapted[k].mean(0) for k, p in params.items()}
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(OUTER_METHODS)}")


def permute_targets(setting: EncodedSetting, seed: int) -> EncodedSetting:
    """``setting`` with its accuracies shuffled among its architectures (a fixed permutation per
    seed): inputs and target distribution unchanged, their link destroyed."""
    perm = torch.randperm(len(setting), generator=torch.Generator().manual_seed(seed))
    return dataclasses.replace(setting, y=setting.y[perm])


class TaskSampler:
    """Draws few-shot regression tasks (support + query) from one pool of settings."""

    def __init__(self, settings: list[EncodedSetting], shots: int, query: int, generator: torch.Generator):
        usable = [s for s in settings if len(s) >= shots + query]
        if not usable:
            raise ValueError(f"no meta-training setting has {shots + query} architectures")
        self.settings, self.shots, self.query, self.gen = usable, shots, query, generator

    def sample(self, n_tasks: int) -> dict[str, Batch]:
        picks = torch.randint(len(self.settings), (n_tasks,), generator=self.gen)
        parts: dict[str, list[Batch]] = {"support": [], "query": []}
        for i in picks.tolist():
            s = self.settings[i]
            idx = torch.randperm(len(s), generator=self.gen)[: self.shots + self.query]
            parts["support"].append(s.take(idx[: self.shots]))
            parts["query"].append(s.take(idx[self.shots:]))
        return {part: stack(batches) for part, batches in parts.items()}


def stack(batches: list[Batch]) -> Batch:
    return {k: torch.stack([b[k] for b in batches]) for k in batches[0]}


def to(batch: Batch, device: torch.device) -> Batch:
    return {k: v.to(device) for k, v in batch.items()}


def meta_train(
    method: str,
    build: Callable[[], nn.Module],
    pools: list[list[EncodedSetting]],
    cfg: MetaConfig,
    seed: int,
    device: torch.device,
    progress: Callable[[Iterable, str], Iterable] = lambda it, desc: it,
) -> Params:
    """Initial parameters learned by ``method`` (see :func:`outer_gradient`), one per pool.

    Each pool is one fold (e.g. every setting but the held-out one); the folds are trained
    side by side in one ``vmap``, so the result has a leading fold dimension.
    """
    torch.manual_seed(seed)
    model = build().to(device)
    samplers = [TaskSampler(pool, cfg.train_shots, cfg.query, torch.Generator().manual_seed(seed + i)) for i, pool in enumerate(pools)]
    leaves = {
        k: p.detach().unsqueeze(0).repeat(len(pools), *[1] * p.dim()).requires_grad_(True)
        for k, p in model.named_parameters()
    }
    opt = torch.optim.Adam(leaves.values(), lr=cfg.outer_lr)  # element-wise: independent per fold
    fold_gradient = vmap(lambda p, t: outer_gradient(method, model, p, standardise(t), cfg))
    for _ in progress(range(cfg.iterations), f"meta-train {method}"):
        tasks = [s.sample(cfg.meta_batch) for s in samplers]
        tasks = {part: to(stack([t[part] for t in tasks]), device) for part in ("support", "query")}
        g = fold_gradient({k: p.detach() for k, p in leaves.items()}, tasks)
        for k, p in leaves.items():
            p.grad = g[k].detach()
        opt.step()
    return {k: p.detach() for k, p in leaves.items()}


def episodes(setting: EncodedSetting, shots: int, seeds: list[int], n_query: int) -> dict[str, Batch]:
    """Per seed, ``shots`` labelled architectures and ``n_query`` others to rank (stacked)."""
    if len(setting) < shots + n_query:
        raise ValueError(f"{setting.key}: {len(setting)} architectures < {shots} shots + {n_query} query")
    parts: dict[str, list[Batch]] = {"support": [], "query": []}
    for seed in seeds:
        perm = torch.randperm(len(setting), generator=torch.Generator().manual_seed(seed))
        parts["support"].append(setting.take(perm[:shots]))
        parts["query"].append(setting.take(perm[shots: shots + n_query]))
    return {part: stack(batches) for part, batches in parts.items()}


def evaluate(
    build: Callable[[], nn.Module],
    inits: Params | None,
    targets: list[EncodedSetting],
    shots: int,
    seeds: list[int],
    cfg: MetaConfig,
    n_query: int,
    device: torch.device,
    adapt: str = "sgd",
) -> np.ndarray:
    """Adapt to ``shots`` labelled architectures of each target, once per seed, and rank the
    query: returns Spearman rho and Kendall tau, shape [targets, seeds, 2].

    ``inits=None`` trains from scratch (fresh initialisation per seed, Adam); otherwise
    ``inits`` holds one transferred initialisation per target (leading dimension), adapted with
    the SGD steps the meta-learner used (``adapt="sgd"``) or with the from-scratch recipe
    (``adapt="adam"``: same optimiser and steps, only the starting point differs). All runs go
    through one ``vmap``.
    """
    if adapt not in ("sgd", "adam"):
        raise ValueError(f"unknown adaptation {adapt!r}; choose sgd or adam")
    n_seeds = len(seeds)
    per_target = [standardise(episodes(t, shots, seeds, n_query)) for t in targets]
    tasks = {
        part: to({k: v.flatten(0, 1) for k, v in stack([t[part] for t in per_target]).items()}, device)
        for part in ("support", "query")
    }
    model = build().to(device)
    if inits is None:
        fresh = []
        for i in range(len(targets)):
            for seed in seeds:
                torch.manual_seed(10_000 * (i + 1) + seed)
                fresh.append(build().to(device))
        params, _ = stack_module_state(fresh)
        params = {k: v.detach() for k, v in params.items()}
        adapted = vmap(lambda p, s: adam_fit(model, p, s, cfg.scratch_steps, cfg.scratch_lr))(params, tasks["support"])
    else:
        params = {k: v.to(device).repeat_interleave(n_seeds, dim=0) for k, v in inits.items()}
        if adapt == "adam":
            adapted = vmap(lambda p, s: adam_fit(model, p, s, cfg.scratch_steps, cfg.scratch_lr))(params, tasks["support"])
        else:
            adapted = vmap(lambda p, s: sgd_adapt(model, p, s, cfg.test_steps, cfg.inner_lr))(params, tasks["support"])
    with torch.no_grad():
        preds = vmap(lambda p, q: predict(model, p, q))(adapted, tasks["query"]).cpu().numpy()
    truth = tasks["query"]["y"].cpu().numpy()
    scores = [[stats.spearman(p, t), stats.kendall(p, t)] for p, t in zip(preds, truth)]
    return np.asarray(scores).reshape(len(targets), n_seeds, 2)
