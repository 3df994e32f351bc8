"""NAS-Bench-360 tasks: registry, official-format loaders, metrics, the Darcy generator."""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
from dataclasses import replace

import numpy as np
import pytest
from scipy.io import savemat

from nasmeta_lib.data import source
from nasmeta_lib.tasks import SOURCE, TASKS, TaskDataMissing, darcy, load_darcy_generated, loaders, metrics


def test_registry_holds_the_ten_tasks_with_manifest_files():
    assert set(TASKS) == {"cifar100", "spherical", "ninapro", "fsd50k", "darcy", "psicov", "cosmic", "ecg",
                          "satellite", "deepsea"}
    manifest = {f.name for f in source(SOURCE).files}
    for name in TASKS:
        task = TASKS[name]
        assert len(task.input_shape) == task.dim + 1, name
        assert task.output in ("point", "dense")
        assert all(n > 0 for n in task.splits)
        assert set(task.files) <= manifest, f"{name}: files missing from nas_bench_360.toml"
    assert TASKS["darcy"].input_shape == (3, 85, 85) and TASKS["darcy"].splits == (900, 100, 100)
    assert TASKS["ninapro"].n_outputs == 18 and TASKS["ecg"].dim == 1


def test_unpinned_files_are_marked_and_cifar100_is_pinned():
    files = {f.name: f for f in source(SOURCE).files}
    assert files["cifar-100-python.tar.gz"].sha256.startswith("85cd44d0")
    assert not files["ninapro_train.npy"].sha256  # NB360 publishes no checksums


def test_missing_data_raises_a_task_level_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NASMETA_DATA_MIRROR", str(tmp_path / "empty"))
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path / "cache"))
    with pytest.raises(TaskDataMissing, match="ninapro.*ninapro_train.npy.*sha256"):
        TASKS["ninapro"].load()
    with pytest.raises(TaskDataMissing, match="Offline alternative: generate"):
        TASKS["darcy"].load()


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Serve loaders' files from ``tmp_path`` (what the verified fetcher would return)."""
    monkeypatch.setattr(loaders, "fetch", lambda src, name, progress=False: tmp_path / name)
    return tmp_path


def test_ninapro_loader_transposes_to_one_channel(files):
    rng = np.random.default_rng(0)
    for split, n in (("train", 6), ("val", 3), ("test", 2)):
        np.save(files / f"ninapro_{split}.npy", rng.normal(size=(n, 52, 16)))
        np.save(files / f"label_{split}.npy", np.arange(n) % 18)
    data = TASKS["ninapro"].load()
    assert data.train.x.shape == (6, 1, 16, 52) and len(data.val) == 3 and len(data.test) == 2
    raw = np.load(files / "ninapro_train.npy")
    np.testing.assert_allclose(data.train.x[2, 0], raw[2].T, rtol=1e-6)


