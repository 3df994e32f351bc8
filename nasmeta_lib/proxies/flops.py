"""``flops``: operations of one image's forward pass, in millions (Suite-Zero's unit).

Counted per layer type the way the tool behind Suite-Zero's numbers (tensorwatch's model
statistics) counts them: multiply-accumulates for convolutions and linear layers, 2 per element
for an affine BatchNorm (1 otherwise), 1 per element for ReLU and k x k per output of a k x k
pooling window, and (k + 1) x (k + 1) per output of a global average pool over a k x k map (the
stored NB201 counts imply exactly this). With these rules our counts equal the stored ones on
NB201 and NB101.
"""

import torch
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts


def layer_flops(layer: nn.Module, inputs: torch.Tensor, output: torch.Tensor) -> int:
    if isinstance(layer, nn.Conv2d):
        return output.numel() * layer.in_channels // layer.groups * layer.kernel_size[0] * layer.kernel_size[1]
    if isinstance(layer, nn.Linear):
        return output.numel() * layer.in_features
    if isinstance(layer, nn.modules.batchnorm._BatchNorm):
        return output.numel() * (2 if layer.affine else 1)
    if isinstance(layer, nn.ReLU):
        return output.numel()
    if isinstance(layer, (nn.AvgPool2d, nn.MaxPool2d)):
        k = layer.kernel_size if isinstance(layer.kernel_size, tuple) else (layer.kernel_size,) * 2
        return output.numel() * k[0] * k[1]
    if isinstance(layer, nn.AdaptiveAvgPool2d):
        kh, kw = inputs.shape[-2] // output.shape[-2], inputs.shape[-1] // output.shape[-1]
        return output.numel() * (kh + 1) * (kw + 1)
    return 0


@PROXIES.register("flops", ProxyFacts(
    paper="baseline (NAS-Bench-Suite-Zero)", measures="operations of one forward pass",
    uses="input shape only", scale="millions (tensorwatch counting rules)",
))
def flops(model: nn.Module, batch: Batch) -> float:
    total = 0

    def count(layer: nn.Module, inputs, output: torch.Tensor) -> None:
        nonlocal total
        total += layer_flops(layer, inputs[0], output)

    hooks = [m.register_forward_hook(count) for m in model.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            model(batch.inputs[:1])
    finally:
        for h in hooks:
            h.remove()
    return total / 1e6
