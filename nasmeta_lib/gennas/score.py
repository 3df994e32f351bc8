"""Score architectures with GenNAS: grouped for NB201-style cells, one at a time for any model.

:data:`CELL_BN` names the two BatchNorm settings of NB201 cells: ``official``, the GenNAS code's
(no learned scale and shift, batch statistics also in eval mode), and ``affine``, the one
NAS-Bench-201 trained with. Both paths, grouped and one at a time, build either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn

from nasmeta_lib import spaces
from nasmeta_lib.gennas.grouped import GroupedCellNetwork
from nasmeta_lib.gennas.heads import GenNASModel
from nasmeta_lib.gennas.signals import TaskConfig, build_targets
from nasmeta_lib.gennas.train import TrainConfig, train_and_score

Progress = Callable[[Iterable, str], Iterable]
CELL_BN: dict[str, dict[str, bool]] = {
    "official": {"affine": False, "track_running_stats": False},
    "affine": {"affine": True, "track_running_stats": True},
}


def _cell_bn(name: str) -> dict[str, bool]:
    if name not in CELL_BN:
        raise ValueError(f"unknown cell BatchNorm {name!r}; choose from {tuple(CELL_BN)}")
    return CELL_BN[name]


def nb201_network(arch: Sequence[str], C: int, N: int, cell_bn: str = "official") -> nn.Module:
    """One NB201 network (backbone for :class:`GenNASModel`) with the named cell BatchNorm."""
    return spaces.build("nb201", arch, C=C, N=N, **_cell_bn(cell_bn))


def no_progress(it: Iterable, desc: str = "") -> Iterable:
    return it


@dataclass
class Scores:
    """Eval losses [n_archs, n_evals] at ``steps``; ``score`` = minus the last one."""

    losses: np.ndarray
    steps: list[int]
    seconds: float

    @property
    def score(self) -> np.ndarray:
        return -self.losses[:, -1]

    def to_json(self) -> dict:
        return {"losses": self.losses.tolist(), "steps": list(self.steps), "seconds": self.seconds}

    @property
    def seconds_per_arch(self) -> float:
        return self.seconds / max(len(self.losses), 1)


def _stack_targets(tasks: Sequence[TaskConfig], images: torch.Tensor, seed: int) -> list[torch.Tensor]:
    """Per-stage targets [B, K, c, s, s] (K = len(tasks)); each distinct task is drawn once."""
    drawn: dict[TaskConfig, list[torch.Tensor]] = {}
    for t in tasks:
        if t not in drawn:
            drawn[t] = build_targets(t, images, seed)
    return [torch.stack([drawn[t][i] for t in tasks], dim=1) for i in range(len(tasks[0].channels))]


def score_cells(archs: Sequence[Sequence[str]], images: torch.Tensor, tasks: TaskConfig | Sequence[TaskConfig],
                cfg: TrainConfig = TrainConfig(), C: int = 16, N: int = 5, group_size: int = 64,
                device: torch.device | str = "cpu", seed: int = 0, progress: Progress = no_progress,
                offset: int = 0, cell_bn: str = "official") -> Scores:
    """GenNAS losses of NB201-style cells, ``group_size`` networks trained at once.

    ``tasks`` is one task for all archs or one per arch (the task search scores many tasks on the
    same labelled archs in one group). All tasks must share target channel counts. ``offset`` (a
    multiple of ``group_size``) is the index of ``archs[0]`` in a longer list scored in parts: the
    seeds follow global indices, so the parts' scores equal those of one call on the whole list.
    ``cell_bn``: the cells' BatchNorm, a key of :data:`CELL_BN`.
    """
    bn = _cell_bn(cell_bn)
    if offset % group_size:
        raise ValueError(f"offset {offset} is not a multiple of group_size {group_size}")
    tasks = [tasks] * len(archs) if isinstance(tasks, TaskConfig) else list(tasks)
    if len(tasks) != len(archs):
        raise ValueError(f"{len(archs)} archs but {len(tasks)} tasks")
    if len({t.channels for t in tasks}) != 1:
        raise ValueError("tasks scored together must share target channel counts")
    device = torch.device(device)
    images = images.to(device)
    one_task = len(set(tasks)) == 1
    shared = _stack_targets(tasks[:1], images.cpu(), seed) if one_task else None
    losses = []
    t0 = time.perf_counter()
    starts = range(0, len(archs), group_size)
    for g, start in enumerate(progress(starts, "GenNAS groups")):
        chunk = slice(start, start + group_size)
        torch.manual_seed(seed * 100_003 + offset // group_size + g)
        net = GroupedCellNetwork(archs[chunk], C, N, tasks[0].channels, tasks[0].size, **bn).to(device)
        targets = shared if one_task else _stack_targets(tasks[chunk], images.cpu(), seed)
        losses.append(train_and_score(net, images, targets, tasks[chunk] if not one_task else tasks[:1], cfg, seed).T)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return Scores(np.concatenate(losses), cfg.eval_steps, time.perf_counter() - t0)


def score_models(build: Callable[[int], nn.Module], n: int, images: torch.Tensor, task: TaskConfig,
                 cfg: TrainConfig = TrainConfig(), device: torch.device | str = "cpu", seed: int = 0,
                 progress: Progress = no_progress, offset: int = 0, channels_last: bool = False) -> Scores:
    """GenNAS losses of ``n`` networks built one at a time by ``build(i)`` (any ``features`` model);
    ``offset``: as in :func:`score_cells`. ``channels_last`` trains networks and input in that memory
    format, whose convolutions a CPU runs faster (``perf/gennas_speed.py``); the networks are the same
    and the numbers differ only by rounding, which 100 SGD steps amplify as a change of thread count does."""
    device = torch.device(device)
    layout = torch.channels_last if channels_last else torch.contiguous_format
    targets = [t[:, None] for t in build_targets(task, images.cpu(), seed)]
    images = images.to(device).contiguous(memory_format=layout)
    losses = []
    t0 = time.perf_counter()
    for i in progress(range(n), "GenNAS models"):
        torch.manual_seed(seed * 100_003 + offset + i)
        model = GenNASModel(build(i), task.channels, task.size).to(device, memory_format=layout)
        losses.append(train_and_score(model, images, targets, [task], cfg, seed)[:, 0])
    if device.type == "cuda":
        torch.cuda.synchronize()
    return Scores(np.stack(losses), cfg.eval_steps, time.perf_counter() - t0)
