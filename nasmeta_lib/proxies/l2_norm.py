"""``l2_norm``: sum over layers of the L2 norm of the (initial) weights; uses no data."""

from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts, layer_sum


@PROXIES.register("l2_norm", ProxyFacts(
    paper="Abdelfattah et al., ICLR 2021", measures="size of the initial weights",
    uses="nothing",
))
def l2_norm(model: nn.Module, batch: Batch) -> float:
    return layer_sum(model, lambda layer: layer.weight.detach().norm())
