"""The typed table every benchmark setting is loaded into."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# Zero-cost proxies known to the project, in NAS-Bench-Suite-Zero naming.
PROXIES: tuple[str, ...] = (
    "flops", "params", "snip", "jacov", "grad_norm", "plain", "epe_nas",
    "fisher", "grasp", "l2_norm", "synflow", "nwot", "zen",
)

# Columns every table has, whatever the benchmark:
#   arch_id   str        unique within the benchmark (NB201: the official index as text)
#   ops       list[str]  operations in the space's canonical order (see ``encoding`` docs)
#   adjacency list[int]  flattened square 0/1 adjacency matrix of the cell/graph
#   accuracy  float      the setting's quality metric, higher is better (see Setting.metric)
# plus any stored proxies (PROXIES), ``<proxy>_seconds`` where the source records timing,
# and space-specific keys (NB201: nb201_index, arch_str).
BASE_COLUMNS: tuple[str, ...] = ("arch_id", "ops", "adjacency", "accuracy")


@dataclass(frozen=True)
class Setting:
    """One (benchmark, task) pair: a pool of architectures with a ground-truth metric."""

    benchmark: str
    task: str
    space: str
    metric: str
    source: str
    file: str

    @property
    def key(self) -> str:
        return f"{self.benchmark}/{self.task}"


@dataclass
class BenchmarkTable:
    """A loaded setting: one row per architecture."""

    setting: Setting
    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def accuracy(self) -> pd.Series:
        return self.frame["accuracy"]

    @property
    def proxies(self) -> list[str]:
        """Names of the zero-cost proxies stored for this setting."""
        return [p for p in PROXIES if p in self.frame.columns]

    def __repr__(self) -> str:
        return (
            f"BenchmarkTable({self.setting.key}: {len(self)} archs, space={self.setting.space}, "
            f"proxies={self.proxies})"
        )
