"""What every training-free proxy shares: the batch, the registry, and NaN-safe scoring.

Conventions follow NAS-Bench-Suite-Zero (NASLib's ``ZeroCost`` predictor, itself built on
Abdelfattah et al.'s zero-cost-nas code), so that our scores can be checked against its stored
ones:

- one minibatch of 32 images (the stored ``jacov`` values, which are <= -batch size by
  construction, are all just below -32), cross-entropy loss, network in train mode (BatchNorm
  uses batch statistics) with PyTorch's default initialisation, all scores summed over the
  weights of every ``Conv2d`` and ``Linear`` layer;
- real images are not shipped with any installable package here, so the default batch is
  documented random data: standard-normal pixels (what normalised images look like to the
  first layer) and uniformly drawn labels, both from the given seed.
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import torch
from torch import nn

from nasmeta_lib.registry import Registry

BATCH_SIZE = 32
Proxy = Callable[[nn.Module, "Batch"], float]
PROXIES: Registry[Proxy] = Registry("proxy")
NASLIB_FAILURE = -1e8  # the value NASLib stores when a proxy fails; ours is NaN (see ``score``)


@dataclass(frozen=True)
class ProxyFacts:
    """What a reader needs to know about a proxy's numbers, registered with it.

    ``higher_is_better``: the direction NAS-Bench-Suite-Zero and RoBoT rank it in (a combination
    may still give it a negative weight); ``uses``: what of the batch it reads ("nothing",
    "inputs", "inputs and labels"); ``scale``: the unit or transform of the stored value.
    """

    paper: str
    measures: str
    uses: str
    scale: str = "raw sum over conv/linear weights"
    higher_is_better: bool = True


class ProxyWarning(RuntimeWarning):
    """A proxy gave NaN/inf (or a numerically failed step) for one architecture."""


@dataclass(frozen=True)
class Batch:
    """One minibatch: inputs ``(B, C, H, W)``, integer targets ``(B,)`` and the class count."""

    inputs: torch.Tensor
    targets: torch.Tensor
    num_classes: int

    def to(self, device: torch.device | str) -> "Batch":
        return Batch(self.inputs.to(device), self.targets.to(device), self.num_classes)


def facts_table() -> "pd.DataFrame":
    """One row per registered proxy: what it measures, what it reads, its scale and source.
    (A failed score is NaN here; NASLib stores ``NASLIB_FAILURE`` instead.)"""
    import pandas as pd

    rows = []
    for name in PROXIES.names():
        f = PROXIES.about(name)
        rows.append({"proxy": name, "measures": f.measures, "reads": f.uses, "stored as": f.scale,
                     "direction": "higher is better" if f.higher_is_better else "lower is better",
                     "source": f.paper})
    return pd.DataFrame(rows)


def random_batch(num_classes: int = 10, batch_size: int = BATCH_SIZE, image_size: int = 32,
                 channels: int = 3, seed: int = 0) -> Batch:
    """Documented stand-in for an image batch: N(0, 1) pixels, uniform labels, from ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(batch_size, channels, image_size, image_size, generator=gen)
    targets = torch.randint(0, num_classes, (batch_size,), generator=gen)
    return Batch(inputs, targets, num_classes)


def score(proxy_name: str, model: nn.Module, batch: Batch, seed: int = 0) -> float:
    """The proxy's score of ``model`` on ``batch``; NaN (with a :class:`ProxyWarning`) if not finite.

    The model comes back as it went in (weights, BN statistics, gradients and mode are restored;
    proxies that change the network's structure work on their own copy), and the proxy's own
    randomness is drawn from ``seed``, so equal inputs give equal scores.
    """
    proxy = PROXIES[proxy_name]
    device = _device_of(proxy_name, model, batch)
    try:
        with scoring(model, seed):
            return checked(proxy_name, lambda: proxy(model.train(), batch.to(device)))
    except (RuntimeError, IndexError, ValueError):
        _explain_mismatch(proxy_name, model, batch.to(device))  # a clear error when the network does not fit the batch
        raise


