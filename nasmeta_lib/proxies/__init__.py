"""Training-free (zero-cost) proxies: one module per proxy, one registry, NaN-safe scoring.

    from nasmeta_lib import proxies, spaces
    batch = proxies.random_batch(num_classes=10, seed=0)
    net = spaces.build("nb201", ops)
    proxies.score("synflow", net, batch, seed=0)

``score_archs`` scores many architectures of a space at once (one network per arch, shared
batch, every requested proxy), which is how the external check against Suite-Zero runs.
"""

from nasmeta_lib.proxies import (  # noqa: F401  (each module registers its proxy)
    epe_nas, fisher, flops, grad_norm, grasp, jacov, l2_norm, nwot, params, plain, snip, synflow, zen,
)
from nasmeta_lib.proxies.base import (
    BATCH_SIZE, NASLIB_FAILURE, PROXIES, Batch, ProxyFacts, ProxyWarning, facts_table, random_batch, score,
)
from nasmeta_lib.proxies.data import INPUTS, digits_batch, make_batch
from nasmeta_lib.proxies.evaluate import score_archs

__all__ = [
    "BATCH_SIZE", "INPUTS", "NASLIB_FAILURE", "PROXIES", "Batch", "ProxyFacts", "ProxyWarning", "digits_batch",
    "facts_table", "make_batch", "random_batch", "score", "score_archs",
]
