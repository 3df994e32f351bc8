"""``grasp`` (Wang et al., 2020): -w * (H g), the weights against the Hessian-gradient product.

Two passes as in the reference implementation: the loss gradient ``g`` (held fixed), then the
gradient of ``g . grad L`` (a Hessian-vector product) lands in ``weight.grad``.
"""

from typing import Sequence

import torch
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts, grad_of, layer_sum, weighted_layers


def _loss(model: nn.Module, batch: Batch) -> torch.Tensor:
    return nn.functional.cross_entropy(model(batch.inputs), batch.targets)


@PROXIES.register("grasp", ProxyFacts(
    paper="Wang et al., ICLR 2020",
    measures="how removing weights would change the gradient flow (Hessian-gradient product)",
    uses="inputs and labels",
))
def grasp(model: nn.Module, batch: Batch) -> float:
    weights = [layer.weight for layer in weighted_layers(model)]
    model.zero_grad()
    g = torch.autograd.grad(_loss(model, batch), weights, allow_unused=True)
    grad_f = torch.autograd.grad(_loss(model, batch), weights, create_graph=True, allow_unused=True)
    return from_gradients(model, g, grad_f)


def from_gradients(model: nn.Module, g: Sequence[torch.Tensor | None],
                   grad_f: Sequence[torch.Tensor | None]) -> float:
    """The score from the fixed loss gradient ``g`` and the same gradient with its graph
    (``grad_f``, from ``create_graph=True``), both over ``weighted_layers(model)``'s weights:
    backpropagating ``g . grad_f`` puts the Hessian-gradient product in ``weight.grad``."""
    z = sum((gi.detach() * fi).sum() for gi, fi in zip(g, grad_f) if gi is not None and fi is not None)
    if torch.is_tensor(z) and z.requires_grad:
        z.backward()
    return layer_sum(model, lambda layer: -layer.weight.detach() * grad_of(layer))
