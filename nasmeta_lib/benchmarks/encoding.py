"""Canonical encodings (op list + flattened adjacency) of each search space's raw keys.

Ops are named with the benchmark's own op names, in a fixed order per space:

- NB201 (and TransNAS-Bench-101 micro): 6 edge ops in ``nb201.EDGES`` order on the shared
  4-node cell adjacency.
- NB101: 7 node ops (input ... output) on the 7x7 upper-triangular module matrix.
- NB301 (DARTS): 16 edge ops (normal cell's 8, then reduction cell's 8), adjacency = two 6x6
  matrices (nodes c_{k-2}, c_{k-1}, 4 intermediate) concatenated.
- TransNAS-Bench-101 macro: up to 6 module codes along a chain (adjacency = chain).
- NAS-Bench-Graph: 4 GNN layer ops, node i+1 reads from ``link[i]`` (5x5 adjacency).
"""

from __future__ import annotations

import numpy as np

from nasmeta_lib.benchmarks import nb201

NB101_OPS = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")  # NASLib order
NB301_OPS = (
    "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
    "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5",
)
# TransNAS-Bench-101 micro op codes (0 zeroize, 1 skip, 2 conv1x1, 3 conv3x3).
TNB_MICRO_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
# TransNAS-Bench-101 macro module codes; 0 pads architectures with fewer than 6 modules.
TNB_MACRO_MODULES = ("absent", "normal", "channel_x2", "downsample", "downsample_channel_x2")


def chain_adjacency(n: int) -> list[int]:
    adj = np.zeros((n, n), dtype=int)
    for i in range(n - 1):
        adj[i, i + 1] = 1
    return adj.ravel().tolist()


def nb101(key: tuple[int, ...]) -> tuple[list[str], list[int]]:
    n = 7  # Suite-Zero stores every NB101 cell padded to 7 nodes
    adjacency = list(key[: n * n])
    ops = [NB101_OPS[i] for i in key[n * n:]]
    return ops, adjacency


def nb201_suite_zero(key: tuple[int, ...]) -> tuple[list[str], list[int]]:
    return list(nb201.from_naslib(key)), nb201.adjacency()


def tnb101_micro(key: tuple[int, ...]) -> tuple[list[str], list[int]]:
    # Unlike NB201, Suite-Zero stores TransNAS micro cells already in cell-string edge order
    # (node 1 <- 0; node 2 <- 0, 1; node 3 <- 0, 1, 2): rebuilding the networks from the keys
    # reproduces the stored parameter counts only in this order (tests/test_spaces.py).
    return [TNB_MICRO_OPS[i] for i in key], nb201.adjacency()


def tnb101_macro(key: tuple[int, ...]) -> tuple[list[str], list[int]]:
    modules = [TNB_MACRO_MODULES[i] for i in key if i != 0]
    return modules, chain_adjacency(len(modules) + 1)


def nb301(key: list[list[tuple[int, int]]]) -> tuple[list[str], list[int]]:
    ops, adjacency = [], []
    for cell in key:
        adj = np.zeros((6, 6), dtype=int)
        for i, (source, op) in enumerate(cell):
            adj[source, 2 + i // 2] = 1
            ops.append(NB301_OPS[op])
        adjacency.extend(adj.ravel().tolist())
    return ops, adjacency


def nbgraph(link: list[int], ops: list[str]) -> tuple[list[str], list[int]]:
    adj = np.zeros((5, 5), dtype=int)
    for i, source in enumerate(link):
        adj[source, i + 1] = 1
    return list(ops), adj.ravel().tolist()
