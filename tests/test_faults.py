"""Fault injection: damaged caches, checkpoints and results, bad input at every door.

Each test breaks one thing the way a user (or a disk, or a kill -9) could, and checks that the
project either repairs it from a verified source or stops with a one-line error naming the
thing and the fix, never returning wrong numbers and never leaving half-written files.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil

import pandas as pd
import pytest
import torch
from torch import nn

from nasmeta_lib import benchmarks, book, chapters, run as runner
from nasmeta_lib.chapters.base import _digest
from nasmeta_lib.cli import main
from nasmeta_lib.data import DataError, fetch_file, source
from nasmeta_lib.params import Param, ParameterError, validate
from nasmeta_lib.proxies import score
from nasmeta_lib.proxies.base import ProxyInputError, random_batch
from nasmeta_lib.results import Result, ResultFileError, result_path
from toy_chapter import chapter_version, crash_fixed, toy_chapter

FAULTY, CALLS = toy_chapter("faulty")


@pytest.fixture
def results(tmp_path, monkeypatch):
    """A fresh results folder, and the toy chapter registered so the CLI can run it."""
    monkeypatch.setenv("NASMETA_RESULTS", str(tmp_path / "results"))
    monkeypatch.setitem(chapters.registry(), "faulty", FAULTY)
    CALLS.clear()
    return tmp_path / "results"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache folder and no parsed tables in memory (as a new process would start)."""
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path / "cache"))
    benchmarks._frame.cache_clear()
    yield tmp_path / "cache"
    benchmarks._frame.cache_clear()


