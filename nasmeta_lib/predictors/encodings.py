"""Architecture encodings that every search space shares, so one predictor can read them all.

Two views of an architecture are built here:

- a *node-op graph*: nodes carry operations, edges carry data. Spaces whose benchmarks put
  operations on edges (NB201, TransNAS-Bench-101 micro, NB301/DARTS) are turned into node-op
  graphs by making every edge-op a node (the line-graph construction BRP-NAS uses for NB201).
  Op names are mapped to one shared vocabulary (``conv3x3`` is the same token in NB101 and
  NB201), and every graph is padded to ``N_MAX`` nodes so tasks from any space stack into one
  tensor. The one-hot MLP reads the same padded tensors, flattened.
- a *proxy vector*: the zero-cost proxies stored for the setting, rank-gaussianised within the
  setting (proxies such as synflow span many orders of magnitude), in a fixed global order with
  a presence mask. Proxies exist for every space, which is what lets this view travel across
  search spaces. NAS-Bench-Graph stores only ``params`` (plus a measured ``latency``, also used);
  the full NB201 table stores none, so its proxy vector is empty (all-zero mask).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from scipy import special, stats

from nasmeta_lib import benchmarks
from nasmeta_lib.benchmarks import encoding as space_encoding
from nasmeta_lib.benchmarks import nb201

N_MAX = 22  # NB301: two cells of 2 inputs + 8 edge-ops + 1 output
FEATURES: tuple[str, ...] = benchmarks.PROXIES + ("latency",)

# Benchmark op name -> shared token (same operation, same token, whatever the space).
_SYNONYMS = {
    "conv3x3-bn-relu": "conv3x3", "nor_conv_3x3": "conv3x3",
    "conv1x1-bn-relu": "conv1x1", "nor_conv_1x1": "conv1x1",
    "maxpool3x3": "maxpool3x3", "max_pool_3x3": "maxpool3x3",
    "avg_pool_3x3": "avgpool3x3", "skip_connect": "skip", "none": "none",
}
VOCAB: tuple[str, ...] = (
    ("input", "output", "conv3x3", "conv1x1", "maxpool3x3", "avgpool3x3", "skip", "none")
    + ("sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
    + tuple(f"module_{m}" for m in space_encoding.TNB_MACRO_MODULES[1:])
    + tuple(f"gnn_{op}" for op in ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip"))
)
_INDEX = {tok: i for i, tok in enumerate(VOCAB)}


class UnknownOperation(ValueError):
    """An op name that the shared vocabulary does not know."""


def token(op: str, space: str) -> str:
    if space == "tnb101_macro":
        return f"module_{op}"
    if space == "nbgraph":
        return f"gnn_{op}"
    return _SYNONYMS.get(op, op)


@dataclass(frozen=True)
class NodeGraph:
    """Node-op DAG: ``ops[i]`` is node i's token, ``edges`` are (source, target) pairs."""

    ops: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]


def line_graph(edge_ops: list[tuple[int, int, str]], inputs: tuple[int, ...], output_from: tuple[int, ...]) -> NodeGraph:
    """Edge-op cell -> node-op graph: one node per input, one per edge-op, one output node.

    An edge-op node (s -> t) reads from the input node if s is a cell input, else from every
    edge-op node that ends in s; the output node reads every edge-op node ending in a node of
    ``output_from``.
    """
    ops = ["input"] * len(inputs)
    first = len(ops)
    ops += [op for _, _, op in edge_ops]
    edges = []
    for k, (s, _, _) in enumerate(edge_ops):
        if s in inputs:
            edges.append((inputs.index(s), first + k))
        else:
            edges += [(first + j, first + k) for j, (_, t, _) in enumerate(edge_ops) if t == s]
    out = len(ops)
    ops.append("output")
    edges += [(first + j, out) for j, (_, t, _) in enumerate(edge_ops) if t in output_from]
    return NodeGraph(tuple(ops), tuple(edges))


def _merge(first: NodeGraph, second: NodeGraph, links: list[tuple[int, int]]) -> NodeGraph:
    shift = len(first.ops)
    edges = first.edges + tuple((s + shift, t + shift) for s, t in second.edges) + tuple((s, t + shift) for s, t in links)
    return NodeGraph(first.ops + second.ops, edges)


def _dag(ops: list[str], adjacency: list[int]) -> NodeGraph:
    n = len(ops)
    adj = np.asarray(adjacency).reshape(n, n)
    return NodeGraph(tuple(ops), tuple(zip(*np.nonzero(adj))))


