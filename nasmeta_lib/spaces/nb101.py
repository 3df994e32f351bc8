"""NAS-Bench-101 networks: a DAG cell of up to 7 vertices, stacked 3 x 3 with max-pool downsampling.

The rules follow the NAS-Bench-101 paper and its model builder:

- vertices that are not on some input -> output path are pruned before building (so
  isomorphic encodings give the same network); a cell whose output cannot be reached is invalid;
- interior vertices feeding the output split the module's output channels between them (the
  first ``remainder`` of them get one extra channel); other interior vertices take the largest
  channel count of their successors, and wider inputs are truncated to fit;
- the module input reaches a vertex through a 1x1 conv-BN-ReLU projection; the output
  concatenates its interior inputs and adds the projected module input if wired to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nasmeta_lib.benchmarks.nb201 import InvalidArchitecture
from nasmeta_lib.spaces.base import SPACES, StagedNetwork

INTERIOR_OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
MAX_VERTICES = 7
MAX_EDGES = 9


@dataclass(frozen=True)
class CellSpec:
    """A pruned, validated NB101 cell: upper-triangular adjacency and one op per vertex."""

    matrix: np.ndarray
    ops: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.ops)


def prune(adjacency, ops) -> CellSpec:
    """Validate an encoding and drop vertices not on an input -> output path.

    ``adjacency`` is a flattened or square n x n matrix (n <= 7), ``ops[0] == "input"`` and
    ``ops[-1] == "output"``.
    """
    ops = list(ops)
    n = len(ops)
    if not 2 <= n <= MAX_VERTICES:
        raise InvalidArchitecture(f"NB101 cell needs 2..{MAX_VERTICES} vertex ops, got {n}")
    matrix = np.asarray(adjacency, dtype=int)
    if matrix.size != n * n:
        raise InvalidArchitecture(f"NB101 adjacency must be {n}x{n} for {n} ops, got {matrix.size} entries")
    matrix = matrix.reshape(n, n)
    if not np.isin(matrix, (0, 1)).all() or np.tril(matrix).any():
        raise InvalidArchitecture("NB101 adjacency must be a 0/1 strictly upper-triangular matrix (a DAG in vertex order)")
    if ops[0] != "input" or ops[-1] != "output":
        raise InvalidArchitecture(f"NB101 ops must start with 'input' and end with 'output', got {ops}")
    unknown = [op for op in ops[1:-1] if op not in INTERIOR_OPS]
    if unknown:
        raise InvalidArchitecture(f"unknown NB101 interior op(s) {unknown}; valid: {INTERIOR_OPS}")

    from_input = _reachable(matrix, 0)
    to_output = _reachable(matrix.T, n - 1)
    if n - 1 not in from_input:
        raise InvalidArchitecture("disconnected NB101 cell: no path from input to output")
    keep = sorted(from_input & to_output)
    matrix = matrix[np.ix_(keep, keep)]
    if matrix.sum() > MAX_EDGES:
        raise InvalidArchitecture(f"NB101 cell has {matrix.sum()} edges after pruning; at most {MAX_EDGES} allowed")
    return CellSpec(matrix, tuple(ops[i] for i in keep))


def _reachable(matrix: np.ndarray, start: int) -> set[int]:
    seen, frontier = {start}, [start]
    while frontier:
        v = frontier.pop()
        for w in np.flatnonzero(matrix[v]):
            if w not in seen:
                seen.add(int(w))
                frontier.append(int(w))
    return seen


def vertex_channels(C_in: int, C_out: int, matrix: np.ndarray) -> list[int]:
    """Channels of every vertex under NB101's splitting rule (see the module docstring)."""
    n = matrix.shape[0]
    channels = [0] * n
    channels[0], channels[-1] = C_in, C_out
    if n == 2:
        return channels
    feeders = [v for v in range(1, n - 1) if matrix[v, -1]]
    if C_out < len(feeders):
        raise ValueError(f"{C_out} output channels cannot be split between {len(feeders)} vertices feeding the output")
    base, extra = divmod(C_out, len(feeders))
    for i, v in enumerate(feeders):
        channels[v] = base + (1 if i < extra else 0)
    for v in range(n - 3, 0, -1):
        if not matrix[v, -1]:
            channels[v] = max(channels[w] for w in range(v + 1, n - 1) if matrix[v, w])
    return channels


class ConvBNReLU(nn.Sequential):
    def __init__(self, C_in: int, C_out: int, kernel: int):
        super().__init__(
            nn.Conv2d(C_in, C_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(C_out),
            nn.ReLU(inplace=False),
        )


def make_op(name: str, channels: int) -> nn.Module:
    if name == "maxpool3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    return ConvBNReLU(channels, channels, 3 if name == "conv3x3-bn-relu" else 1)


class Cell(nn.Module):
    """One NB101 module (cell) for a pruned :class:`CellSpec`."""

    def __init__(self, spec: CellSpec, C_in: int, C_out: int):
        super().__init__()
        self.matrix = spec.matrix
        self.channels = vertex_channels(C_in, C_out, spec.matrix)
        n = spec.n
        self.vertex_ops = nn.ModuleDict(
            {str(v): make_op(spec.ops[v], self.channels[v]) for v in range(1, n - 1)})
        self.projections = nn.ModuleDict(
            {str(v): ConvBNReLU(C_in, self.channels[v], 1) for v in range(1, n) if spec.matrix[0, v]})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.matrix.shape[0]
        out = [x]
        for v in range(1, n - 1):
            inputs = [out[s][:, : self.channels[v]] for s in range(1, v) if self.matrix[s, v]]
            if self.matrix[0, v]:
                inputs.append(self.projections[str(v)](x))
            out.append(self.vertex_ops[str(v)](sum(inputs)))
        feeding = [out[v] for v in range(1, n - 1) if self.matrix[v, -1]]
        result = torch.cat(feeding, dim=1) if feeding else 0
        if self.matrix[0, -1]:
            result = result + self.projections[str(n - 1)](x)
        return result


class NB101Network(StagedNetwork):
    """Stem conv -> ``num_stacks`` stacks of ``num_modules_per_stack`` cells -> GAP -> linear.

    Each stack after the first starts with 2x2 max-pooling and doubles the channels.
    """

    def __init__(self, adjacency, ops, stem_channels: int = 128, num_stacks: int = 3,
                 num_modules_per_stack: int = 3, num_classes: int = 10, in_channels: int = 3):
        super().__init__()
        self.spec = prune(adjacency, ops)
        self.stem = ConvBNReLU(in_channels, stem_channels, 3)
        stacks, C = [], stem_channels
        for i in range(num_stacks):
            C_out = C * 2 if i > 0 else C
            layers: list[nn.Module] = [nn.MaxPool2d(2, stride=2)] if i > 0 else []
            for _ in range(num_modules_per_stack):
                layers.append(Cell(self.spec, C, C_out))
                C = C_out
            stacks.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stacks)  # NB101's stacks
        self.classifier = nn.Linear(C, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.forward_pre_gap(x).mean(dim=(2, 3)))


@SPACES.register("nb101")
def _build(ops: list[str], adjacency: list[int] | None, **kw) -> NB101Network:
    if adjacency is None:
        raise InvalidArchitecture("NB101 needs an adjacency matrix")
    return NB101Network(adjacency, ops, **kw)