def _cli(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err.strip()


def _table_file(benchmark: str, task: str):
    return benchmarks._parquet_path(benchmarks.setting(benchmark, task))


# ---------------------------------------------------------------- 1. the parsed-table cache

def test_a_flipped_byte_in_a_cached_table_is_detected_and_the_table_reparsed(cache, caplog):
    good = benchmarks.load("nb101", "cifar10").frame
    path = _table_file("nb101", "cifar10")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    benchmarks._frame.cache_clear()
    with caplog.at_level(logging.WARNING):
        again = benchmarks.load("nb101", "cifar10").frame
    pd.testing.assert_frame_equal(again, good)
    assert "sha256 mismatch" in caplog.text and path.name in caplog.text
    caplog.clear()
    benchmarks._frame.cache_clear()
    with caplog.at_level(logging.WARNING):  # the rewritten copy verifies: said once, not on every run
        benchmarks.load("nb101", "cifar10")
    assert caplog.text == ""


@pytest.mark.parametrize("with_record", [False, True], ids=["parquet-only", "parquet-and-record"])
def test_a_cached_table_of_another_task_copied_over_is_not_used(cache, caplog, with_record):
    c100 = benchmarks.load("nb201", "cifar100").frame
    img = benchmarks.load("nb201", "ImageNet16-120").frame
    src, dst = _table_file("nb201", "cifar100"), _table_file("nb201", "ImageNet16-120")
    shutil.copyfile(src, dst)
    if with_record:
        shutil.copyfile(f"{src}.json", f"{dst}.json")
    benchmarks._frame.cache_clear()
    with caplog.at_level(logging.WARNING):
        again = benchmarks.load("nb201", "ImageNet16-120").frame
    pd.testing.assert_frame_equal(again, img)
    assert not again["accuracy"].equals(c100["accuracy"])
    assert "is not used" in caplog.text


def test_a_truncated_cached_table_is_reparsed_not_a_crash(cache, caplog):
    good = benchmarks.load("nb101", "cifar10").frame
    path = _table_file("nb101", "cifar10")
    path.write_bytes(path.read_bytes()[:100])
    for _ in range(2):  # also on the next run: the copy was rewritten
        benchmarks._frame.cache_clear()
        pd.testing.assert_frame_equal(benchmarks.load("nb101", "cifar10").frame, good)
    assert caplog.text.count("is not used") == 1


# ---------------------------------------------------------------- 2. checkpoints and --force

def _fail_at_step_2(results) -> tuple[dict, object]:
    with pytest.raises(RuntimeError):
        FAULTY.execute("quick", scale=5, fail_at=2)
    params = FAULTY.resolve("quick", {"scale": 5, "fail_at": 2})
    partial = FAULTY.partial_dir("quick", params)
    assert sorted(p.name for p in partial.iterdir()) == ["step-0.json", "step-1.json"]
    return params, partial


def _finish(**overrides) -> Result:
    """Rerun after 'fixing the crash' (the same parameters, the failure switched off)."""
    with crash_fixed(FAULTY):
        return FAULTY.execute("quick", scale=5, fail_at=2, **overrides)


def test_checkpoint_folder_names_the_chapter_version(results):
    params, partial = _fail_at_step_2(results)
    assert partial.name == f"{result_path('faulty', 'quick', params).stem}-v1"
    with chapter_version(FAULTY, 2):
        assert FAULTY.partial_dir("quick", params).name.endswith("-v2")


def test_an_edited_checkpoint_value_is_recomputed_not_used(results, caplog):
    _, partial = _fail_at_step_2(results)
    step1 = partial / "step-1.json"
    step1.write_text(step1.read_text().replace('"value": 5', '"value": 999'))
    with caplog.at_level(logging.WARNING):
        res = _finish()
    assert res.metrics["sum"] == 15 and CALLS[-2:] == ["step1", "step2"]
    assert "does not match its recorded sha256" in caplog.text


def test_force_clears_the_runs_checkpoints(results):
    _, partial = _fail_at_step_2(results)
    step1 = partial / "step-1.json"
    checkpoint = json.loads(step1.read_text())
    checkpoint["value"] = {"value": 999}  # a well-formed checkpoint with another value
    checkpoint["sha256"] = _digest(checkpoint["value"])
    step1.write_text(json.dumps(checkpoint))
    res = _finish(force=True)
    assert res.metrics["sum"] == 15 and CALLS[-3:] == ["step0", "step1", "step2"]


def test_a_checkpoint_of_other_parameters_or_versions_is_not_used(results, caplog):
    _, partial = _fail_at_step_2(results)
    other = FAULTY.partial_dir("quick", FAULTY.resolve("quick", {"scale": 7, "fail_at": 2}))
    shutil.copytree(partial, other)  # carried to the wrong folder
    with crash_fixed(FAULTY), caplog.at_level(logging.WARNING):
        res = FAULTY.execute("quick", scale=7, fail_at=2)
    assert res.metrics["sum"] == 21 and "written for" in caplog.text


@pytest.mark.parametrize("text", ['{"stamp": {"chap', '{"value": 0}', "[1, 2]"], ids=["truncated", "unstamped", "list"])
def test_a_damaged_checkpoint_is_recomputed_not_a_crash(results, caplog, text):
    _, partial = _fail_at_step_2(results)
    (partial / "step-0.json").write_text(text)
    with caplog.at_level(logging.WARNING):
        res = _finish()
    assert res.metrics["sum"] == 15 and CALLS[-2:] == ["step0", "step2"]
    assert "step-0.json is not used (unreadable" in caplog.text


# ---------------------------------------------------------------- 3. damaged results, --force on the notebook route

def test_a_truncated_result_names_the_file_and_the_fix(results, capsys):
    FAULTY.execute("quick")
    path = result_path("faulty", "quick", FAULTY.resolve("quick"))
    path.write_text(path.read_text()[:200])
    with pytest.raises(ResultFileError, match=f"{path.name}.*--force"):
        FAULTY.execute("quick")
    code, err = _cli(["run", "faulty", "--headless"], capsys)
    assert code == 2 and err.startswith(f"error: result file {path}") and "\n" not in err
    assert _cli(["run", "faulty", "--headless", "--force"], capsys)[0] == 0
    assert Result.load(path).metrics["sum"] == 3


def test_the_ledger_skips_an_unreadable_result_with_a_warning(results, caplog):
    FAULTY.execute("full")
    path = result_path("faulty", "full", FAULTY.resolve("full"))
    assert "faulty" in book.current_results()
    path.write_text("{")
    with caplog.at_level(logging.WARNING):
        assert "faulty" not in book.current_results()
    assert path.name in caplog.text


def _fake_papermill(monkeypatch, effect):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", effect)


def test_force_on_the_notebook_route_recomputes_first(results, tmp_path, monkeypatch):
    FAULTY.execute("quick")
    seen = []

    def execute(_src, out, parameters, **_):
        seen.append(FAULTY.saved("quick", FAULTY.resolve("quick")).provenance["finished"])
        open(out, "w").write("{}")
    _fake_papermill(monkeypatch, execute)
    CALLS.clear()
    runner.run_notebook("faulty", "quick", output_dir=tmp_path, force=True)
    assert CALLS == ["step0", "step1", "step2"] and seen  # recomputed, then the notebook showed it
    assert [p.name for p in tmp_path.glob("*.ipynb")] == ["faulty.ipynb"]


def test_a_parameter_error_inside_the_kernel_is_a_clean_error_and_leaves_no_notebook(results, tmp_path, monkeypatch):
    from papermill.exceptions import PapermillExecutionError

    def execute(_src, out, **_):
        open(out, "w").write("{}")  # papermill writes as it goes
        raise PapermillExecutionError(3, 3, "run", "ParameterError", "budget 1000 is larger than the pool", [])
    _fake_papermill(monkeypatch, execute)
    with pytest.raises(ParameterError, match="larger than the pool"):
        runner.run_notebook("faulty", "quick", output_dir=tmp_path)
    assert list(tmp_path.glob("*.ipynb")) == [] and list(tmp_path.glob(".*")) == []


# ---------------------------------------------------------------- 4. parameters

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", float("nan")])
def test_non_finite_floats_are_refused(value):
    with pytest.raises(ParameterError, match="'share'.*not a finite number"):
        FAULTY.resolve("quick", {"share": value})


def test_int_parameters_are_bounded_to_32_bits(results, capsys):
    with pytest.raises(ParameterError, match="above the maximum 4294967295"):
        FAULTY.resolve("quick", {"scale": 2**32})
    assert FAULTY.resolve("quick", {"scale": 2**32 - 1})["scale"] == 2**32 - 1
    code, err = _cli(["run", "proxies", "-p", "seed", "99999999999999999999999", "--headless"], capsys)
    assert code == 2 and "'seed'" in err and "above the maximum" in err


def test_the_chapters_own_checks_run_before_a_kernel_starts(monkeypatch, capsys):
    def kernel(*_, **__):
        raise AssertionError("a kernel was started")
    _fake_papermill(monkeypatch, kernel)
    code, err = _cli(["run", "robot", "-p", "budget", "1000"], capsys)
    assert code == 2 and "budget 1000 is larger than the pool" in err
    assert not list(runner.EXECUTED_DIR.glob(".robot.running.ipynb"))


def test_the_chapters_check_runs_in_execute_too(results):
    with pytest.raises(ParameterError, match="larger than the pool"):
        FAULTY.execute("quick", scale=5000)
    assert CALLS == []


# ---------------------------------------------------------------- 5. data fetch errors

def test_fetch_of_a_path_like_source_name_is_a_one_line_error(capsys):
    code, err = _cli(["data", "fetch", "../../etc/passwd"], capsys)
    assert code == 2 and err.startswith("error: no data source '../../etc/passwd'; known sources:") and "\n" not in err


def test_a_corrupt_mirror_copy_says_to_replace_or_remove_it(tmp_path, monkeypatch):
    f = source("suite_zero").file("zc_nasbench301.json")
    (tmp_path / f.path).parent.mkdir(parents=True)
    (tmp_path / f.path).write_text("damaged")
    monkeypatch.setenv("NASMETA_DATA_MIRROR", str(tmp_path))
    with pytest.raises(DataError) as err:
        fetch_file(f, progress=False)
    assert "replace it with a good copy" in str(err.value) and 'NASMETA_DATA_MIRROR=""' in str(err.value)
    assert "nasmeta data fetch" not in str(err.value)  # cannot help: the mirror is searched first


def test_a_corrupt_cached_copy_is_deleted_and_that_is_said(tmp_path, monkeypatch, caplog):
    f = source("suite_zero").file("zc_nasbench301.json")
    monkeypatch.setenv("NASMETA_DATA_MIRROR", "")
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path))
    bad = tmp_path / f.path
    bad.parent.mkdir(parents=True)
    bad.write_text("damaged")
    with pytest.raises(DataError, match="corrupt cached copy .* was deleted"):
        fetch_file(f, progress=False)
    assert not bad.exists()
    bad.write_text("damaged")
    monkeypatch.setenv("NASMETA_OFFLINE", "0")  # a download is tried (and fails: no such host)
    unreachable = dataclasses.replace(f, urls=("http://localhost:9/none",))
    with caplog.at_level(logging.WARNING), pytest.raises(DataError, match="could not be downloaded"):
        fetch_file(unreachable, progress=False)
    assert not bad.exists() and "was deleted. Downloading it again" in caplog.text


