"""CIFAR-10 images as numpy arrays, decoded once from the verified JPEG tarball and cached.

The source is ``cifar10_jpeg.tar.gz`` (manifest ``cifar10.toml``): all 60,000 images, re-encoded
by its uploader as JPEG at quality 75. The pixels are therefore close to, not identical with, the
original CIFAR-10 ones; accuracies trained on them are comparable with published CIFAR-10 numbers,
not equal to them.

Order (deterministic, the same in every process): classes in the standard CIFAR-10 order
(:data:`CLASSES`, label = position), and within a class the images sorted by file name
(``0000.jpg``, ``0001.jpg``, ...). So ``train`` holds 5,000 airplanes (label 0), then 5,000
automobiles (label 1), ..., and ``test`` the same with 1,000 per class.

The first :func:`load` streams the tarball (nothing is extracted to disk), decodes every image with
Pillow and writes ``<split>_images.npy`` / ``<split>_labels.npy`` into the cache, each via a
temporary file and ``os.replace``; a JSON sidecar with their sha256 is written last. Later loads
read the arrays only if both match the sidecar: a half-written or damaged copy is never used, it
is rebuilt from the tarball (with a one-line warning).
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from nasmeta_lib.data.fetch import DataError, fetch, sha256_of
from nasmeta_lib.data.manifest import source
from nasmeta_lib.paths import cache_dir

CLASSES: tuple[str, ...] = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
SPLIT_SIZES: dict[str, int] = {"train": 50_000, "test": 10_000}
IMAGE_SHAPE = (32, 32, 3)
# The usual CIFAR-10 per-channel statistics (RGB, pixels scaled to [0, 1]).
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)

SOURCE, FILE = "cifar10", "cifar10_jpeg.tar.gz"
CACHE_FORMAT = 1  # bump when the decoded arrays change (order, dtype), so old copies are rebuilt


def _check_split(split: str) -> None:
    if split not in SPLIT_SIZES:
        raise ValueError(f"CIFAR-10 split {split!r} does not exist; choose one of {', '.join(SPLIT_SIZES)}")


def cache_folder() -> Path:
    """Where the decoded arrays live: keyed by the tarball's sha256 and the cache format."""
    sha = source(SOURCE).file(FILE).sha256 or "unverified"
    return cache_dir() / "cifar10" / f"{sha[:12]}_v{CACHE_FORMAT}"


def _paths(split: str) -> tuple[Path, Path, Path]:
    folder = cache_folder()
    return folder / f"{split}_images.npy", folder / f"{split}_labels.npy", folder / f"{split}.json"


