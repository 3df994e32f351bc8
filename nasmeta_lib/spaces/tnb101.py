"""TransNAS-Bench-101 micro networks: an NB201-style 4-op cell in a ResNet-like encoder.

The encoder is the benchmark's ``64-41414-<cell>`` network: a two-conv stride-4 stem to 64
channels, then five layers of two cells each; layer code 4 halves the resolution and doubles
the channels in its first cell, code 1 keeps both. Edges leaving a cell's input node carry the
stride and channel change. A linear head on the pooled 512 channels serves the classification
and regression tasks (class_scene: 63, class_object: 100, room_layout: 9 outputs); the
pixel-level decoders are not built here. Parameter counts match Suite-Zero's stored ``params``
for class_scene, which also pins down the encoding (ops in ``nb201.EDGES`` order), and FLOPs on
the benchmark's 256 x 256 inputs match its stored ``flops``.
"""

from __future__ import annotations

import torch
from torch import nn

from nasmeta_lib.benchmarks.encoding import TNB_MICRO_OPS
from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.spaces.base import SPACES, StagedNetwork
from nasmeta_lib.spaces.nb201 import OPS as NB201_OPS
from nasmeta_lib.spaces.nb201 import Cell, ReLUConvBN, check_adjacency

OPS = {name: NB201_OPS[name] for name in TNB_MICRO_OPS}
TASK_OUTPUTS = {"class_scene": 63, "class_object": 100, "room_layout": 9}


def validate_ops(ops) -> tuple[str, ...]:
    return nb201.validate_ops(ops, tuple(OPS), "TransNAS-Bench-101 micro")


class TNB101MicroNetwork(StagedNetwork):
    """Encoder of one micro cell (six ops in ``nb201.EDGES`` order) plus a linear head."""

    def __init__(self, ops, num_classes: int = 63, base_channels: int = 64, macro_code: str = "41414"):
        super().__init__()
        self.arch = validate_ops(ops)
        half = base_channels // 2
        self.stem = nn.Sequential(
            nn.Conv2d(3, half, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(half),
            ReLUConvBN(half, base_channels, 3, 2, 1),
        )
        layers, C = [], base_channels
        for code in macro_code:
            if code not in "1234":
                raise nb201.InvalidArchitecture(f"macro code digits must be 1..4, got {macro_code!r}")
            C_out = 2 * C if int(code) % 2 == 0 else C
            stride = 2 if int(code) > 2 else 1
            layers.append(nn.Sequential(
                Cell(self.arch, C, C_out, stride, op_table=OPS),
                Cell(self.arch, C_out, C_out, 1, op_table=OPS),
            ))
            C = C_out
        self.stages = nn.ModuleList(layers)  # the encoder's layers
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(C, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(self.forward_pre_gap(x)).flatten(1))


@SPACES.register("tnb101_micro")
def _build(ops: list[str], adjacency: list[int] | None, **kw) -> TNB101MicroNetwork:
    check_adjacency(adjacency)
    return TNB101MicroNetwork(ops, **kw)
