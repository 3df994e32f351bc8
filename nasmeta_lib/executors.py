"""Where a chapter's independent parts run: here, one after another, or on a Dask cluster.

A chapter hands its parts (proxy-table chunks, settings x seeds, cell groups) to
:meth:`nasmeta_lib.chapters.Context.map`; the executor only decides where each part runs. The
coordinator (this process) receives each value as its part finishes and writes the checkpoint,
so a distributed run resumes like a serial one, and either can finish what the other started.
A part's seed follows the part (its parameters), never the worker, so the numbers are the same
whichever executor ran it.

Dask was chosen because it is pure Python, installs in seconds, runs on laptops, HPC queues
(``dask-jobqueue``: SLURM, PBS) and Kubernetes, and works inside notebooks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

Part = tuple[str, Callable[[], Any]]
# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also freezes glibc's mmap
# threshold at 128 KiB: every larger tensor is then mapped and unmapped afresh, and a proxies part
# took 11.8-13.9 CPU s in a worker instead of 4.7-4.8 (README). A fixed 32 MiB mmap threshold keeps
# tensors on the heap while Dask still returns freed memory to the system.
WORKER_ENVIRON = {"MALLOC_MMAP_THRESHOLD_": "33554432"}


class PartFailed(RuntimeError):
    """One or more parts raised; the others finished and kept their checkpoints."""

    def __init__(self, failures: dict[str, BaseException]):
        self.failures = failures
        detail = "; ".join(f"{key}: {type(exc).__name__}: {exc}" for key, exc in failures.items())
        super().__init__(f"{len(failures)} part(s) failed ({detail}); finished parts are checkpointed, "
                         "rerun the same command to retry only the failed ones")


class Executor(Protocol):
    """Runs parts and yields ``(key, value)`` as each finishes (in any order)."""

    def run(self, parts: list[Part]) -> Iterator[tuple[str, Any]]: ...

    def describe(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class Serial:
    """The default: parts one after another in this process."""

    def run(self, parts: list[Part]) -> Iterator[tuple[str, Any]]:
        failures: dict[str, BaseException] = {}
        for key, fn in parts:
            try:
                value = fn()
            except Exception as exc:  # reported with its part once the others are done
                failures[key] = exc
                continue
            yield key, value
        if failures:
            raise PartFailed(failures)

    def describe(self) -> dict[str, Any]:
        return {"executor": "serial"}

    def close(self) -> None:
        """Nothing to release."""


def _capped(fn: Callable[[], Any], threads: int) -> Callable[[], Any]:
    """The part, run with at most ``threads`` torch threads so workers don't oversubscribe cores."""

    def part() -> Any:
        from nasmeta_lib import compute

        compute.use_threads(threads)
        return fn()

    return part


@dataclass
class Dask:
    """Parts as tasks on a Dask cluster: a local one of ``workers`` processes, or the scheduler at
    ``address`` (e.g. started by ``dask-jobqueue`` on SLURM/PBS). ``resources`` (e.g.
    ``{"GPU": 1}``) is asked of the worker for every part, so GPU parts land on GPU workers
    started with ``--resources GPU=1``. ``environ`` is set in a local cluster's workers before
    they start (:data:`WORKER_ENVIRON`; workers of an existing scheduler need it in their own
    Dask configuration, see the README)."""

    workers: int | None = None
    address: str | None = None
    threads_per_worker: int = 1
    resources: dict[str, float] | None = None
    environ: dict[str, str] = field(default_factory=lambda: dict(WORKER_ENVIRON))

    def __post_init__(self) -> None:
        if (self.workers is None) == (self.address is None):
            raise ValueError("give either a number of local workers or a scheduler address")
        self._client = None

    def client(self):
        if self._client is None:
            import dask
            from distributed import Client, LocalCluster

            if self.address:
                self._client = Client(self.address)
            else:
                settings = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in self.environ.items()}
                # the workers share this machine: one that misses heartbeats was suspended with it (a
                # laptop asleep), not lost, and restarting it would throw its running parts away
                settings["distributed.scheduler.worker-ttl"] = None
                before = dict(os.environ)  # the nannies set the workers' environment in this process's
                try:
                    with dask.config.set(settings):
                        cluster = LocalCluster(n_workers=self.workers, threads_per_worker=self.threads_per_worker,
                                               processes=True, dashboard_address=None)
                finally:  # so later clusters and subprocesses start from the user's own
                    os.environ.clear()
                    os.environ.update(before)
                self._client = Client(cluster)
        return self._client

    def run(self, parts: list[Part]) -> Iterator[tuple[str, Any]]:
        from distributed import as_completed

        client = self.client()
        futures = {
            client.submit(_capped(fn, self.threads_per_worker), key=f"nasmeta-{key}-{id(fn)}", pure=False,
                          resources=self.resources): key
            for key, fn in parts
        }
        failures: dict[str, BaseException] = {}
        for future in as_completed(futures):
            key = futures[future]
            if future.status == "error":
                failures[key] = future.exception()
                continue
            yield key, future.result()
        if failures:
            raise PartFailed(failures)

    def close(self) -> None:
        if self._client is not None:
            cluster = self._client.cluster
            self._client.close()
            if cluster is not None:
                cluster.close()
            self._client = None

    def describe(self) -> dict[str, Any]:
        where = f"scheduler {self.address}" if self.address else f"local cluster, {self.workers} workers"
        info = {"executor": "dask", "cluster": where, "threads_per_worker": self.threads_per_worker}
        if self._client is not None:
            info["workers"] = len(self._client.scheduler_info().get("workers", {}))
        return info | ({"resources": self.resources} if self.resources else {})


def in_words(description: dict[str, Any]) -> str:
    """How a run's parts ran, from its executor's ``describe()`` (as the provenance records it), for
    a result's notes: read from the executor, so the note never names a number of workers that did
    not run."""
    if description.get("executor") == "serial":
        return "ran one after another in one process"
    if description.get("executor") == "dask":
        where = description.get("cluster", "a cluster")
        if "workers" in description and not where.startswith("local"):
            where += f", {description['workers']} workers"
        threads = description.get("threads_per_worker", 1)
        return f"ran as tasks on a Dask cluster ({where}, {threads} torch thread(s) each)"
    return f"ran on {description}"


def from_environment() -> Executor:
    """The executor named by ``NASMETA_WORKERS`` (a local cluster of that many processes) or
    ``NASMETA_SCHEDULER`` (an existing scheduler's address), else :class:`Serial`. The CLI's
    ``--workers``/``--scheduler`` set these, so a notebook's kernel inherits them."""
    workers, address = os.environ.get("NASMETA_WORKERS"), os.environ.get("NASMETA_SCHEDULER")
    if address:
        return Dask(address=address)
    if workers:
        if not workers.isdigit() or int(workers) < 1:
            raise ValueError(f"NASMETA_WORKERS={workers!r} is not a positive number of workers")
        return Dask(workers=int(workers))
    return Serial()
