"""Estimators, the exact tabular problem and the sparse-propagation supernet."""

import time

import numpy as np
import pytest
import torch

from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.data import cifar10
from nasmeta_lib.searchers import SEARCHERS, estimators, oneshot, tabular

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def problem():
    return tabular.from_benchmark("nb201_full", "cifar100")


def test_estimators_are_registered():
    for name in estimators.ESTIMATORS:
        assert f"oneshot-{name}" in SEARCHERS


def test_unknown_estimator_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown estimator"):
        estimators.make("dart")


def test_expected_loss_matches_enumeration(problem):
    theta = torch.randn(2, 6, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    cells, losses, _ = problem.enumeration()
    prob = torch.softmax(theta, -1)[:, torch.arange(6), cells].prod(-1)
    assert torch.allclose(problem.expected_loss(theta), (prob * losses).sum(-1))
    # the best cell has regret 0 and a point mass on it gives J = 0
    best = [nb201.OPS.index(o) for o in nb201.ops_of_index(9930)]
    assert problem.loss(torch.tensor([best])).item() == 0.0


def test_credit_of_the_zero_op_is_zero_and_matches_lookups(problem):
    a = torch.tensor([[3, 0, 2, 1, 4, 3]])
    credit = problem.credit(a)[0]
    assert torch.all(credit[:, nb201.OPS.index("none")] == 0)
    switched = a.clone()
    switched[0, 2] = 1
    zeroed = a.clone()
    zeroed[0, 2] = 0
    assert credit[2, 1] == problem.loss(switched)[0] - problem.loss(zeroed)[0]


def test_additive_fit_is_the_least_squares_fit_and_the_same_on_every_call(problem):
    fit = tabular.additive(problem).full.numpy()
    assert all(np.array_equal(tabular.additive(problem).full.numpy(), fit) for _ in range(3))
    cells, _, _ = problem.enumeration()
    design = np.eye(5)[cells.numpy()].reshape(len(cells), -1)  # one-hot per edge
    coef = np.linalg.lstsq(design, problem.full.numpy().reshape(-1), rcond=None)[0]  # SVD: minimum norm
    lsq = design @ coef
    assert np.allclose(fit.reshape(-1), (lsq - lsq.min()) / (lsq.max() - lsq.min()), atol=1e-10)


@pytest.mark.parametrize("name", ["advantagenas", "reinforce"])
def test_exact_expected_step_is_the_gradient(problem, name):
    theta = torch.randn(6, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    step = tabular.exact_expected_step(problem, theta, name)
    assert torch.allclose(step, problem.grad_expected_loss(theta[None])[0], atol=1e-12)


def test_gdas_is_biased_and_advantage_is_not(problem):
    theta = torch.randn(6, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    adv = tabular.moments(problem, "advantagenas", theta, 20000)
    gdas = tabular.moments(problem, "gdas", theta, 20000)
    assert adv["cosine_to_grad"] > 0.99
    assert gdas["relative_bias"] > adv["relative_bias"]


def test_expected_descent_is_monotone(problem):
    out = tabular.expected_update_path(problem, "advantagenas", 5, 0.5)
    assert all(b < a for a, b in zip(out["losses"], out["losses"][1:]))
    assert out["max_relative_deviation"] < 1e-8


@pytest.mark.parametrize("name", list(estimators.ESTIMATORS))
def test_tabular_search_is_seeded(problem, name):
    a = tabular.run(problem, name, seeds=3, iterations=40, lr=0.05, seed=7)
    b = tabular.run(problem, name, seeds=3, iterations=40, lr=0.05, seed=7)
    assert a.shape == (3, 41) and (a == b).all()
    assert a[:, 0].std() == 0  # every search starts at the uniform distribution


def test_advantagenas_lowers_the_expected_loss(problem):
    J = tabular.run(problem, "advantagenas", seeds=4, iterations=100, lr=0.05, seed=0)
    assert (J[:, -1] < J[:, 0] - 0.02).all()


def test_proxyless_rescale_keeps_the_pair_mass():
    est = estimators.make("proxylessnas")
    theta = torch.zeros(1, 6, 5)
    sample = est.sample(theta, torch.Generator().manual_seed(0), 0.0)
    assert (sample.computed.sum(-1) == 2).all()
    new = theta.clone().scatter_(-1, sample.extra["pair"], torch.tensor([1.0, -0.3]).expand(1, 6, 2))
    kept = est.after_step(theta, new, sample)
    pair = sample.extra["pair"]
    assert torch.allclose(torch.gather(kept, -1, pair).logsumexp(-1), torch.gather(theta, -1, pair).logsumexp(-1))


def test_supernet_computes_only_the_sampled_ops():
    net = oneshot.SuperNet(nb201.OPS, C=4, N=1)
    calls = []
    for name, module in net.named_modules():
        if isinstance(module, oneshot.MixedEdge):
            for k, op in enumerate(module.ops):
                op.register_forward_hook(lambda *_, k=k: calls.append(k))
    gates = torch.zeros(6, 5)
    gates[:, 3] = 1
    net.set_path(gates, gates.bool(), False)
    net(torch.randn(2, 3, 8, 8))
    assert set(calls) == {3} and len(calls) == 6 * 3  # one op per edge, 3 cells


def test_gate_gradient_is_the_edge_credit():
    """For the sampled op, d loss / d gate = <d loss / d edge output, edge output>."""
    torch.manual_seed(0)
    net = oneshot.SuperNet(nb201.OPS, C=4, N=1)
    gates = torch.zeros(6, 5)
    gates[:, 2] = 1
    gates.requires_grad_(True)
    net.set_path(gates, gates.detach().bool(), False)
    x, y = torch.randn(4, 3, 8, 8), torch.randint(0, 10, (4,))
    (g,) = torch.autograd.grad(torch.nn.functional.cross_entropy(net(x), y), gates)
    assert g[:, [0, 1, 3, 4]].abs().sum() == 0 and g[:, 2].abs().sum() > 0


def test_search_batches_are_normalised_cifar10_images_from_the_seeded_halves():
    """Weights and architecture see disjoint halves of CIFAR-10's training set, 25,000 images each."""
    data = oneshot.search_data(split_seed=0)
    (wx, wy), (ax, ay) = data["train"], data["valid"]
    assert wx.shape == ax.shape == (25_000, 32, 32, 3) and wx.dtype == np.uint8
    weights, arch = cifar10.search_split(0)
    images, labels = cifar10.load("train")
    assert np.array_equal(wx, images[weights]) and np.array_equal(ay, labels[arch])
    assert not set(weights.tolist()) & set(arch.tolist())
    s = oneshot.Search(oneshot.SearchConfig("advantagenas", C=2, batch_size=16), torch.device("cpu"))
    for batches, (half_x, half_y) in ((s.train, (wx, wy)), (s.valid, (ax, ay))):
        x, y = next(batches)
        assert x.shape == (16, 3, 32, 32) and x.dtype == torch.float32 and y.shape == (16,)
        assert abs(float(x.mean())) < 0.5 and 0.5 < float(x.std()) < 1.5  # normalised, not raw pixels
        # each image is one of its half's, with its own label
        raw = cifar10.to_tensor(half_x).flatten(1)
        rows = [int(torch.cdist(img.flatten()[None], raw).argmin()) for img in x[:3]]
        assert torch.allclose(raw[rows], x[:3].flatten(1)) and (torch.from_numpy(half_y[rows]) == y[:3]).all()


def test_search_batches_are_seeded_and_continue_past_an_epoch():
    half = (np.zeros((40, 32, 32, 3), np.uint8), np.arange(40))
    first = [y for _, (_, y) in zip(range(5), oneshot._endless(half, 16, 3, torch.device("cpu")))]
    again = [y for _, (_, y) in zip(range(5), oneshot._endless(half, 16, 3, torch.device("cpu")))]
    assert all((a == b).all() for a, b in zip(first, again))
    assert all(len(y) == 16 for y in first)  # 2 full batches per epoch, then the next epoch
    assert set(torch.cat(first[:2]).tolist()) != set(torch.cat(first[2:4]).tolist())


def test_step_counts_split_the_iterations_as_the_search_does():
    cfg = oneshot.SearchConfig("reinforce", steps=14, warmup=0.4, C=2, batch_size=8, eval_every=1)
    out = oneshot.search(cfg, torch.device("cpu"))
    first, last = out["records"][0], out["records"][-1]
    assert oneshot.step_counts(14, 0.4) == (5, 9, 5)
    assert (first["weight_steps"], first["arch_step"]) == (5, 0)  # recorded where the warm-up ends
    assert (last["weight_steps"], last["arch_step"]) == (9, 5)


@pytest.mark.parametrize("name", list(estimators.ESTIMATORS))
def test_supernet_search_runs_for_every_estimator(name):
    cfg = oneshot.SearchConfig(name, steps=12, warmup=0.5, C=2, N=1, batch_size=16, eval_every=2)
    out = oneshot.search(cfg, torch.device("cpu"))
    assert out["records"] and out["records"][-1]["arch_step"] == 3
    assert 0 <= out["records"][-1]["nb201_index"] < nb201.N_ARCHS


def test_step_costs_can_count_cpu_seconds():
    cfg = oneshot.SearchConfig("advantagenas", C=2, batch_size=8)
    rows = oneshot.step_costs(cfg, ["advantagenas", "random"], 3, torch.device("cpu"), clock=time.process_time)
    assert [r["estimator"] for r in rows] == ["advantagenas", "random"]
    assert all(r["weight_step_seconds"] > 0 and r["arch_step_seconds"] > 0 for r in rows)


def test_train_cell_returns_a_percentage_of_the_test_images():
    acc = oneshot.train_cell(nb201.ops_of_index(9930), steps=5, C=2, N=1, test_images=200, dev=torch.device("cpu"))
    assert 0.0 <= acc <= 100.0 and (acc * 2).is_integer()  # a count out of 200 images
