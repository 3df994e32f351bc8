"""CIFAR-10 from the JPEG tarball: counts, order, splits, normalisation, and a cache that is never
read half-written or damaged."""

from __future__ import annotations

import io
import shutil
import tarfile

import numpy as np
import pytest
import torch

from nasmeta_lib.data import DataError, cifar10
from nasmeta_lib.paths import mirror_dir

TARBALL = "cifar10_jpeg/cifar10_jpeg.tar.gz"


@pytest.fixture(scope="module")
def test_split():
    return cifar10.load("test")


def test_splits_have_the_documented_shape_and_order(test_split):
    images, labels = test_split
    assert images.shape == (10_000, 32, 32, 3) and images.dtype == np.uint8
    assert labels.dtype == np.int64 and (np.bincount(labels) == 1_000).all()
    assert (np.diff(labels) >= 0).all()  # classes in the standard order, one block each
    train_images, train_labels = cifar10.load("train")
    assert train_images.shape == (50_000, 32, 32, 3) and (np.bincount(train_labels) == 5_000).all()
    assert 100 < train_images.mean() < 140  # real photographs, not a constant stand-in


def _decode_member(name: str) -> np.ndarray:
    from PIL import Image

    with tarfile.open(mirror_dir() / TARBALL, mode="r|gz") as tar:
        for member in tar:
            if member.name == name:
                return np.asarray(Image.open(io.BytesIO(tar.extractfile(member).read())).convert("RGB"))
    raise AssertionError(f"{name} not in the tarball")


@pytest.mark.parametrize("position,name", [(0, "test/airplane/0000.jpg"), (1_001, "test/automobile/0001.jpg"),
                                           (9_999, "test/truck/0999.jpg")])
def test_image_order_is_class_then_file_name(test_split, position, name):
    images, labels = test_split
    assert cifar10.CLASSES[labels[position]] == name.split("/")[1]
    assert (images[position] == _decode_member(name)).all()


def test_search_split_halves_the_training_set_reproducibly():
    weights, arch = cifar10.search_split(seed=3)
    assert len(weights) == len(arch) == 25_000
    assert len(np.union1d(weights, arch)) == 50_000  # disjoint, together the whole training set
    again, _ = cifar10.search_split(seed=3)
    other, _ = cifar10.search_split(seed=4)
    assert (again == weights).all() and not (other == weights).all()


def test_to_tensor_normalises_to_nchw():
    images = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    images[1] = 255
    x = cifar10.to_tensor(images)
    assert x.shape == (2, 3, 32, 32) and x.dtype == torch.float32
    mean, std = torch.tensor(cifar10.MEAN), torch.tensor(cifar10.STD)
    assert torch.allclose(x[0, :, 0, 0], -mean / std) and torch.allclose(x[1, :, 0, 0], (1 - mean) / std)
    with pytest.raises(ValueError, match="uint8"):
        cifar10.to_tensor(images.astype(np.float32))


def test_batches_cover_an_epoch_once_in_seeded_order(test_split):
    images, labels = test_split[0][:100], test_split[1][:100]
    seen = [y for _, y in cifar10.batches(images, labels, batch_size=32, seed=1)]
    assert [len(y) for y in seen] == [32, 32, 32, 4]
    assert sorted(torch.cat(seen).tolist()) == sorted(labels.tolist())
    again = torch.cat([y for _, y in cifar10.batches(images, labels, batch_size=32, seed=1)])
    assert torch.equal(torch.cat(seen), again)
    x, _ = next(cifar10.batches(images, labels, batch_size=8, seed=None))
    assert torch.equal(x, cifar10.to_tensor(images[:8]))
    assert len(list(cifar10.batches(images, labels, batch_size=32, drop_last=True))) == 3


@pytest.fixture
def temp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path / "cache"))
    return tmp_path


def test_cache_round_trip_and_damaged_copies_are_never_read(temp_cache):
    images = np.arange(4 * 32 * 32 * 3, dtype=np.uint8).reshape(4, 32, 32, 3)
    labels = np.array([0, 1, 2, 3], dtype=np.int64)
    cifar10._store("test", images, labels)
    got = cifar10._read("test")
    assert (got[0] == images).all() and (got[1] == labels).all()
    image_path, label_path, sidecar = cifar10._paths("test")

    image_path.write_bytes(image_path.read_bytes()[:-100])  # truncated array
    with pytest.warns(UserWarning, match="fails its checksum"):
        assert cifar10._read("test") is None
    cifar10._store("test", images, labels)
    data = bytearray(label_path.read_bytes())
    data[-1] ^= 1  # one flipped bit
    label_path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="fails its checksum"):
        assert cifar10._read("test") is None
    sidecar.write_text("{")  # damaged sidecar
    with pytest.warns(UserWarning, match="fails its checksum"):
        assert cifar10._read("test") is None


def test_interrupted_build_leaves_nothing_readable(temp_cache, monkeypatch):
    """Arrays written but the sidecar not yet: the copy is ignored, not read."""
    images = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    labels = np.zeros(2, dtype=np.int64)

    def crash(path, write):
        if path.suffix == ".json":
            raise KeyboardInterrupt
        real_write(path, write)

    real_write = cifar10._write_atomically
    monkeypatch.setattr(cifar10, "_write_atomically", crash)
    with pytest.raises(KeyboardInterrupt):
        cifar10._store("test", images, labels)
    image_path, _, sidecar = cifar10._paths("test")
    assert image_path.exists() and not sidecar.exists()
    assert cifar10._read("test") is None
    assert not list(image_path.parent.glob(".*tmp*"))  # no temporary files left behind


@pytest.mark.parametrize("damage", ["truncated", "corrupted", "missing"])
def test_a_bad_tarball_is_refused_by_checksum(tmp_path, monkeypatch, damage):
    real = mirror_dir() / TARBALL
    monkeypatch.setenv("NASMETA_DATA_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path / "cache"))
    copy = tmp_path / "mirror" / TARBALL
    copy.parent.mkdir(parents=True)
    if damage != "missing":
        shutil.copyfile(real, copy)
        data = bytearray(copy.read_bytes())
        if damage == "truncated":
            del data[len(data) // 2:]
        else:
            data[len(data) // 2] ^= 0xFF
        copy.write_bytes(bytes(data))
    with pytest.raises(DataError) as err:
        cifar10.load("test")
    message = str(err.value)
    assert "cifar10_jpeg.tar.gz" in message and "cifar10.toml" in message and "Fix:" in message
    assert ("fails verification" if damage != "missing" else "NASMETA_OFFLINE") in message
    assert "\n" not in message
    assert not (tmp_path / "cache" / "cifar10").exists()  # nothing decoded, nothing cached


def test_unknown_split_is_named():
    with pytest.raises(ValueError, match="'valid'.*train, test"):
        cifar10.load("valid")