def test_cifar100_loader_reads_the_python_tarball(files):
    rng = np.random.default_rng(0)
    with tarfile.open(files / "cifar-100-python.tar.gz", "w:gz") as tar:
        for split, n in (("train", 5), ("test", 4)):
            blob = pickle.dumps({"data": rng.integers(0, 255, (n, 3072), dtype=np.uint8),
                                 "fine_labels": list(rng.integers(0, 100, n))})
            info = tarfile.TarInfo(f"cifar-100-python/{split}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    data = replace(TASKS["cifar100"], splits=(3, 2, 4)).load()
    assert data.train.x.shape == (3, 3, 32, 32) and len(data.val) == 2 and len(data.test) == 4
    assert abs(float(data.train.x.mean())) < 1.0  # normalised with the CIFAR-100 mean/std


def test_spherical_satellite_deepsea_loaders(files):
    rng = np.random.default_rng(0)
    with gzip.open(files / "s2_cifar100.gz", "wb") as fh:
        pickle.dump({s: {"images": rng.integers(0, 255, (n, 3, 60, 60), dtype=np.uint8), "labels": np.arange(n)}
                     for s, n in (("train", 5), ("test", 2))}, fh)
    sph = replace(TASKS["spherical"], splits=(3, 2, 2)).load()
    assert len(sph.train) == 3 and sph.val.x.shape == (2, 3, 60, 60) and sph.train.x.max() > 1  # unnormalised

    for name, n in (("satellite_train.npy", 7), ("satellite_test.npy", 3)):
        np.save(files / name, np.array({"data": rng.normal(size=(n, 46)), "label": rng.integers(1, 25, n)}),
                allow_pickle=True)
    sat = replace(TASKS["satellite"], splits=(5, 2, 3)).load()
    assert sat.train.x.shape == (5, 1, 46) and sat.train.y.min() >= 0 and sat.train.y.max() <= 23
    np.testing.assert_allclose(sat.test.x.mean(axis=2), 0, atol=1e-5)  # per-series z-score

    np.savez(files / "deepsea_filtered.npz", **{f"{k}_{s}": v for s, n in (("train", 4), ("val", 2), ("test", 3))
                                                for k, v in (("x", rng.random((n, 1000, 4))), ("y", rng.random((n, 36))))})
    sea = TASKS["deepsea"].load()
    assert sea.train.x.shape == (4, 4, 1000) and sea.test.y.shape == (3, 36)


def test_darcy_mat_loader_subsamples_and_splits(files, monkeypatch):
    rng = np.random.default_rng(0)
    for name, n in (("piececonst_r421_N1024_smooth1.mat", 1000), ("piececonst_r421_N1024_smooth2.mat", 100)):
        savemat(files / name, {"coeff": rng.random((n, 11, 11)), "sol": rng.random((n, 11, 11))})
    data = TASKS["darcy"].load()
    assert data.train.x.shape == (900, 1, 3, 3) and len(data.val) == 100 and len(data.test) == 100


def test_ecg_windows_use_class_dependent_strides():
    signals = [np.arange(3000.0), np.arange(3000.0)]
    x, y, rec = loaders.ecg_windows(signals, np.array([0, 1]))
    assert x.shape[1:] == (1, 1000)
    assert (y == 0).sum() == len(range(0, 2000, 500)) and (y == 1).sum() == len(range(0, 2000, 83))
    assert set(rec) == {0, 1}


def test_metrics_on_known_values():
    assert metrics.zero_one_error(np.array([[1, 0], [0, 1], [1, 0]]), np.array([0, 1, 1])) == pytest.approx(100 / 3)
    pred, target = np.ones((2, 4)), np.full((2, 4), 2.0)
    assert metrics.relative_l2(pred, target) == pytest.approx(0.5)
    scores, labels = np.array([[0.9], [0.8], [0.3], [0.1]]), np.array([[1], [0], [1], [0]])
    assert metrics.one_minus_auroc(scores, labels) == pytest.approx(1 - 0.75)
    assert metrics.one_minus_map(scores, labels) == pytest.approx(1 - (1 + 2 / 3) / 2)
    assert metrics.one_minus_macro_f1(np.array([0, 1, 1]), np.array([0, 1, 0]), 2) == pytest.approx(1 - (2 / 3 + 2 / 3) / 2)
    assert metrics.false_negative_rate(np.array([1.0, 0.0, 0.7]), np.array([1, 1, 1]), np.array([0, 0, 1])) == 50.0
    t = np.full((30, 30), 5.0)
    assert metrics.mae8([t + 1], [t]) == pytest.approx(1.0)


def test_grf_is_seeded_and_thresholded_into_two_phases():
    g1 = darcy.gaussian_random_field(33, np.random.default_rng(1))
    g2 = darcy.gaussian_random_field(33, np.random.default_rng(1))
    np.testing.assert_array_equal(g1, g2)
    assert abs(g1.mean()) < 1e-12  # zero-mean mode removed
    a = darcy.coefficient(g1)
    assert set(np.unique(a)) == {3.0, 12.0}


def test_solver_matches_the_poisson_solution_for_a_constant_coefficient():
    # -div(a grad u) = 1 with a = 12 constant: u = u_Poisson / 12, max of u_Poisson on the unit square ~ 0.07367
    u = darcy.solve(np.full((41, 41), 12.0))
    assert u.max() * 12 == pytest.approx(0.07367, rel=0.02)
    np.testing.assert_allclose(u, u.T, atol=1e-10)


def test_generated_darcy_is_deterministic_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path))
    data = load_darcy_generated(3, 1, 2, seed=5, solve_resolution=21, subsample=2)
    assert data.train.x.shape == (3, 1, 11, 11) and len(data.test) == 2 and "regenerated" in data.note
    assert len(list((tmp_path / "nb360_darcy").glob("*.npz"))) == 1
    again = load_darcy_generated(3, 1, 2, seed=5, solve_resolution=21, subsample=2)
    np.testing.assert_array_equal(data.test.y, again.test.y)
    assert (data.train.y > 0).mean() > 0.5


def test_parallel_generation_equals_serial(tmp_path, monkeypatch):
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path / "a"))
    serial = darcy.generate(darcy.DarcyConfig(4, 2, 21, 2), workers=1)[1]
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path / "b"))
    parallel = darcy.generate(darcy.DarcyConfig(4, 2, 21, 2), workers=2)[1]
    np.testing.assert_array_equal(serial, parallel)


def test_bad_darcy_config_is_rejected():
    with pytest.raises(ValueError, match="divisible"):
        darcy.DarcyConfig(4, 0, solve_resolution=57, subsample=5)
    with pytest.raises(ValueError, match="at least one"):
        darcy.DarcyConfig(0, 0)
