"""``epe_nas`` (Lopes et al., 2021): per-class correlation of input Jacobians.

For each class c with at least two samples in the batch: s_c = sum log(|corr_c| + k) over the
entries of the correlation matrix of its Jacobians. With <= 100 classes the score is
sum_c |s_c|; with more, s_c is divided by the class's sample count and the score is the mean
over classes of sum_c' |s_c - s_c'| (the reference implementation's two cases).
"""

import numpy as np
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts, input_jacobian

K = 1e-5


@PROXIES.register("epe_nas", ProxyFacts(
    paper='Lopes et al., "EPE-NAS", ICANN 2021', measures="how differently each class's input Jacobians correlate",
    uses="inputs and labels", scale="raw score",
))
def epe_nas(model: nn.Module, batch: Batch) -> float:
    jacobian, n_outputs = input_jacobian(model, batch)
    labels = batch.targets.cpu().numpy()
    per_class = {}
    for c in np.unique(labels):
        rows = jacobian[labels == c]
        if len(rows) < 2:
            continue  # a single sample has no correlation matrix (skipped by the reference code too)
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.corrcoef(rows)
        s = np.sum(np.log(np.abs(corr) + K))
        per_class[c] = s / len(corr) if n_outputs > 100 else s
    values = np.array(list(per_class.values()))
    if n_outputs <= 100:
        return float(np.abs(values).sum())
    if len(values) == 0:
        return 0.0
    return float(np.abs(values[:, None] - values[None, :]).sum() / len(values))