def checked(proxy_name: str, compute: Callable[[], float]) -> float:
    """``compute()`` as a float, or NaN with a :class:`ProxyWarning` when it fails numerically
    or is not finite: one failure rule for every path that scores proxies."""
    try:
        value = float(compute())
    except (np.linalg.LinAlgError, FloatingPointError) as err:
        warnings.warn(f"{proxy_name}: numerical failure ({err}); reported as NaN", ProxyWarning, stacklevel=3)
        return math.nan
    if not math.isfinite(value):
        warnings.warn(f"{proxy_name}: score is {value}; reported as NaN", ProxyWarning, stacklevel=3)
        return math.nan
    return value


class ProxyInputError(ValueError):
    """The network and the batch cannot be scored together (no weights, wrong class count)."""


def _device_of(proxy_name: str, model: nn.Module, batch: Batch) -> torch.device:
    """The model's device, after checking what can be checked without running it."""
    first = next(model.parameters(), None)
    if first is None:
        raise ProxyInputError(f"{proxy_name}: the network has no parameters, so there is nothing to score; "
                              "pass a network with convolution or linear layers")
    if len(batch.targets) and not 0 <= int(batch.targets.min()) <= int(batch.targets.max()) < batch.num_classes:
        raise ProxyInputError(f"{proxy_name}: the batch's labels lie outside 0..{batch.num_classes - 1} "
                              f"(num_classes={batch.num_classes})")
    return first.device


def _explain_mismatch(proxy_name: str, model: nn.Module, batch: Batch) -> None:
    """After a proxy failed: raise a clear error if the network's output does not fit the batch."""
    try:
        with _restored(model), torch.no_grad():
            out = model.train()(batch.inputs)
    except (RuntimeError, IndexError, ValueError):
        raise ProxyInputError(f"{proxy_name}: the network cannot run on inputs of shape {tuple(batch.inputs.shape)} "
                              f"({type(err).__name__}: {str(err).splitlines()[0]})") from err
    if out.ndim != 2 or out.shape[1] != batch.num_classes:
        raise ProxyInputError(f"{proxy_name}: the network outputs shape {tuple(out.shape)} but the batch has "
                              f"{batch.num_classes} classes; build the network with num_classes={batch.num_classes} "
                              "(outputs of shape (batch, classes))")


@contextmanager
def scoring(model: nn.Module, seed: int) -> Iterator[None]:
    """Score inside this: the model is restored afterwards (see :func:`_restored`) and torch's
    global randomness is drawn from ``seed`` without disturbing the caller's generator."""
    device = next(model.parameters()).device
    with _restored(model), torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        yield


@contextmanager
def _restored(model: nn.Module) -> Iterator[None]:
    """Undo what a proxy does to a model in place: state, gradients and train/eval mode."""
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    modes = {m: m.training for m in model.modules()}
    try:
        yield
    finally:
        model.load_state_dict(state)
        for m, training in modes.items():
            m.training = training
        for p in model.parameters():
            p.grad = None


def weighted_layers(model: nn.Module) -> list[nn.Module]:
    """The layers every proxy sums over: convolutions and linear layers."""
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def loss_backward(model: nn.Module, batch: Batch) -> None:
    """One cross-entropy forward/backward pass, leaving gradients in the weights."""
    model.zero_grad()
    nn.functional.cross_entropy(model(batch.inputs), batch.targets).backward()


def grad_of(layer: nn.Module) -> torch.Tensor:
    """The layer's weight gradient; zeros for a layer the loss does not reach (e.g. behind ``none``)."""
    return layer.weight.grad if layer.weight.grad is not None else torch.zeros_like(layer.weight)


def layer_sum(model: nn.Module, per_layer: Callable[[nn.Module], torch.Tensor]) -> float:
    """Sum of ``per_layer(layer)`` over all entries of all weighted layers."""
    with torch.no_grad():
        return float(torch.stack([per_layer(layer).sum() for layer in weighted_layers(model)]).sum())


def input_jacobian(model: nn.Module, batch: Batch) -> tuple[np.ndarray, int]:
    """Per-sample gradient of the summed outputs w.r.t. the input, flattened, and the output width."""
    x = batch.inputs.clone().requires_grad_(True)
    model.zero_grad()
    y = model(x)
    y.backward(torch.ones_like(y))
    return x.grad.detach().flatten(1).double().cpu().numpy(), y.shape[-1]


def strip_batchnorm(model: nn.Module) -> nn.Module:
    """Replace every BatchNorm layer by an identity (in place), as SynFlow prescribes."""
    for name, child in model.named_children():
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            setattr(model, name, nn.Identity())
        else:
            strip_batchnorm(child)
    return model
