"""``params``: parameter count in millions (Suite-Zero's unit)."""

from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch


@PROXIES.register("params")
def params(model: nn.Module, batch: Batch) -> float:
    return sum(p.numel() for p in model.parameters()) / 1e6
