"""What a NAS-Bench-360 task is: shapes, loss, metric, splits and the data files it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from nasmeta_lib.data import DataError

SOURCE = "nas_bench_360"  # manifest data_manifests/nas_bench_360.toml


class TaskDataMissing(DataError):
    """The official data of a task is not available locally (and cannot be verified/fetched)."""


@dataclass(frozen=True)
class Split:
    """Inputs (channels first) and targets of one split."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class TaskData:
    """The three splits of a task, in the layout the models take (N, C, H, W) or (N, C, L)."""

    task: str
    train: Split
    val: Split
    test: Split
    note: str = ""


@dataclass(frozen=True)
class Task:
    """A NAS-Bench-360 task as defined in the paper (Table 1 and appendix).

    ``output`` is "point" (one prediction per input) or "dense" (one per input position);
    ``metric`` is lower-is-better, as reported in the paper's Table 2.
    """

    name: str
    title: str
    domain: str
    dim: int
    output: str
    input_shape: tuple[int, ...]
    n_outputs: int
    loss: str
    metric: str
    splits: tuple[int, int, int]
    files: tuple[str, ...]
    loader: Callable[..., TaskData]
    regenerable: str = ""  # how the data can be made offline, if at all

    def load(self, **kwargs) -> TaskData:
        """The task's data from its official files (raises :class:`TaskDataMissing` if absent)."""
        return self.loader(self, **kwargs)
