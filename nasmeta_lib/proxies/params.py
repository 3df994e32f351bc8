"""``params``: parameter count in millions (Suite-Zero's unit)."""

from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts


@PROXIES.register("params", ProxyFacts(
    paper="baseline (NAS-Bench-Suite-Zero)", measures="number of parameters",
    uses="nothing", scale="millions",
))
def params(model: nn.Module, batch: Batch) -> float:
    return sum(p.numel() for p in model.parameters()) / 1e6
