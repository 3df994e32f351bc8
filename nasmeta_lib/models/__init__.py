"""Trainable models: the WRN backbone (1D/2D, point/dense), the FNO expert, NB201-style cell networks."""

from nasmeta_lib.models.cells import CellNetwork
from nasmeta_lib.models.fno import FNO2d
from nasmeta_lib.models.wrn import WideResNet

__all__ = ["CellNetwork", "FNO2d", "WideResNet"]
