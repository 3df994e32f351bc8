"""Several proxies from one forward pass: the fast path for scoring every cell of a space.

``score`` runs each proxy on its own, with its own forward and backward passes. Many proxies
read the same quantities, so ``score_together`` computes those once per network:

- one forward pass of the batch, with hooks that keep what ``fisher`` (conv/linear outputs)
  and ``nwot`` (the ReLU-pattern kernel) read;
- one loss backward for the weight gradients (``grad_norm``, ``snip``, ``plain``, ``grasp``'s
  fixed gradient) and the activation gradients (``fisher``); built with its graph when
  ``grasp`` is asked for, whose Hessian-gradient product then costs one more backward;
- one backward of the summed outputs to the input for ``jacov``.

Each proxy's formula is the one of its own module (``snip.per_layer``, ``fisher.total``, ...);
only the passes are shared. Proxies that read another network or input (``synflow``: positive
weights, no BatchNorm; ``flops``: one image; ``params``) and the others fall back to ``score``.
The forward passes are the same computation (train-mode BatchNorm uses the batch's own
statistics), so the scores equal the one-at-a-time ones up to float rounding of the
re-associated sums (``tests/test_proxy_table.py``: relative 1e-5).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from nasmeta_lib.proxies import fisher, grad_norm, grasp, jacov, nwot, plain, snip
from nasmeta_lib.proxies.base import PROXIES, Batch, checked, layer_sum, score, scoring, weighted_layers

LOSS_GRADIENT = ("grad_norm", "snip", "plain", "fisher", "grasp")  # read the loss backward
SHARED = (*LOSS_GRADIENT, "jacov", "nwot")  # computed from the one batch forward
PER_LAYER = {"grad_norm": grad_norm.per_layer, "snip": snip.per_layer, "plain": plain.per_layer}


def score_together(model: nn.Module, batch: Batch, proxies: Sequence[str], seed: int = 0) -> dict[str, float]:
    """``{proxy: score(proxy, model, batch, seed)}``, sharing passes between the proxies in ``SHARED``."""
    for name in proxies:
        PROXIES[name]  # unknown names fail before any work
    together = [p for p in proxies if p in SHARED]
    scores = _shared_passes(model, batch, together, seed) if together else {}
    for name in proxies:
        if name not in scores:
            scores[name] = score(name, model, batch, seed)
    return {name: scores[name] for name in proxies}


def _shared_passes(model: nn.Module, batch: Batch, proxies: list[str], seed: int) -> dict[str, float]:
    device = next(model.parameters()).device
    batch = batch.to(device)
    layers = weighted_layers(model)
    outputs: dict[nn.Module, torch.Tensor] = {}
    kernel = torch.zeros(len(batch.targets), len(batch.targets), dtype=torch.float64, device=device)

    def keep_output(layer: nn.Module, inputs, output: torch.Tensor) -> None:
        if output.requires_grad:
            outputs[layer] = output

    def count_relu(module: nn.Module, inputs, output: torch.Tensor) -> None:
        nonlocal kernel
        kernel = kernel + nwot.agreement(inputs[0])

    scores: dict[str, float] = {}
    with scoring(model, seed):
        model.train()
        hooks = [layer.register_forward_hook(keep_output) for layer in layers if "fisher" in proxies]
        hooks += [m.register_forward_hook(count_relu) for m in model.modules()
                  if isinstance(m, nn.ReLU) and "nwot" in proxies]
        try:
            x = batch.inputs.clone().requires_grad_("jacov" in proxies)
            y = model(x)
        finally:
            for h in hooks:
                h.remove()
        if "nwot" in proxies:
            scores["nwot"] = checked("nwot", lambda: nwot.from_kernel(kernel))
        weight_grads: tuple = ()
        if any(p in LOSS_GRADIENT for p in proxies):
            weights = [layer.weight for layer in layers]
            activations = list(outputs.values())
            grads = torch.autograd.grad(nn.functional.cross_entropy(y, batch.targets), weights + activations,
                                        create_graph="grasp" in proxies, retain_graph=True, allow_unused=True)
            weight_grads, activation_grads = grads[:len(weights)], grads[len(weights):]
            for weight, g in zip(weights, weight_grads):
                weight.grad = None if g is None else g.detach()
            for name in PER_LAYER:
                if name in proxies:
                    scores[name] = checked(name, lambda: layer_sum(model, PER_LAYER[name]))
            if "fisher" in proxies:
                saliency = {layer: fisher.channel_saliency(out.detach(), g.detach())
                            for (layer, out), g in zip(outputs.items(), activation_grads) if g is not None}
                scores["fisher"] = checked("fisher", lambda: fisher.total(saliency))
        if "jacov" in proxies:  # before grasp, whose backward frees the forward graph
            (jacobian,) = torch.autograd.grad(y, x, torch.ones_like(y), retain_graph="grasp" in proxies)
            scores["jacov"] = checked("jacov", lambda: jacov.from_jacobian(
                jacobian.detach().flatten(1).double().cpu().numpy()))
        if "grasp" in proxies:
            model.zero_grad(set_to_none=True)
            scores["grasp"] = checked("grasp", lambda: grasp.from_gradients(model, weight_grads, weight_grads))
    return scores
