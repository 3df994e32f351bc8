"""The ten NAS-Bench-360 tasks (Tu et al., NeurIPS 2022), registered in ``TASKS``.

Each entry gives the task's shape, loss, metric (lower is better, as in the paper's Table 2),
train/val/test sizes and the manifest files of its official data
(``data_manifests/nas_bench_360.toml``). ``TASKS["ninapro"].load()`` reads the official files;
``load_darcy_generated`` makes Darcy Flow offline with the FNO generator (``tasks.darcy``).
"""

from __future__ import annotations

import numpy as np

from nasmeta_lib.data import source
from nasmeta_lib.data import status as file_status
from nasmeta_lib.registry import Registry
from nasmeta_lib.tasks import darcy, loaders
from nasmeta_lib.tasks.spec import SOURCE, Split, Task, TaskData, TaskDataMissing

TASKS: Registry = Registry("task")

_DARCY_OFFLINE = "generate it with nasmeta_lib.tasks.load_darcy_generated (FNO generator, tasks/darcy.py)"

for _task in (
    Task("cifar100", "CIFAR-100", "natural images", 2, "point", (3, 32, 32), 100, "cross_entropy",
         "0-1 error %", (40_000, 10_000, 10_000), ("cifar-100-python.tar.gz",), loaders.load_cifar100),
    Task("spherical", "Spherical CIFAR-100", "omnidirectional vision", 2, "point", (3, 60, 60), 100,
         "cross_entropy", "0-1 error %", (40_000, 10_000, 10_000), ("s2_cifar100.gz",), loaders.load_spherical,
         regenerable="project CIFAR-100 onto the sphere (s2cnn gendata.py); not implemented here"),
    Task("ninapro", "NinaPro DB5", "sEMG prosthetics", 2, "point", (1, 16, 52), 18, "cross_entropy",
         "0-1 error %", (2_638, 659, 659),
         tuple(f"{kind}_{s}.npy" for s in ("train", "val", "test") for kind in ("ninapro", "label")),
         loaders.load_ninapro),
    Task("fsd50k", "FSD50K", "audio tagging", 2, "point", (1, 96, 101), 200, "bce", "1 - mAP",
         (36_796, 4_170, 10_231), ("audio.zip",), loaders.load_unsupported),
    Task("darcy", "Darcy Flow", "PDE solution operator", 2, "dense", (3, 85, 85), 1, "relative_l2",
         "relative L2", (900, 100, 100),
         ("piececonst_r421_N1024_smooth1.mat", "piececonst_r421_N1024_smooth2.mat"), loaders.load_darcy_mat,
         regenerable=_DARCY_OFFLINE),
    Task("psicov", "PSICOV", "protein distance maps", 2, "dense", (57, 128, 128), 1, "mse", "MAE_8 (A)",
         (3_356, 100, 150), ("protein.zip",), loaders.load_unsupported),
    Task("cosmic", "Cosmic", "astronomy", 2, "dense", (1, 128, 128), 1, "bce", "FNR % (camera-ready: 1 - AUROC)",
         (4_347, 483, 420), ("deepCR.ACS-WFC.train.tar", "deepCR.ACS-WFC.test.tar"), loaders.load_unsupported),
    Task("ecg", "ECG (PhysioNet 2017)", "cardiology", 1, "point", (1, 1000), 4, "cross_entropy",
         "1 - macro F1", (261_740, 33_281, 33_494), ("challenge2017.pkl",), loaders.load_ecg),
    Task("satellite", "Satellite (Formosat-2)", "earth observation", 1, "point", (1, 46), 24, "cross_entropy",
         "0-1 error %", (800_000, 100_000, 100_000), ("satellite_train.npy", "satellite_test.npy"),
         loaders.load_satellite),
    Task("deepsea", "DeepSEA", "genomics", 1, "point", (4, 1000), 36, "bce", "1 - AUROC",
         (71_753, 2_490, 149_400), ("deepsea_filtered.npz",), loaders.load_deepsea),
):
    TASKS.register(_task.name)(_task)


def load_darcy_generated(
    n_train: int, n_val: int, n_test: int, seed: int = 0, solve_resolution: int = 421, subsample: int = 5,
    workers: int = 1, progress=None,
) -> TaskData:
    """Darcy Flow from the FNO generator: coefficient a -> solution u, each (N, 1, s, s) float32.

    One generated pool is split in order into train, val and test (FNO's smooth1/smooth2 files
    are two draws of the same distribution).
    """
    config = darcy.DarcyConfig(n_train + n_val + n_test, seed, solve_resolution, subsample)
    coeff, sol = darcy.generate(config, workers=workers, progress=progress)
    coeff, sol = coeff[:, None], sol[:, None]
    cuts = np.cumsum([n_train, n_val])
    parts = [Split(c, s) for c, s in zip(np.split(coeff, cuts), np.split(sol, cuts))]
    return TaskData("darcy", *parts, note=generated_darcy_note(config))


def generated_darcy_note(config: darcy.DarcyConfig) -> str:
    """How a generated Darcy set differs from the released one (said beside every result on it)."""
    r = config.solve_resolution
    return (f"regenerated with the FNO procedure at {r}x{r}, subsampled by {config.subsample} to "
            f"{config.resolution}x{config.resolution} (seed {config.seed}); not the released arrays")


def status() -> list[dict]:
    """Per task: which official files are present and verified (nothing is downloaded)."""
    src = source(SOURCE)
    rows = []
    for name in TASKS:
        task = TASKS[name]
        states = [file_status(src.file(f)) for f in task.files]
        rows.append(
            {
                "task": name,
                "title": task.title,
                "files": len(task.files),
                "verified": sum(s.verified for s in states),
                "available": all(s.verified for s in states),
                "offline": task.regenerable,
            }
        )
    return rows


__all__ = ["SOURCE", "TASKS", "Split", "Task", "TaskData", "TaskDataMissing", "generated_darcy_note",
           "load_darcy_generated", "status"]
