"""``plain``: the signed first-order saliency w * dL/dw summed over all weights."""

import torch
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts, grad_of, layer_sum, loss_backward


@PROXIES.register("plain", ProxyFacts(
    paper="Abdelfattah et al., ICLR 2021", measures="signed first-order saliency w * dL/dw",
    uses="inputs and labels",
))
def plain(model: nn.Module, batch: Batch) -> float:
    loss_backward(model, batch)
    return layer_sum(model, per_layer)


def per_layer(layer: nn.Module) -> torch.Tensor:
    """The layer's terms, read from the loss gradient in ``weight.grad``."""
    return layer.weight * grad_of(layer)
