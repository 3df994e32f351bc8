"""Predictors: shared encodings, the models, and the functional (meta-)training loops."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
import torch

from nasmeta_lib import benchmarks
from nasmeta_lib.predictors import PREDICTORS, Predictor, encodings, meta

torch.set_num_threads(1)


def test_nb201_cell_becomes_line_graph():
    row = benchmarks.load("nb201", "cifar10").frame.iloc[0]
    graph = encodings.node_graph(row, "nb201")
    assert graph.ops[0] == "input" and graph.ops[-1] == "output" and len(graph.ops) == 8
    # edge-op k=(s,t) reads the input iff s == 0; the output reads the three edges into node 3
    edges = set(graph.edges)
    for k, (s, t) in enumerate(benchmarks.nb201.EDGES):
        assert ((0, 1 + k) in edges) == (s == 0)
    assert {s for s, t in edges if t == 7} == {1 + k for k, (s, t) in enumerate(benchmarks.nb201.EDGES) if t == 3}
    # (0,1) feeds (1,2) and (1,3); (0,2) feeds (2,3)
    assert {(1, 3), (1, 5), (2, 6)} <= edges


def test_same_operation_gets_the_same_token_across_spaces():
    assert encodings.token("conv3x3-bn-relu", "nb101") == encodings.token("nor_conv_3x3", "nb201") == "conv3x3"
    assert encodings.token("gcn", "nbgraph") != encodings.token("gcn", "tnb101_macro")
    with pytest.raises(encodings.UnknownOperation):
        encodings.graph_tensors(encodings.NodeGraph(("input", "warp_drive"), ((0, 1),)))


@pytest.mark.parametrize("key", [s.key for s in benchmarks.settings()][::3] + ["nb301/cifar10", "tnb101_macro/jigsaw"])
def test_every_space_encodes_into_padded_tensors(key):
    enc = encodings.encode(key, 40)
    n = len(enc)
    assert enc.x.shape == (n, encodings.N_MAX, len(encodings.VOCAB)) and enc.adj.shape == (n, encodings.N_MAX, encodings.N_MAX)
    real = enc.mask.sum(1)
    assert torch.all(enc.x.sum(-1) == enc.mask)  # exactly one op per real node, none on padding
    assert torch.all(enc.adj.sum((1, 2)) >= real - 1)  # connected DAG: at least n-1 edges
    assert torch.all(torch.triu(enc.adj, diagonal=1) == enc.adj) or key.startswith("nb101")  # topological order


def test_nb301_graph_uses_both_cells():
    enc = encodings.encode("nb301/cifar10", 5)
    assert torch.all(enc.mask.sum(1) == 22)


def test_proxy_vector_is_rank_gaussian_with_presence_mask():
    v = np.array([1.0, 1e9, np.nan, 5.0, -3.0])
    g = encodings.rank_gauss(v)
    assert g[2] == 0 and g[1] > g[3] > g[0] > g[4] and abs(g[1] + g[4]) < 1e-6
    z, present = encodings.proxy_features(pd.DataFrame({"synflow": [1.0, 2.0, 3.0], "other": [0, 0, 0]}))
    assert present[encodings.FEATURES.index("synflow")] == 1 and present.sum() == 1
    assert not encodings.encode("nb201_full/darcy", 20).has_proxies
    assert encodings.encode("nbgraph/cora", 20).zmask[0, encodings.FEATURES.index("latency")] == 1


def test_registry_and_predictor_shapes():
    assert set(PREDICTORS.names()) == {"gcn", "gcn_proxy", "mlp_onehot", "mlp_proxy"}
    batch = encodings.encode("nb201/cifar10", 12).take(torch.arange(12))
    for name in PREDICTORS.names():
        out = PREDICTORS[name](hidden=8)(*(batch[k] for k in meta.INPUTS))
        assert out.shape == (12,)
    with pytest.raises(ValueError):
        Predictor(None, False)


def toy_setting(n: int = 120, seed: int = 0, sign: float = 1.0) -> encodings.EncodedSetting:
    """Accuracy = sign * first proxy (+ a little noise): learnable from proxies."""
    g = torch.Generator().manual_seed(seed)
    base = encodings.encode("nb201/cifar10", n)
    z = torch.randn(n, len(encodings.FEATURES), generator=g)
    y = sign * z[:, 0] + 0.1 * torch.randn(n, generator=g)
    return encodings.EncodedSetting(f"toy/{seed}", "toy", base.x, base.adj, base.mask, z, torch.ones_like(z), y, base.arch_keys)


def test_maml_gradient_matches_explicit_second_order_autograd():
    torch.manual_seed(0)
    model = PREDICTORS["mlp_proxy"](hidden=4)
    params = meta.params_of(model)
    cfg = meta.MetaConfig(inner_steps=2, inner_lr=0.1)
    s = toy_setting(20)
    task = {"support": s.take(torch.arange(8)), "query": s.take(torch.arange(8, 20))}
    batched = {part: {k: v.unsqueeze(0) for k, v in b.items()} for part, b in task.items()}
    ours = meta.outer_gradient("maml", model, params, batched, cfg)
    # reference: plain autograd with create_graph through the two inner steps
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    p = dict(leaves)
    for _ in range(2):
        g = torch.autograd.grad(meta.mse(model, p, task["support"]), list(p.values()), create_graph=True)
        p = {k: v - 0.1 * gi for (k, v), gi in zip(p.items(), g)}
    ref = torch.autograd.grad(meta.mse(model, p, task["query"]), list(leaves.values()))
    for (k, v), r in zip(ours.items(), ref):
        assert torch.allclose(v, r, atol=1e-5), k
    first = meta.outer_gradient("fomaml", model, params, batched, cfg)
    assert any(not torch.allclose(first[k], ours[k], atol=1e-6) for k in ours)  # first order differs


def test_meta_training_transfers_to_a_related_setting_and_folds_stay_separate():
    build = partial(PREDICTORS["mlp_proxy"], hidden=8)
    cfg = meta.MetaConfig(iterations=30, meta_batch=4, train_shots=10, query=30, inner_steps=2, test_steps=4, outer_lr=1e-2)
    pools = [[toy_setting(seed=1), toy_setting(seed=2)], [toy_setting(seed=3, sign=-1.0)]]
    inits = meta.meta_train("reptile", build, pools, cfg, seed=0, device=torch.device("cpu"))
    assert all(v.shape[0] == 2 for v in inits.values())
    target = toy_setting(seed=9)
    scores = meta.evaluate(build, inits, [target, target], shots=5, seeds=[0, 1], cfg=cfg, n_query=50, device=torch.device("cpu"))
    assert scores.shape == (2, 2, 2)
    assert scores[0, :, 0].mean() > 0.5  # learned "accuracy rises with proxy 0"
    assert scores[1, :, 0].mean() < scores[0, :, 0].mean()  # the fold that learned the opposite sign


def test_scratch_training_is_seeded_and_learns():
    build = partial(PREDICTORS["mlp_proxy"], hidden=8)
    cfg = meta.MetaConfig(scratch_steps=60)
    target = toy_setting(seed=4)
    run = lambda: meta.evaluate(build, None, [target], shots=30, seeds=[0, 1], cfg=cfg, n_query=60, device=torch.device("cpu"))  # noqa: E731
    a, b = run(), run()
    assert np.array_equal(a, b) and a[..., 0].mean() > 0.5


def test_support_statistics_standardise_targets():
    task = {"support": {"y": torch.tensor([[1.0, 3.0]])}, "query": {"y": torch.tensor([[2.0, 5.0]])}}
    out = meta.standardise(task)
    sd = torch.tensor([1.0, 3.0]).std()
    assert torch.allclose(out["query"]["y"], torch.tensor([[0.0, 3.0 / sd]]))
    with pytest.raises(ValueError, match="unknown method"):
        meta.outer_gradient("magic", PREDICTORS["mlp_proxy"](hidden=4), {}, task, meta.MetaConfig())