# ---------------------------------------------------------------- 6. smaller input errors

def test_param_pairs_accept_key_equals_value_and_values_starting_with_a_dash(results, capsys):
    code, err = _cli(["run", "robot", "-p", "settings", "-1,-2", "--headless"], capsys)
    assert code == 2 and "parameter 'settings': '-1' is not one of" in err
    code, err = _cli(["run", "robot", "-p", "settings=-1,-2", "--headless"], capsys)
    assert code == 2 and "parameter 'settings': '-1' is not one of" in err
    assert _cli(["run", "faulty", "--headless", "-p", "scale=2", "-p", "read_data", "no"], capsys)[0] == 0
    assert CALLS == ["step0", "step1", "step2"]


def test_a_repeated_parameter_is_refused(results, capsys):
    code, err = _cli(["run", "faulty", "--headless", "-p", "scale", "2", "-p", "scale=3"], capsys)
    assert code == 2 and err == "error: parameter 'scale' is given twice ('2' and '3'); give it once"
    assert CALLS == []


def test_text_list_items_are_trimmed():
    spec = (Param("settings", "str", "settings", many=True, choices=("a", "b")),)
    assert validate(spec, {"settings": " a, b "}) == {"settings": ["a", "b"]}


def test_int_errors_read_as_english():
    with pytest.raises(ParameterError, match="'ten' is not an int$"):
        FAULTY.resolve("quick", {"scale": "ten"})


