"""Readers for the official NAS-Bench-360 file formats (paper appendix; NB360 data loaders).

Every reader first obtains verified local copies through the data manifest. The NB360 files
have no published checksums, so until a user pins one in ``nas_bench_360.toml`` the fetcher
refuses them and the reader raises :class:`TaskDataMissing` naming the file and the fix.
Splits and preprocessing follow the official loaders (see ``shared/docs/claim-nb360.md`` s1.2).
"""

from __future__ import annotations

import gzip
import pickle
import tarfile
from pathlib import Path

import numpy as np

from nasmeta_lib.data import DataError, fetch
from nasmeta_lib.tasks.spec import SOURCE, Split, Task, TaskData, TaskDataMissing


def files_of(task: Task) -> dict[str, Path]:
    """Verified local paths of all the task's files, or a task-level error saying what is missing."""
    paths, problems = {}, []
    for name in task.files:
        try:
            paths[name] = fetch(SOURCE, name, progress=False)
        except DataError as exc:
            problems.append(f"- {name}: {exc}")
    if problems:
        raise TaskDataMissing(
            f"task {task.name!r} ({task.title}) cannot run: its official data is not available.\n"
            + "\n".join(problems)
            + (f"\nOffline alternative: {task.regenerable}" if task.regenerable else "")
        )
    return paths


def _split_tail(x: np.ndarray, y: np.ndarray, n_val: int) -> tuple[Split, Split]:
    """Train = all but the last ``n_val`` rows, val = the last ``n_val`` rows (NB360 convention)."""
    return Split(x[:-n_val], y[:-n_val]), Split(x[-n_val:], y[-n_val:])


CIFAR100_MEAN = np.array([0.5071, 0.4867, 0.4408], dtype=np.float32)
CIFAR100_STD = np.array([0.2675, 0.2565, 0.2761], dtype=np.float32)


def load_cifar100(task: Task) -> TaskData:
    """CIFAR-100 python tarball; train 40k / val last 10k of the training set / official test."""
    (path,) = files_of(task).values()
    parts = {}
    with tarfile.open(path) as tar:
        for split in ("train", "test"):
            raw = pickle.load(tar.extractfile(f"cifar-100-python/{split}"), encoding="latin1")
            x = raw["data"].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
            x = (x - CIFAR100_MEAN[:, None, None]) / CIFAR100_STD[:, None, None]
            parts[split] = (x, np.asarray(raw["fine_labels"], dtype=np.int64))
    train, val = _split_tail(*parts["train"], n_val=task.splits[1])
    return TaskData(task.name, train, val, Split(*parts["test"]), note="no augmentation applied here")


def load_spherical(task: Task) -> TaskData:
    """``s2_cifar100.gz`` (gzip pickle); float32 0..255 with no normalisation, as NB360 does."""
    (path,) = files_of(task).values()
    with gzip.open(path, "rb") as fh:
        raw = pickle.load(fh)
    x, y = raw["train"]["images"].astype(np.float32), raw["train"]["labels"].astype(np.int64)
    train, val = _split_tail(x, y, n_val=task.splits[1])
    test = Split(raw["test"]["images"].astype(np.float32), raw["test"]["labels"].astype(np.int64))
    return TaskData(task.name, train, val, test)


def load_ninapro(task: Task) -> TaskData:
    """``ninapro_<split>.npy`` (N, 52, 16) and ``label_<split>.npy``; samples become (1, 16, 52)."""
    paths = files_of(task)
    splits = {}
    for split in ("train", "val", "test"):
        x = np.load(paths[f"ninapro_{split}.npy"]).astype(np.float32)
        splits[split] = Split(x.transpose(0, 2, 1)[:, None], np.load(paths[f"label_{split}.npy"]).astype(np.int64))
    return TaskData(task.name, **splits)


