"""``nwot`` (NASWOT, Mellor et al., 2021): log-determinant of the batch's ReLU-pattern kernel.

K[i, j] counts the ReLU units (over every ReLU in the network) on which samples i and j are
on the same side of zero; distinct activation patterns give a large log|K|.
"""

import numpy as np
import torch
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts


@PROXIES.register("nwot", ProxyFacts(
    paper='Mellor et al., "NAS without training", ICML 2021',
    measures="how many distinct ReLU patterns the batch produces",
    uses="inputs", scale="log-determinant",
))
def nwot(model: nn.Module, batch: Batch) -> float:
    n = batch.inputs.shape[0]
    kernel = torch.zeros(n, n, dtype=torch.float64, device=batch.inputs.device)

    def count(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal kernel
        kernel = kernel + agreement(inputs[0])

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            model(batch.inputs)
    finally:
        for h in hooks:
            h.remove()
    return from_kernel(kernel)


def agreement(relu_input: torch.Tensor) -> torch.Tensor:
    """One ReLU's share of the kernel: per pair of samples, the units on the same side of zero."""
    codes = (relu_input.detach().flatten(1) > 0).float()
    return (codes @ codes.T + (1 - codes) @ (1 - codes).T).double()


def from_kernel(kernel: torch.Tensor) -> float:
    """The score: log-determinant of the summed kernel."""
    _, logdet = np.linalg.slogdet(kernel.cpu().numpy())
    return float(logdet)
