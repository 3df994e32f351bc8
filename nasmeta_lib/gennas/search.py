"""Search for the proxy task itself: which bases, levels, frequencies and noise rank best.

GenNAS tunes the signal combination with a handful of labelled architectures (20 in the
paper): regularized evolution over task configurations, fitness = Spearman rho between the
regression score and the true accuracy of those few architectures. The space and mutation
follow the official code: each basis is on or off per stage (coin flip), with a level in
0.5..2.9, ten frequencies drawn inside a random band of [0, 0.5), a dot share in [0, 1), a
local/global coin, and input noise (uniform or Gaussian, level 0..0.9). Two simplifications:
the target channels stay at 64 per stage (so that many tasks train in one group), and children
are bred in small batches per round instead of one at a time (so that a batch trains at once).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable

import numpy as np

from nasmeta_lib.gennas.signals import KINDS, Basis, TaskConfig

LEVELS = np.round(np.arange(0.5, 3.0, 0.1), 1)
NOISE_LEVELS = np.round(np.arange(0.0, 1.0, 0.1), 1)


def _random_basis(kind: str, rng: np.random.Generator) -> Basis:
    level = float(rng.choice(LEVELS))
    local = bool(rng.random() > 0.5)
    if kind in ("sin1d", "sin2d"):
        lo, hi = np.sort(rng.random(2) * 0.5)
        return Basis(kind, level, tuple(np.round(rng.uniform(lo, hi, 10), 4).tolist()), local=local)
    if kind in ("dot", "dot_gaussian"):
        return Basis(kind, level, partial=round(float(rng.random()), 4), local=local)
    return Basis(kind, level)


def _random_stage(rng: np.random.Generator) -> tuple[Basis, ...]:
    return tuple(_random_basis(k, rng) for k in KINDS if rng.random() > 0.5)


def random_task(rng: np.random.Generator, name: str = "") -> TaskConfig:
    stages = tuple(_random_stage(rng) for _ in range(3))
    noise = str(rng.choice(["gaussian", "uniform"]))
    return TaskConfig(stages, noise, float(rng.choice(NOISE_LEVELS)), name=name)


def mutate(task: TaskConfig, rng: np.random.Generator, keep: float = 0.8, name: str = "") -> TaskConfig:
    """Resample each (stage, basis) slot and the noise with probability ``1 - keep``."""
    stages = []
    for bases in task.stages:
        by_kind = {b.kind: b for b in bases}
        for kind in KINDS:
            if rng.random() >= keep:
                if rng.random() > 0.5:
                    by_kind[kind] = _random_basis(kind, rng)
                else:
                    by_kind.pop(kind, None)
        stages.append(tuple(by_kind[k] for k in KINDS if k in by_kind))
    new = replace(task, stages=tuple(stages), name=name)
    if rng.random() >= keep:
        new = replace(new, noise=str(rng.choice(["gaussian", "uniform"])),
                      noise_level=float(rng.choice(NOISE_LEVELS)))
    return new


def evolve(fitness: Callable[[list[TaskConfig]], list[float]], population: int = 10, rounds: int = 4,
           children: int = 5, tournament: int = 3, seed: int = 0,
           progress: Callable[[Iterable, str], Iterable] = lambda it, desc="": it) -> list[dict]:
    """Regularized evolution; returns every evaluated task as {round, name, fitness, task}.

    ``fitness(tasks)`` scores a batch of tasks (rho on the labelled archs; higher is better).
    The oldest members die as children join, as in regularized evolution.
    """
    if not 1 <= tournament <= population:
        raise ValueError(f"tournament size {tournament} must be in 1..population ({population})")
    rng = np.random.default_rng(seed)
    first = [random_task(rng, name=f"r0-{i}") for i in range(population)]
    history = [{"round": 0, "name": t.name, "fitness": f, "task": t}
               for t, f in zip(first, fitness(first))]
    alive = list(history)
    for r in progress(range(1, rounds + 1), "task search"):
        kids = []
        for i in range(children):
            picks = rng.choice(len(alive), tournament, replace=False)
            parent = max((alive[j] for j in picks), key=lambda h: _finite(h["fitness"]))
            kids.append(mutate(parent["task"], rng, name=f"r{r}-{i}"))
        born = [{"round": r, "name": t.name, "fitness": f, "task": t} for t, f in zip(kids, fitness(kids))]
        history += born
        alive = alive[len(born):] + born
    return history


def _finite(x: float) -> float:
    return x if np.isfinite(x) else -np.inf


def best(history: list[dict]) -> dict:
    return max(history, key=lambda h: _finite(h["fitness"]))