def load_darcy_mat(task: Task, subsample: int = 5) -> TaskData:
    """FNO ``piececonst_r421`` .mat files: train smooth1[:900], val smooth1[900:1000], test smooth2[:100]."""
    from scipy.io import loadmat

    paths = files_of(task)
    arrays = {}
    for name, path in paths.items():
        try:
            mat = loadmat(path, variable_names=["coeff", "sol"])
        except NotImplementedError as exc:  # MATLAB v7.3 files are HDF5
            raise DataError(f"{path}: MATLAB v7.3 (HDF5) file; install h5py to read it ({exc})") from exc
        arrays[name] = (mat["coeff"][:, ::subsample, ::subsample], mat["sol"][:, ::subsample, ::subsample])
    (c1, s1), (c2, s2) = arrays[task.files[0]], arrays[task.files[1]]
    n_train, n_val, n_test = task.splits

    def split(coeff: np.ndarray, sol: np.ndarray, rows: slice) -> Split:
        return Split(coeff[rows, None].astype(np.float32), sol[rows, None].astype(np.float32))

    return TaskData(task.name, split(c1, s1, slice(0, n_train)), split(c1, s1, slice(n_train, n_train + n_val)),
                    split(c2, s2, slice(0, n_test)))


ECG_LABELS = {"N": 0, "A": 1, "O": 2, "~": 3}
ECG_STRIDES = {0: 500, 1: 500 // 6, 2: 250, 3: 500 // 20}  # minority classes oversampled
ECG_WINDOW = 1000


def ecg_windows(signals, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows of 1000 samples with class-dependent strides; returns (x, y, recording id)."""
    xs, ys, ids = [], [], []
    for rec, (signal, label) in enumerate(zip(signals, labels)):
        starts = range(0, len(signal) - ECG_WINDOW, ECG_STRIDES[int(label)])
        xs += [signal[s : s + ECG_WINDOW] for s in starts]
        ys += [label] * len(starts)
        ids += [rec] * len(starts)
    return np.asarray(xs, np.float32)[:, None], np.asarray(ys, np.int64), np.asarray(ids)


def _seeded_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    cut = int(round(n * (1 - fraction)))
    return np.sort(order[:cut]), np.sort(order[cut:])


def load_ecg(task: Task) -> TaskData:
    """``challenge2017.pkl``: per-recording z-score, 80/10/10 split by recording, then windows.

    NB360 splits with scikit-learn's ``train_test_split(random_state=0)``; we use a seeded
    numpy permutation (same proportions, different recordings), and say so in ``note``.
    """
    (path,) = files_of(task).values()
    with open(path, "rb") as fh:
        raw = pickle.load(fh)
    signals = [(s - np.mean(s)) / (np.std(s) + 1e-8) for s in raw["data"]]
    labels = np.array([ECG_LABELS[str(lab)] for lab in raw["label"]])
    train_idx, rest = _seeded_split(len(labels), 0.2, seed=0)
    val_pos, test_pos = _seeded_split(len(rest), 0.5, seed=0)
    parts = {}
    for split, idx in (("train", train_idx), ("val", rest[val_pos]), ("test", rest[test_pos])):
        x, y, _ = ecg_windows([signals[i] for i in idx], labels[idx])
        parts[split] = Split(x, y)
    return TaskData(task.name, **parts, note="recording split by seeded permutation, not scikit-learn's")


def load_satellite(task: Task) -> TaskData:
    """``satellite_{train,test}.npy`` pickled dicts; per-series z-score, labels 1..24 -> 0..23."""
    paths = files_of(task)

    def read(name: str) -> tuple[np.ndarray, np.ndarray]:
        raw = np.load(paths[name], allow_pickle=True).item()
        x = raw["data"].astype(np.float32)
        x = (x - x.mean(1, keepdims=True)) / (x.std(1, keepdims=True) + 1e-8)
        return x[:, None], raw["label"].astype(np.int64) - 1

    train, val = _split_tail(*read("satellite_train.npy"), n_val=task.splits[1])
    return TaskData(task.name, train, val, Split(*read("satellite_test.npy")))


def load_deepsea(task: Task) -> TaskData:
    """``deepsea_filtered.npz``: one-hot DNA (N, 1000, 4) -> (N, 4, 1000), 36 binary labels."""
    (path,) = files_of(task).values()
    with np.load(path) as raw:
        parts = {
            s: Split(raw[f"x_{s}"].transpose(0, 2, 1).astype(np.float32), raw[f"y_{s}"].astype(np.float32))
            for s in ("train", "val", "test")
        }
    return TaskData(task.name, **parts)


def load_unsupported(task: Task) -> TaskData:
    """Tasks whose official pipeline (archives + on-the-fly features) is not re-implemented."""
    files_of(task)  # a missing file is reported first, as for every task
    raise DataError(
        f"task {task.name!r}: the files are present, but reading {', '.join(task.files)} needs "
        "NB360's archive pipeline, which this project does not re-implement (see the NB360 chapter)."
    )
