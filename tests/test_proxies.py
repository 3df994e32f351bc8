"""Training-free proxies: behaviour on tiny networks, NaN handling, and the external check
against NAS-Bench-Suite-Zero's stored values (small version; the chapter runs the full one)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from nasmeta_lib import benchmarks, proxies, spaces, stats
from nasmeta_lib.proxies import PROXIES, ProxyWarning, random_batch, score

TINY_OPS = ["nor_conv_3x3", "skip_connect", "nor_conv_1x1", "avg_pool_3x3", "nor_conv_3x3", "skip_connect"]


def tiny_net(ops=TINY_OPS, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return spaces.build("nb201", ops, C=4, N=1, num_classes=5)


@pytest.fixture(scope="module")
def tiny_batch():
    return random_batch(num_classes=5, batch_size=8, image_size=8, seed=0)


@pytest.mark.parametrize("name", PROXIES.names())
def test_every_proxy_is_finite_deterministic_and_leaves_the_model_alone(name, tiny_batch):
    net = tiny_net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    first = score(name, net, tiny_batch, seed=3)
    assert math.isfinite(first)
    assert score(name, net, tiny_batch, seed=3) == first
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_jacov_is_at_most_minus_the_batch_size(tiny_batch):
    assert score("jacov", tiny_net(), tiny_batch) <= -len(tiny_batch.targets) + 1e-6


def test_epe_nas_many_class_branch():
    batch = random_batch(num_classes=120, batch_size=16, image_size=8, seed=1)
    batch = proxies.Batch(batch.inputs, batch.targets % 4, 120)  # 4 classes present, 120 outputs
    torch.manual_seed(0)
    net = spaces.build("nb201", TINY_OPS, C=4, N=1, num_classes=120)
    assert math.isfinite(score("epe_nas", net, batch))


class Exploding(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 1)
        self.fc = nn.Linear(2, 5)
        with torch.no_grad():
            self.conv.weight.fill_(float("inf"))

    def forward(self, x):
        return self.fc(self.conv(x).mean(dim=(2, 3)))


@pytest.mark.parametrize("name", ["grad_norm", "l2_norm", "jacov"])
def test_non_finite_scores_are_reported_as_nan_with_a_warning(name, tiny_batch):
    with pytest.warns(ProxyWarning, match=name):
        assert math.isnan(score(name, Exploding(), tiny_batch))


def test_unknown_proxy_is_named(tiny_batch):
    with pytest.raises(KeyError, match="not_a_proxy"):
        score("not_a_proxy", tiny_net(), tiny_batch)


def test_score_archs_table_and_seed(tiny_batch):
    archs = [(TINY_OPS, None), (["none"] * 6, None)]
    table = proxies.score_archs("nb201", archs, ["params", "snip"], tiny_batch, seed=1, progress=False,
                                C=4, N=1, num_classes=5)
    assert list(table.columns) == ["params", "params_seconds", "snip", "snip_seconds"]
    assert table.loc[1, "snip"] == 0.0  # all-none cells: zero features everywhere, so every weight gradient is 0
    again = proxies.score_archs("nb201", archs[:1], ["snip"], tiny_batch, seed=1, progress=False,
                                C=4, N=1, num_classes=5)
    assert again.loc[0, "snip"] == table.loc[0, "snip"]


@pytest.fixture(scope="module")
def nb201_sample():
    return benchmarks.load("nb201", "cifar10").frame.iloc[::60]  # 13 archs spread over the sample


def _ours(frame, names, **kw):
    batch = random_batch(num_classes=10, seed=0)
    return proxies.score_archs("nb201", zip(frame.ops, frame.adjacency), names, batch, seed=0,
                               progress=False, num_classes=10, **kw)


def test_params_and_flops_equal_suite_zero(nb201_sample):
    frame = nb201_sample.iloc[:8]
    ours = _ours(frame, ["params", "flops"])
    np.testing.assert_allclose(ours["params"], frame["params"], rtol=1e-5)
    np.testing.assert_allclose(ours["flops"], frame["flops"], rtol=1e-5)


def test_nb101_flops_equal_suite_zero():
    frame = benchmarks.load("nb101", "cifar10").frame.iloc[:4]
    batch = random_batch(num_classes=10, batch_size=1)
    for ops, adjacency, stored in zip(frame.ops, frame.adjacency, frame.flops):
        assert PROXIES["flops"](spaces.build("nb101", ops, adjacency), batch) == pytest.approx(stored, rel=1e-6)


def test_synflow_and_l2_norm_rank_like_suite_zero(nb201_sample):
    ours = _ours(nb201_sample, ["synflow", "l2_norm"])
    assert stats.spearman(ours["synflow"], nb201_sample["synflow"]) >= 0.9
    assert stats.spearman(ours["l2_norm"], nb201_sample["l2_norm"]) >= 0.9


@pytest.mark.slow
def test_gradient_proxies_rank_like_suite_zero(nb201_sample):
    frame = nb201_sample.iloc[:12]
    ours = _ours(frame, ["grad_norm", "snip"])
    assert stats.spearman(ours["grad_norm"], frame["grad_norm"]) >= 0.9
    # snip depends more on the input batch than grad_norm (ours is random data, theirs CIFAR-10);
    # the chapter reports rho on >= 50 archs.
    assert stats.spearman(ours["snip"], frame["snip"]) >= 0.8


def test_chapter_reports_checks_and_fails_small_samples():
    from nasmeta_lib.chapters import get
    from nasmeta_lib.params import ParameterError

    result = get("proxies").execute("quick", n_archs=4, proxies=["params", "synflow", "zen"], progress=False)
    checks = {c.id: c for c in result.checks}
    assert result.claims == []  # agreement is a check of our implementation, never a reproduction
    assert set(checks) == {"proxies.params", "proxies.synflow"}  # zen: nothing stored to compare with
    assert not checks["proxies.params"].passed and "rho 1.000" in checks["proxies.params"].detail  # < 50 cells
    assert result.params["inputs"] == ["cifar10"] and "diagnostics" in result.tables
    assert set(result.tables["agreement"].proxy) == {"params", "synflow", "zen"}
    with pytest.raises(ParameterError):
        get("proxies").execute("quick", proxies=["not_a_proxy"])


def test_every_proxy_states_its_facts():
    from nasmeta_lib.proxies import PROXIES, facts_table

    table = facts_table()
    assert list(table["proxy"]) == list(PROXIES.names())
    assert table[["measures", "reads", "stored as", "source"]].ne("").all().all()
    assert table.set_index("proxy").loc["synflow", "stored as"].startswith("natural log")


def test_cifar10_batch_is_real_normalised_and_resized():
    from nasmeta_lib.proxies import make_batch

    batch = make_batch("cifar10", num_classes=120, batch_size=8, image_size=16, seed=3)
    assert batch.inputs.shape == (8, 3, 16, 16) and int(batch.targets.max()) < 10
    assert abs(float(batch.inputs.mean())) < 1.0  # standard CIFAR-10 normalisation
    again = make_batch("cifar10", num_classes=120, batch_size=8, image_size=16, seed=3)
    assert torch.equal(batch.inputs, again.inputs)
