"""The unified benchmark API: counts, ranges, encodings and cross-file index consistency."""

from __future__ import annotations

import time

import numpy as np
import pytest

from nasmeta_lib import benchmarks, stats
from nasmeta_lib.benchmarks import nb201

EXPECTED_COUNTS = {
    "nb101/cifar10": 500,
    "nb201/cifar10": 724,
    "nb201/cifar100": 725,
    "nb201/ImageNet16-120": 724,
    "nb301/cifar10": 725,
    **{f"tnb101_micro/{t}": 711 for t in benchmarks.TNB_TASKS},
    "tnb101_macro/class_scene": 662,
    "tnb101_macro/class_object": 662,
    **{f"tnb101_macro/{t}": 725 for t in ("autoencoder", "normal", "jigsaw", "room_layout", "segmentsemantic")},
    **{f"nb201_full/{t}": 15625 for t in ("cifar10", "cifar100", "ImageNet16-120", "ninapro", "darcy")},
    **{f"nbgraph/{t}": 26206 for t in ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")},
    "nbgraph/proteins": 2021,
}


def test_every_setting_is_registered():
    assert {s.key for s in benchmarks.settings()} == set(EXPECTED_COUNTS)


@pytest.mark.parametrize("key", sorted(EXPECTED_COUNTS))
def test_counts_columns_and_values(key):
    s = benchmarks.parse_key(key)
    table = benchmarks.load(s.benchmark, s.task)
    frame = table.frame
    assert len(table) == EXPECTED_COUNTS[key]
    assert frame["arch_id"].is_unique
    for col in ("arch_id", "ops", "adjacency", "accuracy"):
        assert col in frame
    assert np.isfinite(frame["accuracy"]).all()
    assert frame["accuracy"].nunique() > 10
    side = int(round(len(frame["adjacency"].iloc[0]) ** 0.5))
    if s.space != "nb301":  # NB301 stacks two 6x6 cell matrices
        assert side * side == len(frame["adjacency"].iloc[0])
    if s.benchmark in ("nb101", "nb201", "nb301", "tnb101_micro", "tnb101_macro"):
        assert {"params", "flops", "snip", "grad_norm"} <= set(table.proxies)
    if s.benchmark == "nb201":
        assert {"synflow", "nwot"} <= set(table.proxies)
        assert frame["nb201_index"].between(0, nb201.N_ARCHS - 1).all()


def test_accuracy_ranges_are_plausible():
    assert benchmarks.load("nb201", "cifar10").accuracy.between(0, 100).all()
    assert benchmarks.load("nb101").accuracy.between(50, 100).all()
    assert benchmarks.load("nb201_full", "cifar100").accuracy.max() == pytest.approx(73.5133, abs=1e-3)
    darcy = benchmarks.load("nb201_full", "darcy").accuracy
    assert darcy.max() < 1.0  # 1 - relative L2 error


@pytest.mark.parametrize(
    "index,cell",
    [
        (0, "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"),
        (9, "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"),
        (123, "|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"),
        (9930, "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"),
    ],
)
def test_nb201_official_index_checks(index, cell):
    assert nb201.to_string(nb201.ops_of_index(index)) == cell
    assert nb201.index_of(nb201.from_string(cell)) == index


def test_best_cifar100_cell_in_full_table_is_index_9930():
    frame = benchmarks.load("nb201_full", "cifar100").frame
    best = frame.loc[frame["accuracy"].idxmax()]
    assert best["nb201_index"] == 9930
    assert best["arch_str"] == nb201.to_string(nb201.ops_of_index(9930))


@pytest.mark.parametrize("task", ["cifar10", "cifar100", "ImageNet16-120"])
def test_suite_zero_sample_maps_to_the_full_table_index(task):
    """Every Suite-Zero cell is in the full table under the same index and cell string, and its
    validation accuracy ranks like the full table's test accuracy on the same data set (measured
    0.978 / 0.995 / 0.997; a wrong NASLib->NB201 mapping gives rho near 0)."""
    sample = benchmarks.load("nb201", task).frame
    full = benchmarks.load("nb201_full", task).frame
    joined = sample.merge(full[["nb201_index", "accuracy", "arch_str"]], on="nb201_index", suffixes=("", "_full"))
    assert len(joined) == len(sample)
    assert (joined["arch_str"] == joined["arch_str_full"]).all()
    assert stats.spearman(joined["accuracy"], joined["accuracy_full"]) >= 0.95


def test_shuffled_mapping_would_be_detected():
    sample = benchmarks.load("nb201", "cifar100").frame
    full = benchmarks.load("nb201_full", "cifar100").frame.set_index("nb201_index")["accuracy"]
    wrong = full.loc[(sample["nb201_index"] + 1) % nb201.N_ARCHS].to_numpy()
    assert abs(stats.spearman(sample["accuracy"], wrong)) < 0.2


def test_invalid_nb201_encodings_are_named():
    with pytest.raises(nb201.InvalidArchitecture, match="6 edge ops"):
        nb201.to_string(["none"] * 5)
    with pytest.raises(nb201.InvalidArchitecture, match="unknown NB201 op"):
        nb201.index_of(["conv7x7"] + ["none"] * 5)
    with pytest.raises(nb201.InvalidArchitecture, match="node"):
        nb201.from_string("|none~0|+|none~0|")


def test_unknown_settings_raise_with_the_choices():
    with pytest.raises(benchmarks.UnknownSetting, match="known: nb101"):
        benchmarks.load("nb999", "cifar10")
    with pytest.raises(benchmarks.UnknownSetting, match="tasks: cifar10, cifar100"):
        benchmarks.load("nb201", "mnist")
    with pytest.raises(benchmarks.UnknownSetting, match="pass task="):
        benchmarks.load("nb201")


def test_cached_columnar_copy_loads_fast_and_identically():
    first = benchmarks.load("nb201_full", "darcy").frame
    benchmarks._frame.cache_clear()  # force a read from the parquet copy, as a new process would
    t0 = time.perf_counter()
    again = benchmarks.load("nb201_full", "darcy").frame
    elapsed = time.perf_counter() - t0
    assert benchmarks._parquet_path(benchmarks.setting("nb201_full", "darcy")).exists()
    assert again.equals(first)
    assert elapsed < 5.0  # generous: the real target (<1 s) is tracked in perf/load_speed.py


def test_architectures_are_comparable_across_files():
    """The same cell has the same arch_id in every NB201-space table."""
    sample = benchmarks.load("nb201", "cifar10").frame.set_index("arch_id")
    full = benchmarks.load("nb201_full", "ninapro").frame.set_index("arch_id")
    common = sample.index.intersection(full.index)
    assert len(common) == len(sample)
    assert (sample.loc[common, "arch_str"] == full.loc[common, "arch_str"]).all()
