"""Where the work runs: the torch device and the CPU thread count, chosen one way everywhere."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import torch


def device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def use_threads(requested: int) -> int:
    """Let torch use ``requested`` CPU threads, never more than the machine's cores: on a small
    machine extra threads oversubscribe the cores (we measured 9x slower runs). Thread counts
    are therefore a ceiling, so a full profile written for a 16-core box also runs on 2 cores."""
    n = max(1, min(requested, os.cpu_count() or 1))
    torch.set_num_threads(n)
    return n


@contextmanager
def one_cpu_thread(dev: torch.device) -> Iterator[None]:
    """Train CPU models on one thread: small models gain nothing from more on a shared machine,
    and a fixed thread count keeps CPU results reproducible."""
    if dev.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
