"""``grad_norm``: sum over layers of the L2 norm of the loss gradient w.r.t. the layer's weights."""

import torch
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts, grad_of, layer_sum, loss_backward


@PROXIES.register("grad_norm", ProxyFacts(
    paper="Abdelfattah et al., ICLR 2021", measures="size of the loss gradient at initialisation",
    uses="inputs and labels",
))
def grad_norm(model: nn.Module, batch: Batch) -> float:
    loss_backward(model, batch)
    return layer_sum(model, per_layer)


def per_layer(layer: nn.Module) -> torch.Tensor:
    """The layer's term, read from the loss gradient in ``weight.grad``."""
    return grad_of(layer).norm()
