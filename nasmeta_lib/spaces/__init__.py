"""Trainable PyTorch models of the benchmark search spaces, built from canonical encodings.

``build(space, ops, adjacency, **kw)`` takes the same (ops, adjacency) pair that
``nasmeta_lib.benchmarks`` stores in every table row, so a row becomes a network in one call::

    row = benchmarks.load("nb201", "cifar10").frame.iloc[0]
    net = spaces.build("nb201", row.ops, row.adjacency, num_classes=10)

Every network has ``forward(x) -> logits`` and ``features(x) -> list[Tensor]`` (one per stage).
Invalid encodings raise :class:`InvalidArchitecture` naming what is wrong. NB101 prunes vertices
off every input -> output path and rejects a cell whose output is unreachable; NB201 and
TransNAS-Bench-101 micro cells without such a path are members of those benchmarks (they train
to chance accuracy), so they build, as networks that output a constant.
"""

from __future__ import annotations

from nasmeta_lib.benchmarks.nb201 import InvalidArchitecture
from nasmeta_lib.spaces import nb101, nb201, tnb101
from nasmeta_lib.spaces.base import SPACES, build

__all__ = ["SPACES", "InvalidArchitecture", "build", "nb101", "nb201", "tnb101"]