def test_unknown_steps_are_refused(results, capsys):
    code, err = _cli(["run", "faulty", "--headless", "--steps", ""], capsys)
    assert code == 2 and "cannot name a step" in err
    code, err = _cli(["run", "faulty", "--headless", "--steps", "nosuchstep"], capsys)
    assert code == 2 and "the run never reaches them, it stops first at step 'step-0'" in err and "\n" not in err
    assert CALLS == []


def test_a_step_name_that_matches_no_step_of_a_finished_run_is_an_error_listing_them(results):
    with pytest.raises(ParameterError, match=r"no step is named bogus \(this run's steps: step-0, step-1, step-2\)"):
        FAULTY.execute("quick", steps=["step-0", "step-1", "step-2", "bogus"])


def test_unknown_benchmarks_are_named_with_the_choices():
    with pytest.raises(benchmarks.UnknownSetting, match="unknown benchmark 'nb999'; known: nb101"):
        benchmarks.load("nb999")
    with pytest.raises(benchmarks.UnknownSetting, match="unknown benchmark 'nb999'; known: nb101"):
        benchmarks.settings("nb999")


def test_proxies_refuse_a_network_without_parameters_or_with_the_wrong_class_count():
    batch = random_batch(num_classes=10, batch_size=4, image_size=8)
    with pytest.raises(ProxyInputError, match="no parameters"):
        score("snip", nn.Sequential(nn.Flatten()), batch)
    torch.manual_seed(0)
    five = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5))
    with pytest.raises(ProxyInputError, match=r"outputs shape \(4, 5\) but the batch has 10 classes"):
        score("snip", five, batch)
    ten = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10))
    assert score("snip", ten, batch) > 0


def test_an_unknown_chapter_is_named_without_stray_quotes(capsys):
    code, err = _cli(["run", "nochapter"], capsys)
    assert code == 2 and err.startswith("error: unknown chapter 'nochapter'; chapters: tour")


@pytest.mark.parametrize("argv", [
    ["run", "faulty", "-p", "scale", "0"],
    ["run", "faulty", "-p", "bogus", "1"],
    ["run", "faulty", "-p", "scale"],
    ["run", "faulty", "--profile", "quick", "-p", "share", "inf"],
    ["run", "faulty", "-p", "scale", "5000", "--headless"],
    ["data", "fetch", "suite_zero", "--file", "../x"],
    ["data", "fetch", "nas_bench_360", "--file", "ninapro_train.npy"],
    ["book", "tour", "nochapter"],
])
def test_every_user_error_is_exit_2_with_one_line(results, capsys, argv):
    code, err = _cli(argv, capsys)
    assert code == 2 and err.startswith("error: ") and "\n" not in err, err
    assert CALLS == [] and not (results / "faulty").exists()


