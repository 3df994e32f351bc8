"""``fisher`` (Turner et al., 2020; Theis et al., 2018): channel saliency from activations x gradients.

For every conv/linear output channel k: 0.5 * mean over the batch of (sum over positions of
activation * its loss gradient)^2. As in the reference implementation, each channel's value is
then counted once per weight feeding that channel (``prod(weight.shape[1:])`` times).
"""

import torch
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts, weighted_layers


@PROXIES.register("fisher", ProxyFacts(
    paper="Turner et al., ICLR 2020; Theis et al., 2018",
    measures="channel saliency: activations times their loss gradients, squared",
    uses="inputs and labels",
))
def fisher(model: nn.Module, batch: Batch) -> float:
    saliency: dict[nn.Module, torch.Tensor] = {}

    def capture(layer: nn.Module, inputs, output: torch.Tensor) -> None:
        act = output.detach()

        def accumulate(grad: torch.Tensor) -> None:
            saliency[layer] = saliency.get(layer, 0) + channel_saliency(act, grad)

        if output.requires_grad:
            output.register_hook(accumulate)

    layers = weighted_layers(model)
    hooks = [layer.register_forward_hook(capture) for layer in layers]
    try:
        model.zero_grad()
        nn.functional.cross_entropy(model(batch.inputs), batch.targets).backward()
    finally:
        for h in hooks:
            h.remove()
    return total(saliency)


def channel_saliency(activation: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Per output channel: 0.5 * batch mean of (sum over positions of activation * gradient)^2."""
    g = activation * grad
    per_sample = g.flatten(2).sum(-1) if g.dim() > 2 else g
    return 0.5 * per_sample.pow(2).mean(0)


def total(saliency: dict[nn.Module, torch.Tensor]) -> float:
    """The score: each channel's saliency counted once per weight feeding that channel."""
    return float(sum(s.sum().item() * layer.weight[0].numel() for layer, s in saliency.items()))
