"""``synflow`` (Tanaka et al., 2020): synaptic flow of the network with all weights made positive.

BatchNorm is removed, every parameter replaced by its absolute value, and an all-ones input
(one sample, float64 against overflow) sent through; the score is sum |w * dR/dw| with R the
summed output. Suite-Zero stores its natural log (sign-preserving), and so do we.
"""

import copy
import math

import torch
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts, grad_of, layer_sum, strip_batchnorm


@PROXIES.register("synflow", ProxyFacts(
    paper="Tanaka et al., NeurIPS 2020", measures="synaptic flow through the network with positive weights",
    uses="input shape only", scale="natural log, sign kept",
))
def synflow(model: nn.Module, batch: Batch) -> float:
    model = strip_batchnorm(copy.deepcopy(model)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.abs_()
    model.zero_grad()
    ones = torch.ones((1, *batch.inputs.shape[1:]), dtype=torch.float64, device=batch.inputs.device)
    model(ones).sum().backward()
    total = layer_sum(model, lambda layer: (layer.weight * grad_of(layer)).abs())
    if total == 0.0 or not math.isfinite(total):
        return total
    return math.copysign(math.log(abs(total)), total)