# ---------------------------------------------------------------- provenance of data

def test_a_result_records_the_data_files_it_read_also_when_resumed(results, cache):
    with pytest.raises(RuntimeError):
        FAULTY.execute("quick", read_data=True, fail_at=1)
    with crash_fixed(FAULTY):  # step 0, which read the table, comes back from its checkpoint
        res = FAULTY.execute("quick", read_data=True, fail_at=1)
    assert CALLS == ["step0", "step1", "step1", "step2"]
    nb101 = source("suite_zero").file("zc_nasbench101.json")
    assert res.provenance["data"] == [{"source": "suite_zero", "file": nb101.name,
                                       "manifest": nb101.manifest.name, "sha256": nb101.sha256}]
    assert FAULTY.execute("quick").provenance["data"] == []


def test_a_result_whose_data_no_longer_matches_the_manifests_is_stale(results, cache):
    FAULTY.execute("quick", read_data=True)
    params = FAULTY.resolve("quick", {"read_data": True})
    path = result_path("faulty", "quick", params)
    raw = json.loads(path.read_text())
    raw["provenance"]["data"][0]["sha256"] = "0" * 64  # written from another version of the file
    path.write_text(json.dumps(raw))
    assert FAULTY.saved("quick", params) is None
    CALLS.clear()
    assert FAULTY.execute("quick", read_data=True).provenance["data"][0]["sha256"] != "0" * 64
    assert CALLS == ["step0", "step1", "step2"]


@pytest.mark.parametrize("sha,data,flag", [
    ("abc", [], "ok"),
    ("abc-dirty", [], "uncommitted changes (dirty tree)"),
    ("abc-changed", [], "the checkout changed while it ran"),
    ("unknown", [], "unknown commit"),
    ("abc", None, "data not recorded"),
    ("unknown", None, "unknown commit; data not recorded"),
])
def test_the_ledger_flags_doubtful_provenance(sha, data, flag):
    prov = {"git_sha": sha} | ({} if data is None else {"data": data})
    assert book.provenance_flags(Result("x", "quick", {}, provenance=prov)) == flag


@pytest.mark.parametrize("judge_sha,flag", [
    ("def", "verdicts judged again by chapter version 3's rules at git def"),
    ("def-dirty", "verdicts judged again by chapter version 3's rules from uncommitted changes"),
])
def test_the_ledger_says_when_verdicts_were_judged_again(judge_sha, flag):
    prov = {"git_sha": "abc", "data": [], "chapter_version": 3, "rejudged": {"from_version": 2, "git_sha": judge_sha}}
    assert book.provenance_flags(Result("x", "full", {}, provenance=prov)) == flag


def test_a_result_is_stamped_with_the_commit_it_started_from(monkeypatch):
    from nasmeta_lib import results as results_module

    monkeypatch.setattr(results_module, "git_sha", lambda: "abc")
    assert results_module.run_sha("abc") == "abc"
    assert results_module.run_sha("old") == "old-changed"  # a commit or checkout while it ran
    assert results_module.run_sha("old-dirty") == "old-changed"


def test_a_result_without_a_data_record_is_still_shown(results):
    FAULTY.execute("full")
    path = result_path("faulty", "full", FAULTY.resolve("full"))
    raw = json.loads(path.read_text())
    del raw["provenance"]["data"]  # written before data records were kept
    path.write_text(json.dumps(raw))
    assert book.current_results()["faulty"][1].provenance.get("data") is None
    flags = book.ledger_frame().query("chapter == 'Faulty'")["provenance"]
    assert len(flags) and flags.str.endswith("data not recorded").all()


def test_a_truncated_result_stops_the_notebook_route_before_the_kernel(results, tmp_path, monkeypatch):
    def kernel(*_, **__):
        raise AssertionError("a kernel was started")
    _fake_papermill(monkeypatch, kernel)
    FAULTY.execute("quick")
    path = result_path("faulty", "quick", FAULTY.resolve("quick"))
    path.write_text("{")
    with pytest.raises(ResultFileError, match="--force"):
        runner.run_notebook("faulty", "quick", output_dir=tmp_path)
