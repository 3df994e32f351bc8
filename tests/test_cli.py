"""The command line: data listing, parameter errors before work, headless runs."""

from __future__ import annotations

from nasmeta_lib import chapters
from nasmeta_lib.cli import main
from toy_chapter import changed


def test_data_list_shows_every_mirror_file_verified(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    lines = {line.split("]")[1].split()[0]: line for line in out.splitlines() if line.startswith("  [")}
    for name in ("zc_nasbench101.json", "zc_nasbench201.json", "zc_transbench101_macro.json", "dataset.parquet", "cora"):
        assert "[verified" in lines[name], lines[name]
    assert "CORRUPT" not in out


def test_data_list_flags_a_corrupt_mirror(tmp_path, monkeypatch, capsys):
    (tmp_path / "suite_zero").mkdir()
    (tmp_path / "suite_zero" / "zc_nasbench301.json").write_text("not the real file")
    monkeypatch.setenv("NASMETA_DATA_MIRROR", str(tmp_path))
    assert main(["data", "list"]) == 1
    out = capsys.readouterr().out
    assert "CORRUPT" in out and "zc_nasbench301.json" in out


def test_run_rejects_bad_parameters_before_starting(capsys):
    assert main(["run", "tour", "-p", "benchmarks", "nb999"]) == 2
    assert "'nb999' is not one of" in capsys.readouterr().err
    assert main(["run", "nochapter"]) == 2
    assert "unknown chapter" in capsys.readouterr().err


def test_headless_run_prints_checks_and_says_when_it_reuses(capsys):
    assert main(["run", "tour", "--headless", "-p", "benchmarks", "nb201,nb201_full"]) == 0
    out = capsys.readouterr().out
    assert "[check passed] Suite-Zero's NB201 sample" in out
    assert main(["run", "tour", "--headless", "-p", "benchmarks", "nb201,nb201_full"]) == 0
    assert "reusing the saved result" in capsys.readouterr().out


def test_headless_run_says_when_it_judges_a_saved_result_again(capsys):
    args = ["run", "tour", "--headless", "-p", "benchmarks", "nb201"]
    assert main(args) == 0
    capsys.readouterr()
    tour = chapters.get("tour")
    with changed(tour, version=tour.version + 1, same_tables_since=tour.version):  # a rule change
        assert main(args) == 0
    out = capsys.readouterr().out
    assert f"of chapter version {tour.version} again by version {tour.version + 1}'s rules" in out
    assert "[check passed]" in out


def test_fetch_of_an_unverifiable_file_is_refused_with_exit_2(capsys):
    assert main(["data", "fetch", "nas_bench_360", "--file", "ninapro_train.npy"]) == 2
    assert "no recorded sha256" in capsys.readouterr().err


def test_fetch_of_a_mirror_source_prints_verified_paths(capsys):
    assert main(["data", "fetch", "suite_zero", "--file", "zc_nasbench101.json"]) == 0
    assert "zc_nasbench101.json" in capsys.readouterr().out
