"""NAS-Bench-201 cell encodings: official index <-> cell string <-> edge-op tuple.

The official index order is rebuilt without the 2 GB benchmark file: enumerate all 5^6 cells
(earlier nodes and lower source nodes varying slowest), then ``random.seed(88); shuffle``.
The checks in ``shared/docs/nb201-indexing.md`` are part of the test suite.
"""

from __future__ import annotations

import itertools
import random
from functools import lru_cache

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
# Edges (source, target) in cell-string order: node 1 <- 0; node 2 <- 0, 1; node 3 <- 0, 1, 2.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
N_NODES = 4
N_ARCHS = len(OPS) ** len(EDGES)

# NAS-Bench-Suite-Zero / NASLib: op index order and edge order of its 6-tuples.
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
NASLIB_EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))


class InvalidArchitecture(ValueError):
    """An NB201 encoding that is not a valid cell."""


def to_string(ops: tuple[str, ...] | list[str]) -> str:
    """Cell string ``|op~0|+|op~0|op~1|+|...|`` from the six edge ops in ``EDGES`` order."""
    ops = validate_ops(ops)
    nodes = []
    for target in range(1, N_NODES):
        parts = [f"{ops[i]}~{s}" for i, (s, t) in enumerate(EDGES) if t == target]
        nodes.append("|" + "|".join(parts) + "|")
    return "+".join(nodes)


def from_string(cell: str) -> tuple[str, ...]:
    """The six edge ops (``EDGES`` order) of a cell string."""
    ops = []
    nodes = cell.split("+")
    if len(nodes) != N_NODES - 1:
        raise InvalidArchitecture(f"{cell!r}: expected {N_NODES - 1} nodes separated by '+'")
    for target, node in enumerate(nodes, start=1):
        parts = [p for p in node.split("|") if p]
        if len(parts) != target:
            raise InvalidArchitecture(f"{cell!r}: node {target} needs {target} inputs")
        for source, part in enumerate(parts):
            op, _, src = part.partition("~")
            if src != str(source):
                raise InvalidArchitecture(f"{cell!r}: input {part!r} should come from node {source}")
            ops.append(op)
    return validate_ops(ops)


def validate_ops(ops: tuple[str, ...] | list[str], allowed: tuple[str, ...] = OPS,
                 space: str = "NB201") -> tuple[str, ...]:
    """The six edge ops as a tuple; ``allowed``/``space`` serve cells that share NB201's
    edges but not its op set (TransNAS-Bench-101 micro)."""
    ops = tuple(ops)
    if len(ops) != len(EDGES):
        raise InvalidArchitecture(f"{space} cell needs {len(EDGES)} edge ops, got {len(ops)}")
    unknown = [op for op in ops if op not in allowed]
    if unknown:
        raise InvalidArchitecture(f"unknown {space} op(s) {unknown}; valid: {tuple(allowed)}")
    return ops


@lru_cache(maxsize=1)
def _index_tables() -> tuple[list[tuple[str, ...]], dict[tuple[str, ...], int]]:
    cells = list(itertools.product(OPS, repeat=len(EDGES)))
    rng = random.Random()
    rng.seed(88)
    rng.shuffle(cells)
    return cells, {c: i for i, c in enumerate(cells)}


def ops_of_index(index: int) -> tuple[str, ...]:
    if not 0 <= index < N_ARCHS:
        raise InvalidArchitecture(f"NB201 index {index} outside 0..{N_ARCHS - 1}")
    return _index_tables()[0][index]


def index_of(ops: tuple[str, ...] | list[str]) -> int:
    return _index_tables()[1][validate_ops(ops)]


def from_naslib(encoding: tuple[int, ...]) -> tuple[str, ...]:
    """Edge ops (``EDGES`` order) of a NASLib / Suite-Zero op-index tuple."""
    if len(encoding) != len(NASLIB_EDGES):
        raise InvalidArchitecture(f"NASLib NB201 tuple needs 6 entries, got {encoding}")
    by_edge = {edge: NASLIB_OPS[i] for edge, i in zip(NASLIB_EDGES, encoding)}
    return tuple(by_edge[e] for e in EDGES)


def adjacency() -> list[int]:
    """Flattened 4x4 node adjacency shared by every NB201 cell (ops live on the edges)."""
    adj = [0] * (N_NODES * N_NODES)
    for s, t in EDGES:
        adj[s * N_NODES + t] = 1
    return adj
