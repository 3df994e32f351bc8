"""``zen`` (Zen-NAS, Lin et al., 2021): expressivity of the pre-pooling feature map.

With Gaussian weights (conv/linear ~ N(0, 1), BN affine reset) and BN in train mode, the
score is log E_x ||f(x) - f(x + 0.01 eps)||_1 plus, for every BN layer, log sqrt(mean running
variance), which undoes the normalisation's rescaling. ``f`` is the network's
``forward_pre_gap`` (the logits for a model without one). Inputs are Gaussian by definition,
so the batch only fixes their shape. Suite-Zero does not store this proxy for our sample.
"""

import torch
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts, weighted_layers

MIXUP_GAMMA = 1e-2


def _gaussian_init(model: nn.Module) -> None:
    with torch.no_grad():
        for layer in weighted_layers(model):
            nn.init.normal_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)


@PROXIES.register("zen", ProxyFacts(
    paper="Lin et al., ICCV 2021", measures="expressivity of the feature map under Gaussian inputs",
    uses="input shape only", scale="log",
))
def zen(model: nn.Module, batch: Batch) -> float:
    _gaussian_init(model)
    features = getattr(model, "forward_pre_gap", model.forward)
    with torch.no_grad():
        x = torch.randn_like(batch.inputs)
        mixed = x + MIXUP_GAMMA * torch.randn_like(batch.inputs)
        diff = (features(x) - features(mixed)).abs()
        delta = diff.flatten(1).sum(1).mean()
        log_bn = sum(
            torch.log(torch.sqrt(m.running_var.mean())).item()
            for m in model.modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats
        )
    return float(torch.log(delta).item() + log_bn)
