"""The full NAS-Bench-201 tables: the NATS-Bench export against the index recipe and the other files."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.benchmarks import nb201, nb201_full
from nasmeta_lib.data import DataError, source
from nasmeta_lib.paths import mirror_dir

VISION = ("cifar10", "cifar100", "ImageNet16-120")


@pytest.mark.parametrize("task,best", [("cifar10", 94.37), ("cifar100", 73.51), ("ImageNet16-120", 47.31)])
def test_vision_maxima_are_the_known_nb201_optima(task, best):
    assert round(benchmarks.load("nb201_full", task).accuracy.max(), 2) == best


def test_every_cell_string_follows_the_index_recipe():
    export = nb201_full.vision_export()
    recipe = [nb201.to_string(nb201.ops_of_index(i)) for i in range(nb201.N_ARCHS)]
    assert (export["ArchitectureString"].to_numpy() == np.array(recipe)).all()


@pytest.mark.parametrize("task", nb201_full.TASKS)
def test_each_task_names_its_own_file(task):
    s = benchmarks.setting("nb201_full", task)
    expected = nb201_full.VISION_FILE if task in VISION else nb201_full.NB360_FILE
    assert (s.source, s.file) == expected
    source(s.source).file(s.file)  # the named file is in that manifest


def test_representative_indices_agree_between_the_two_files():
    """The export's isomorphism-unique strings give the parquet's representative indices."""
    from_csv = benchmarks.load("nb201_full", "cifar10").frame["nb201_rep_index"].to_numpy()
    from_parquet = benchmarks.load("nb201_full", "ninapro").frame["nb201_rep_index"].to_numpy()
    assert (from_csv == from_parquet).all()
    assert len(np.unique(from_csv)) == 6466


def test_the_two_cifar100_exports_differ_measurably():
    """nb201_full/cifar100 reads the NATS-Bench export; NAS-Bench-360's parquet holds another copy.

    Measured: 84.1% of cells equal to 1e-4, max gap 2.92 points, Spearman 0.9991, same best cell.
    The bounds fail if either file or the index alignment changes.
    """
    ours = benchmarks.load("nb201_full", "cifar100").frame.set_index("nb201_index")["accuracy"]
    other = nb201_full.nb360_accuracy("cifar100")
    assert (ours.index == other.index).all()
    gap = (ours - other).abs()
    assert 0.83 <= (gap <= 1e-4).mean() <= 0.85
    assert 2.8 <= gap.max() <= 3.0
    assert stats.spearman(ours, other) == pytest.approx(0.9991, abs=2e-4)
    assert ours.idxmax() == other.idxmax() == 9930


@pytest.fixture
def bad_mirror(tmp_path, monkeypatch):
    """A temporary mirror and cache, and no table parsed earlier in this process."""
    real = mirror_dir() / "nb201_full" / "nats_bench.csv"
    monkeypatch.setenv("NASMETA_DATA_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path / "cache"))
    (tmp_path / "mirror" / "nb201_full").mkdir(parents=True)
    nb201_full.vision_export.cache_clear()
    benchmarks._frame.cache_clear()
    yield real, tmp_path / "mirror" / "nb201_full" / "nats_bench.csv"
    nb201_full.vision_export.cache_clear()
    benchmarks._frame.cache_clear()


@pytest.mark.parametrize("damage", ["truncated", "corrupted", "missing"])
def test_a_bad_export_is_refused_by_checksum(bad_mirror, damage):
    real, copy = bad_mirror
    if damage != "missing":
        shutil.copyfile(real, copy)
        data = copy.read_bytes()
        copy.write_bytes(data[: len(data) // 2] if damage == "truncated" else data.replace(b"94.37", b"99.37", 1))
    with pytest.raises(DataError) as err:
        benchmarks.load("nb201_full", "cifar10")
    message = str(err.value)
    assert "nats_bench.csv" in message and "nats_bench_landscape.toml" in message and "Fix:" in message
    assert ("fails verification" if damage != "missing" else "NASMETA_OFFLINE") in message
    assert "\n" not in message
