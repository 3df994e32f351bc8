"""``jacov`` (Mellor et al., 2021, first version): how decorrelated the input Jacobians of a batch are.

Score = -sum_i [log(v_i + k) + 1 / (v_i + k)] over the eigenvalues v of the correlation matrix
of per-sample Jacobians (k = 1e-5); it is at most -batch size, reached when they are uncorrelated.
"""

import numpy as np
from torch import nn

from nasmeta_lib.proxies.base import PROXIES, Batch, ProxyFacts, input_jacobian

K = 1e-5


@PROXIES.register("jacov", ProxyFacts(
    paper="Mellor et al., arXiv 2006.04647v1, 2020", measures="how decorrelated the per-sample input Jacobians are",
    uses="inputs", scale="<= -batch size (0 is never reached)",
))
def jacov(model: nn.Module, batch: Batch) -> float:
    jacobian, _ = input_jacobian(model, batch)
    return from_jacobian(jacobian)


def from_jacobian(jacobian: np.ndarray) -> float:
    """The score from per-sample input Jacobians, one flattened row per sample."""
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(jacobian)
    if not np.isfinite(corr).all():
        return float("nan")
    v = np.linalg.eigvalsh(corr)
    return float(-np.sum(np.log(v + K) + 1.0 / (v + K)))