def _jpeg_files(tarball: Path) -> dict[str, list[tuple[int, str, bytes]]]:
    """The raw JPEG bytes per split as (label, file name, bytes), from one pass over the gzip stream."""
    found: dict[str, list[tuple[int, str, bytes]]] = {split: [] for split in SPLIT_SIZES}
    with tarfile.open(tarball, mode="r|gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if not member.isfile() or len(parts) < 3 or not parts[-1].endswith(".jpg"):
                continue  # README.md, folders
            split, cls, name = parts[-3:]
            if split in found and cls in CLASSES:
                found[split].append((CLASSES.index(cls), name, tar.extractfile(member).read()))
    for split, files in found.items():
        if len(files) != SPLIT_SIZES[split]:
            raise DataError(f"{FILE}: {len(files)} {split} images, expected {SPLIT_SIZES[split]}; the tarball is incomplete")
    return found


def _decode(files: list[tuple[int, str, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels in the documented order: by label, then by file name."""
    from PIL import Image

    files = sorted(files, key=lambda f: f[:2])
    images = np.empty((len(files), *IMAGE_SHAPE), dtype=np.uint8)
    for i, (_, name, blob) in enumerate(files):
        with Image.open(io.BytesIO(blob), formats=("JPEG",)) as img:
            if img.size != IMAGE_SHAPE[:2]:
                raise DataError(f"{FILE}: {name} is {img.size[0]}x{img.size[1]} pixels, expected 32x32; not CIFAR-10")
            rgb = img if img.mode == "RGB" else img.convert("RGB")
            images[i] = np.frombuffer(rgb.tobytes(), dtype=np.uint8).reshape(IMAGE_SHAPE)
    return images, np.array([label for label, _, _ in files], dtype=np.int64)


def _write_atomically(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as fh:  # a file object: np.save would append ".npy" to a temp name
        np.save(fh, array)


def _store(split: str, images: np.ndarray, labels: np.ndarray) -> None:
    image_path, label_path, sidecar = _paths(split)
    image_path.parent.mkdir(parents=True, exist_ok=True)
    sidecar.unlink(missing_ok=True)  # the arrays are about to change: no stale sidecar may vouch for them
    for path, array in ((image_path, images), (label_path, labels)):
        _write_atomically(path, lambda tmp, a=array: _save_npy(tmp, a))
    meta = {
        "images_sha256": sha256_of(image_path),
        "labels_sha256": sha256_of(label_path),
        "count": len(labels),
        "source": f"{SOURCE}/{FILE}",
        "source_sha256": source(SOURCE).file(FILE).sha256,
    }
    _write_atomically(sidecar, lambda tmp: tmp.write_text(json.dumps(meta, indent=1)))


def _read(split: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached arrays if they match their sidecar; None if absent (or damaged: then warn)."""
    image_path, label_path, sidecar = _paths(split)
    if not sidecar.exists():
        return None  # never built, or a build that did not finish
    try:
        meta = json.loads(sidecar.read_text())
        good = (
            image_path.exists() and label_path.exists()
            and sha256_of(image_path) == meta["images_sha256"]
            and sha256_of(label_path) == meta["labels_sha256"]
        )
    except (ValueError, KeyError, OSError):
        good = False
    if not good:
        warnings.warn(f"CIFAR-10 {split} cache in {image_path.parent} fails its checksum: decoding the tarball again",
                      stacklevel=3)
        return None
    return np.load(image_path), np.load(label_path)


def load(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` of a split: uint8 ``[N, 32, 32, 3]`` (RGB) and int64 ``[N]``.

    ``train`` has 50,000 images, ``test`` 10,000, in the module's documented order.
    """
    _check_split(split)
    cached = _read(split)
    if cached is not None:
        return cached
    found = _jpeg_files(fetch(SOURCE, FILE, progress=False))  # the tarball's sha256 is checked first
    decoded = {name: _decode(files) for name, files in found.items()}
    for name, (images, labels) in decoded.items():
        _store(name, images, labels)
    return decoded[split]


def search_split(seed: int = 0, n_train: int = SPLIT_SIZES["train"]) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the training set: (weights half, architecture half), 25,000 each, sorted.

    Convention: one-shot NAS on NAS-Bench-201 (DARTS protocol, ``train_portion=0.5``) trains the
    network weights on one half of CIFAR-10's 50,000 training images and the architecture on the
    other; the test set is never searched on. NAS-Bench-201 ships its own fixed split file, which
    is not part of the data here, so the halves are drawn from a seeded permutation instead: same
    sizes and protocol, not the same images. Same seed, same halves.
    """
    order = np.random.default_rng(seed).permutation(n_train)
    half = n_train // 2
    return np.sort(order[:half]), np.sort(order[half:])


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 ``[N, 32, 32, 3]`` -> float32 ``[N, 3, 32, 32]``, normalised with :data:`MEAN`/:data:`STD`."""
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected uint8 images [N, H, W, 3], got {images.dtype} {images.shape}")
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous()


def batches(images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int | None = 0,
            drop_last: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch of normalised ``(x, y)`` mini-batches; shuffled by ``seed`` (None: in order)."""
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    n = len(labels)
    order = np.arange(n) if seed is None else np.random.default_rng(seed).permutation(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        yield to_tensor(images[idx]), torch.from_numpy(labels[idx].astype(np.int64))