def node_graph(row, space: str) -> NodeGraph:
    """The node-op graph of one table row (``ops``, ``adjacency``, NB301 genotype in ``arch_id``)."""
    if space in ("nb201", "tnb101_micro"):
        edge_ops = [(s, t, token(op, space)) for (s, t), op in zip(nb201.EDGES, row.ops)]
        return line_graph(edge_ops, inputs=(0,), output_from=(nb201.N_NODES - 1,))
    if space == "nb301":
        cells = []
        for cell in ast.literal_eval(row.arch_id):
            edge_ops = [(s, 2 + i // 2, token(space_encoding.NB301_OPS[op], space)) for i, (s, op) in enumerate(cell)]
            cells.append(line_graph(edge_ops, inputs=(0, 1), output_from=(2, 3, 4, 5)))
        normal, reduction = cells
        out = len(normal.ops) - 1
        return _merge(normal, reduction, [(out, 0), (out, 1)])  # reduction cell reads the normal cell
    if space == "nb101":
        return _dag([token(op, space) for op in row.ops], row.adjacency)
    if space in ("tnb101_macro", "nbgraph"):
        graph = _dag(["input"] + [token(op, space) for op in row.ops], row.adjacency)
        sinks = [i for i in range(1, len(graph.ops)) if not any(s == i for s, _ in graph.edges)]
        out = len(graph.ops)
        return NodeGraph(graph.ops + ("output",), graph.edges + tuple((i, out) for i in sinks))
    raise ValueError(f"no node-op graph for space {space!r}")


def graph_tensors(graph: NodeGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Padded one-hot node features [N_MAX, V], adjacency [N_MAX, N_MAX] and node mask [N_MAX]."""
    n = len(graph.ops)
    if n > N_MAX:
        raise ValueError(f"graph with {n} nodes exceeds N_MAX={N_MAX}")
    x = np.zeros((N_MAX, len(VOCAB)), np.float32)
    for i, op in enumerate(graph.ops):
        if op not in _INDEX:
            raise UnknownOperation(f"operation {op!r} is not in the shared vocabulary")
        x[i, _INDEX[op]] = 1.0
    adj = np.zeros((N_MAX, N_MAX), np.float32)
    for s, t in graph.edges:
        adj[s, t] = 1.0
    mask = np.zeros(N_MAX, np.float32)
    mask[:n] = 1.0
    return x, adj, mask


def rank_gauss(values: np.ndarray) -> np.ndarray:
    """Ranks mapped to standard-normal quantiles: scale-free, robust to heavy tails and NaN (-> 0)."""
    out = np.zeros(len(values), np.float32)
    ok = np.isfinite(values)
    if ok.sum() > 1:
        ranks = stats.rankdata(values[ok])
        out[ok] = special.ndtri(ranks / (ok.sum() + 1))
    return out


def proxy_features(frame, names: tuple[str, ...] = FEATURES) -> tuple[np.ndarray, np.ndarray]:
    """Rank-gaussianised proxy matrix [n, F] and presence mask [F] for one setting's pool."""
    z = np.zeros((len(frame), len(names)), np.float32)
    present = np.zeros(len(names), np.float32)
    for j, name in enumerate(names):
        if name in frame.columns and frame[name].notna().any():
            z[:, j] = rank_gauss(frame[name].to_numpy(float))
            present[j] = 1.0
    return z, present


@dataclass
class EncodedSetting:
    """One setting's (sub-sampled) pool as tensors: what the predictors and meta-learners read."""

    key: str
    space: str
    x: torch.Tensor  # [n, N_MAX, V]
    adj: torch.Tensor  # [n, N_MAX, N_MAX]
    mask: torch.Tensor  # [n, N_MAX]
    z: torch.Tensor  # [n, F]
    zmask: torch.Tensor  # [n, F]
    y: torch.Tensor  # [n] accuracy (raw; standardised per task when sampled)
    arch_keys: tuple[str, ...]  # to match architectures across settings of one space

    def __len__(self) -> int:
        return len(self.y)

    @property
    def has_proxies(self) -> bool:
        return bool(self.zmask[0].any())

    @property
    def n_proxies(self) -> int:
        """How many zero-cost proxies are stored (latency aside): 10-12 for Suite-Zero settings."""
        return int(self.zmask[0, : len(benchmarks.PROXIES)].sum())

    def take(self, idx: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: getattr(self, k)[idx] for k in ("x", "adj", "mask", "z", "zmask", "y")}


def arch_keys(table: benchmarks.BenchmarkTable) -> list[str]:
    """Architecture identity shared by all settings of a space (NB201: the official index)."""
    col = "nb201_index" if "nb201_index" in table.frame.columns else "arch_id"
    return table.frame[col].astype(str).tolist()


@lru_cache(maxsize=64)
def encode(key: str, max_archs: int, seed: int = 0) -> EncodedSetting:
    """Encode setting ``key`` ("benchmark/task"), sub-sampling at most ``max_archs`` architectures.

    Proxies are rank-gaussianised over the whole pool before sub-sampling: they cost nothing to
    compute, so a practitioner has them for every candidate.
    """
    setting = benchmarks.parse_key(key)
    table = benchmarks.load(setting.benchmark, setting.task)
    frame = table.frame[np.isfinite(table.frame["accuracy"].to_numpy(float))].reset_index(drop=True)
    # the all-cell NB201 table's proxies are computed on CIFAR-10 images for every task; predictors
    # read proxies computed on the setting's own data (Suite-Zero's convention), so none there
    own = frame.drop(columns=list(table.proxies)) if setting.benchmark == "nb201_full" else frame
    z, present = proxy_features(own)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(frame), size=min(max_archs, len(frame)), replace=False))
    rows = frame.iloc[idx]
    arrays = [graph_tensors(node_graph(row, setting.space)) for row in rows.itertuples()]
    x, adj, mask = (torch.from_numpy(np.stack(a)) for a in zip(*arrays))
    keys = arch_keys(benchmarks.BenchmarkTable(setting, rows))
    return EncodedSetting(
        key=key,
        space=setting.space,
        x=x,
        adj=adj,
        mask=mask,
        z=torch.from_numpy(z[idx]),
        zmask=torch.from_numpy(np.tile(present, (len(idx), 1))),
        y=torch.tensor(rows["accuracy"].to_numpy(np.float32)),
        arch_keys=tuple(keys),
    )
