"""Architecture-gradient estimators for sparse-propagation one-shot NAS (AdvantageNAS, AAAI 2021).

The architecture is a categorical distribution per edge, ``p_i = softmax(theta_i)`` over ``K`` ops,
and the search minimises the expected loss ``J(theta) = E_{a ~ p_theta}[L(a)]``. Each step samples
one op per edge (sparse propagation: only that op is computed), and an estimator turns what one
forward/backward pass reveals into an estimate of ``grad J``:

* ``loss``: ``L(a)`` of the sampled architecture;
* ``gate_grad[i, k]``: the derivative of the loss with respect to a scalar gate multiplying op
  ``k``'s output on edge ``i``. For the sampled op this is ``<dL/dy_i, y_i>``, the first-order
  estimate of ``L(a) - L(a with edge i's output zeroed)``: the *credit* of that edge.

Estimators (descent directions, i.e. estimates of ``+grad J``; shapes ``(B, E, K)`` where ``B``
independent searches run side by side):

``reinforce``     ``(L - b) (onehot - p)`` with a moving-average baseline ``b`` (EMA 0.05).
``parsec``        PARSEC's empirical-Bayes Monte Carlo step: ``m`` = 8 samples, importance
                  weights ``softmax(-L / T)``, step ``-sum_j w_j (onehot_j - p)``.
``gdas``          GDAS: straight-through Gumbel-softmax, temperature annealed 10 -> 0.1; gates of
                  unsampled ops enter the output as constants (GDAS's sparse trick).
``proxylessnas``  ProxylessNAS binary gates: two candidates per edge, one active; gradient of the
                  two gates through the pair's renormalised softmax, then the pair's logits are
                  shifted so the pair keeps its total probability.
``advantagenas``  AdvantageNAS: the credit of the sampled op on each edge replaces REINFORCE's
                  shared reward, ``A_i (onehot_i - p_i)`` with ``A_i = gate_grad[i, a_i]``.
``random``        Random search, the negative control: uniform samples (the logits never move),
                  no gradient; it recommends the sampled cell with the lowest loss seen so far.

Every searcher recommends a cell at any time (``recommend``): the argmax of the logits, or random
search's best sample.

Hyperparameters follow the official code (github.com/madoibito80/advantage-nas): baseline EMA
coefficient 0.05, PARSEC with 8 samples, GDAS temperature 10 -> 0.1 linearly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from nasmeta_lib.searchers import SEARCHERS

BASELINE_EMA = 0.05
PARSEC_SAMPLES = 8
GDAS_TAU = (10.0, 0.1)


@dataclass
class Sample:
    """One sampled path per search: which op flows forward on each edge, and which are computed.

    ``gates`` (B, E, K) are the forward values of the gates (1 on the active op, 0 elsewhere);
    ``computed`` marks the ops whose outputs the forward pass must compute (the active op, and for
    ProxylessNAS the second candidate, whose gate gradient needs its output).
    """

    active: torch.Tensor
    gates: torch.Tensor
    computed: torch.Tensor
    constant_inactive: bool = False
    extra: dict = field(default_factory=dict)


def _onehot(index: torch.Tensor, K: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(index, K).to(torch.get_default_dtype())


def _categorical(theta: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """One draw per row of ``softmax(theta)`` by inverting its CDF (many times faster than
    ``torch.multinomial`` on the many small rows of batched searches)."""
    cdf = torch.softmax(theta, -1).cumsum(-1).contiguous()
    u = torch.rand((*theta.shape[:-1], 1), generator=gen, dtype=cdf.dtype)
    return torch.searchsorted(cdf, u).squeeze(-1).clamp_max_(theta.shape[-1] - 1)


def _gumbel(shape: torch.Size, gen: torch.Generator, device: torch.device) -> torch.Tensor:
    u = torch.rand(shape, generator=gen).clamp_(1e-6, 1 - 1e-6).to(device)
    return -torch.log(-torch.log(u))


class Estimator:
    """Base: sample one path per edge from ``softmax(theta)``; subclasses define the gradient."""

    name = ""
    needs_gate_grad = True
    constant_inactive = False

    def __init__(self, batch: int = 1):
        self.batch = batch

    def sample(self, theta: torch.Tensor, gen: torch.Generator, progress: float) -> Sample:
        active = _categorical(theta.detach().cpu(), gen).to(theta.device)
        gates = _onehot(active, theta.shape[-1]).to(theta.device)
        return Sample(active, gates, gates.bool(), self.constant_inactive)

    def gradient(self, theta: torch.Tensor, sample: Sample, loss: torch.Tensor,
                 gate_grad: torch.Tensor | None) -> torch.Tensor | None:
        raise NotImplementedError

    def after_step(self, old: torch.Tensor, new: torch.Tensor, sample: Sample) -> torch.Tensor:
        return new

    def recommend(self, theta: torch.Tensor) -> torch.Tensor:
        """(B, E) op positions of the cell this search would return now."""
        return theta.detach().argmax(-1)


@SEARCHERS.register("oneshot-reinforce")
class Reinforce(Estimator):
    name = "reinforce"
    needs_gate_grad = False

    def __init__(self, batch: int = 1):
        super().__init__(batch)
        self.baseline: torch.Tensor | None = None

    def observe(self, loss: torch.Tensor) -> torch.Tensor:
        """Fold ``loss`` into the moving-average baseline; returns the baseline from before, the one
        this sample is scored with, so that it never depends on the sample (unbiased)."""
        b = loss.new_zeros(loss.shape) if self.baseline is None else self.baseline
        self.baseline = loss.clone() if self.baseline is None else (1 - BASELINE_EMA) * b + BASELINE_EMA * loss
        return b

    def gradient(self, theta, sample, loss, gate_grad):
        b = self.observe(loss)
        score = sample.gates - torch.softmax(theta, -1)
        return (loss - b)[:, None, None] * score


@SEARCHERS.register("oneshot-parsec")
class Parsec(Estimator):
    name = "parsec"
    needs_gate_grad = False

    def __init__(self, batch: int = 1, samples: int = PARSEC_SAMPLES, temperature: float = 1.0):
        super().__init__(batch)
        self.samples, self.temperature = samples, temperature
        self._losses: list[torch.Tensor] = []
        self._scores: list[torch.Tensor] = []

    def gradient(self, theta, sample, loss, gate_grad):
        self._losses.append(loss)
        self._scores.append(sample.gates - torch.softmax(theta, -1))
        if len(self._losses) < self.samples:
            return None
        w = torch.softmax(-torch.stack(self._losses, 0) / self.temperature, 0)  # (m, B)
        step = -(w[:, :, None, None] * torch.stack(self._scores, 0)).sum(0)
        self._losses, self._scores = [], []
        return step


@SEARCHERS.register("oneshot-gdas")
class Gdas(Estimator):
    name = "gdas"
    constant_inactive = True

    def sample(self, theta, gen, progress):
        tau = GDAS_TAU[0] + (GDAS_TAU[1] - GDAS_TAU[0]) * min(max(progress, 0.0), 1.0)
        soft = torch.softmax((theta.detach() + _gumbel(theta.shape, gen, theta.device)) / tau, -1)
        active = soft.argmax(-1)
        gates = _onehot(active, theta.shape[-1]).to(theta.device)
        return Sample(active, gates, gates.bool(), True, {"soft": soft, "tau": tau})

    def gradient(self, theta, sample, loss, gate_grad):
        # Straight-through: d gate / d theta is the Jacobian of the relaxed sample.
        s, tau = sample.extra["soft"], sample.extra["tau"]
        return (s * gate_grad - s * (s * gate_grad).sum(-1, keepdim=True)) / tau


@SEARCHERS.register("oneshot-proxylessnas")
class ProxylessNas(Estimator):
    name = "proxylessnas"

    def sample(self, theta, gen, progress):
        K = theta.shape[-1]
        probs = torch.softmax(theta.detach().cpu(), -1).reshape(-1, K)
        pair = torch.multinomial(probs, 2, replacement=False, generator=gen)  # (B*E, 2)
        pair_p = torch.softmax(torch.gather(theta.detach().cpu().reshape(-1, K), 1, pair), -1)
        pick = torch.multinomial(pair_p, 1, generator=gen)
        active = torch.gather(pair, 1, pick).reshape(theta.shape[:-1]).to(theta.device)
        pair = pair.reshape(*theta.shape[:-1], 2).to(theta.device)
        gates = _onehot(active, K).to(theta.device)
        computed = gates.bool() | _onehot(pair[..., 0], K).bool() | _onehot(pair[..., 1], K).bool()
        return Sample(active, gates, computed, False, {"pair": pair})

    def gradient(self, theta, sample, loss, gate_grad):
        pair = sample.extra["pair"]
        q = torch.softmax(torch.gather(theta, -1, pair), -1)  # renormalised over the pair
        g = torch.gather(gate_grad, -1, pair)
        d = q * g - q * (q * g).sum(-1, keepdim=True)
        return torch.zeros_like(theta).scatter_(-1, pair, d)

    def after_step(self, old, new, sample):
        # Keep the pair's total probability: shift both logits by the change of their log-mass.
        pair = sample.extra["pair"]
        shift = torch.gather(new, -1, pair).logsumexp(-1) - torch.gather(old, -1, pair).logsumexp(-1)
        return new.scatter_add(-1, pair, -shift[..., None].expand_as(pair).contiguous())


@SEARCHERS.register("oneshot-advantagenas")
class AdvantageNas(Estimator):
    name = "advantagenas"

    def gradient(self, theta, sample, loss, gate_grad):
        credit = torch.gather(gate_grad, -1, sample.active[..., None])  # (B, E, 1)
        return credit * (sample.gates - torch.softmax(theta, -1))


@SEARCHERS.register("oneshot-random")
class RandomSearch(Estimator):
    name = "random"
    needs_gate_grad = False

    def __init__(self, batch: int = 1):
        super().__init__(batch)
        self.best_loss: torch.Tensor | None = None
        self.best: torch.Tensor | None = None

    def gradient(self, theta, sample, loss, gate_grad):
        if self.best is None:
            self.best_loss, self.best = loss.clone(), sample.active.clone()
        better = loss < self.best_loss
        self.best_loss = torch.where(better, loss, self.best_loss)
        self.best = torch.where(better[:, None], sample.active, self.best)
        return None  # the sampling distribution stays uniform

    def recommend(self, theta):
        return super().recommend(theta) if self.best is None else self.best.clone()


ESTIMATORS: dict[str, type[Estimator]] = {
    cls.name: cls for cls in (Reinforce, Parsec, Gdas, ProxylessNas, AdvantageNas, RandomSearch)
}
# The sparse-propagation estimators AdvantageNAS is compared with in the paper.
SP_BASELINES = ("reinforce", "parsec", "gdas", "proxylessnas")
LABELS = {"reinforce": "REINFORCE", "parsec": "PARSEC", "gdas": "GDAS", "proxylessnas": "ProxylessNAS",
          "advantagenas": "AdvantageNAS", "random": "random search"}


def make(name: str, batch: int = 1) -> Estimator:
    if name not in ESTIMATORS:
        raise ValueError(f"unknown estimator {name!r}; known: {', '.join(ESTIMATORS)}")
    return ESTIMATORS[name](batch)


class ArchOptimizer:
    """Adam on the logits with the official settings (beta1 0.5, weight decay 0.003, clip 1.0).

    Clipping is per search (each of the ``B`` rows), so batched searches stay independent.
    """

    def __init__(self, theta: torch.Tensor, lr: float, clip: float | None = 1.0, weight_decay: float = 3e-3):
        self.theta = theta
        self.clip = clip
        self.opt = torch.optim.Adam([theta], lr=lr, betas=(0.5, 0.999), weight_decay=weight_decay)

    def step(self, grad: torch.Tensor, estimator: Estimator, sample: Sample, lr: float | None = None) -> None:
        if self.clip is not None:
            norm = grad.flatten(1).norm(dim=1).clamp_min(1e-12)
            grad = grad * (self.clip / norm).clamp(max=1.0)[:, None, None]
        if lr is not None:
            for group in self.opt.param_groups:
                group["lr"] = lr
        old = self.theta.detach().clone()
        self.theta.grad = grad.detach()
        self.opt.step()
        with torch.no_grad():
            self.theta.copy_(estimator.after_step(old, self.theta.detach(), sample))
