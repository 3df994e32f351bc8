"""NAS accuracy predictors and how they are trained: from scratch, pretrained, meta-learned.

``PREDICTORS[name](hidden=..., layers=...)`` builds a :class:`~nasmeta_lib.predictors.model.Predictor`:

- ``gcn``: GCN over the node-op cell graph;
- ``gcn_proxy``: the GCN's graph embedding plus the zero-cost proxy vector (the paper's setup:
  a GCN predictor that also reads zero-cost proxies);
- ``mlp_onehot``: MLP on the one-hot ops + adjacency of the padded graph;
- ``mlp_proxy``: MLP on the proxy vector alone (space-agnostic).
"""

from __future__ import annotations

from functools import partial

from nasmeta_lib.predictors.model import Predictor
from nasmeta_lib.registry import Registry

PREDICTORS: Registry = Registry("predictor")
for _name, _graph, _proxies in (
    ("gcn", "gcn", False),
    ("gcn_proxy", "gcn", True),
    ("mlp_onehot", "onehot", False),
    ("mlp_proxy", None, True),
):
    PREDICTORS.register(_name)(partial(Predictor, _graph, _proxies))

# Predictors that read nothing but proxies: useless on a setting with no stored proxies.
PROXY_ONLY = frozenset({"mlp_proxy"})

__all__ = ["PREDICTORS", "PROXY_ONLY", "Predictor"]
