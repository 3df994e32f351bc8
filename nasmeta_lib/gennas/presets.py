"""Named proxy tasks from the GenNAS paper's official code (hyperparameters, not code).

- ``combo``: the hand-designed combination of all bases (no search, no noise).
- ``nb101_searched``: the task the official code ships after searching on 20 labelled
  NAS-Bench-101 architectures ("GenNAS-N"), which the paper also transfers to NAS-Bench-201.
- ``sin1d`` / ``sin2d`` / ``dot``: single bases on every stage, for the ablation.
"""

from __future__ import annotations

from nasmeta_lib.gennas.signals import Basis, TaskConfig

HIGH = (0.375, 0.3875, 0.4, 0.4125, 0.425, 0.4375, 0.45, 0.4625, 0.475, 0.4875)
MID = (0.125, 0.15, 0.175, 0.2, 0.225, 0.25, 0.275, 0.3, 0.325, 0.35)

COMBO = TaskConfig(
    stages=(
        (Basis("sin1d", 1.0, HIGH), Basis("sin2d", 1.0, HIGH), Basis("dot", 1.0, partial=1.0)),
        (Basis("sin1d", 1.0, HIGH), Basis("sin2d", 1.0, MID), Basis("resize", 1.0)),
        (Basis("sin1d", 1.0, HIGH), Basis("dot", 1.0, partial=1.0), Basis("resize", 1.0)),
    ),
    noise="gaussian", noise_level=0.0, name="combo",
)

NB101_SEARCHED = TaskConfig(
    stages=(
        (Basis("sin2d", 1.1, (0.0143, 0.0169, 0.0149, 0.0204, 0.0229, 0.0172, 0.0156, 0.0192, 0.0155, 0.0146)),),
        (Basis("sin1d", 1.8, (0.2991, 0.3060, 0.3038, 0.2880, 0.2934, 0.2961, 0.3059, 0.2929, 0.3056, 0.2959)),
         Basis("sin2d", 2.9, (0.3798, 0.3818, 0.3583, 0.3276, 0.2649, 0.2808, 0.4205, 0.3414, 0.3036, 0.4203)),
         Basis("dot_gaussian", 1.1, partial=0.578125),
         Basis("resize", 2.4)),
        (Basis("sin1d", 1.5, (0.1539, 0.1057, 0.1066, 0.1576, 0.1337, 0.1051, 0.1319, 0.1318, 0.1028, 0.1094),
               local=False),
         Basis("sin2d", 0.9, (0.1979, 0.2031, 0.1034, 0.2048, 0.1357, 0.2091, 0.2454, 0.0864, 0.1352, 0.1453),
               local=False),
         Basis("dot_gaussian", 2.1, partial=0.4375, local=False),
         Basis("resize", 2.2)),
    ),
    noise="uniform", noise_level=0.1, channels=(64, 48, 16), name="nb101_searched",
)


def _single(kind: str) -> TaskConfig:
    basis = Basis(kind, 1.0, MID) if kind.startswith("sin") else Basis(kind, 1.0, partial=0.5)
    return TaskConfig(stages=((basis,),) * 3, name=kind)


PRESETS: dict[str, TaskConfig] = {
    t.name: t for t in (COMBO, NB101_SEARCHED, _single("sin1d"), _single("sin2d"), _single("dot"))
}
