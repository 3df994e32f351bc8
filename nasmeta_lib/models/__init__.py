"""Trainable models: the WRN backbone (1D/2D, point/dense) and the FNO expert.

The NB201-style cell networks of NAS-Bench-360's tasks are in :mod:`nasmeta_lib.models.cells`
(not imported here: they build on :mod:`nasmeta_lib.spaces`, which uses this package's layers).
"""

from nasmeta_lib.models.fno import FNO2d
from nasmeta_lib.models.wrn import WideResNet

__all__ = ["FNO2d", "WideResNet"]
