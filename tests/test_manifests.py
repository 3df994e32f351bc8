"""Manifests and the fetcher: verified mirror files, refused corrupt copies, clean failures."""

from __future__ import annotations

import hashlib
import http.server
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from nasmeta_lib.data import DataError, DataFile, fetch, fetch_file, source, sources, status
from nasmeta_lib.paths import mirror_dir

PAYLOAD = b"nasmeta test payload\n" * 500
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def test_every_manifest_parses_and_names_licence_and_citation():
    found = sources()
    assert {"suite_zero", "hw_nas_bench_360", "nas_bench_graph"} <= set(found)
    for src in found.values():
        assert src.licence and src.citation and src.homepage
        for f in src.files:
            assert f.urls, f"{f.name} has no URL"
            if f.sha256:
                assert len(f.sha256) == 64


def test_mirror_files_all_verify():
    assert mirror_dir() is not None, "tests expect the shared data mirror (../shared/data)"
    for name in ("suite_zero", "hw_nas_bench_360", "nas_bench_graph", "nats_bench_landscape"):
        for f in source(name).files:
            st = status(f)
            assert st.verified, f"{f.name}: {st.location} {st.problem}"
    st = status(source("cifar10").file("cifar10_jpeg.tar.gz"))
    assert st.verified and st.location == "mirror", st.problem


def test_cifar10_manifest_names_the_canonical_upstream_and_the_derived_copy():
    src = source("cifar10")
    canonical = src.file("cifar-10-python.tar.gz")
    assert canonical.urls == ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",)
    assert canonical.size == 170498071 and "c58f30108f718f92721af3b95e74349a" in canonical.description
    assert "derived copy" in src.notes and "quality 75" in src.notes
    assert "d7d05618" in src.file("cifar10_jpeg.tar.gz").urls[0]


def _fake_file(path: str = "tests/payload.bin", sha: str = PAYLOAD_SHA, urls=("http://127.0.0.1:9/none",)) -> DataFile:
    real = source("suite_zero").files[0]
    return replace(real, name=Path(path).name, path=path, sha256=sha, size=len(PAYLOAD), urls=tuple(urls))


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    m = tmp_path / "mirror"
    m.mkdir()
    monkeypatch.setenv("NASMETA_DATA_MIRROR", str(m))
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path / "cache"))
    return m


def test_good_mirror_copy_is_used_in_place(mirror):
    (mirror / "tests").mkdir()
    (mirror / "tests" / "payload.bin").write_bytes(PAYLOAD)
    assert fetch_file(_fake_file()) == mirror / "tests" / "payload.bin"


def test_corrupt_mirror_copy_is_refused_with_a_clear_message(mirror):
    (mirror / "tests").mkdir()
    (mirror / "tests" / "payload.bin").write_bytes(PAYLOAD[:-1] + b"X")
    with pytest.raises(DataError) as err:
        fetch_file(_fake_file())
    text = str(err.value)
    assert "payload.bin" in text and "suite_zero.toml" in text and "sha256 mismatch" in text and "Fix:" in text


def test_corrupt_real_file_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "mirror" / "suite_zero"
    bad.mkdir(parents=True)
    (bad / "zc_nasbench101.json").write_text("{}")
    monkeypatch.setenv("NASMETA_DATA_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("NASMETA_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DataError, match="zc_nasbench101.json.*fails verification"):
        fetch("suite_zero", "zc_nasbench101.json")


def test_missing_file_offline_names_file_manifest_and_fix(mirror):
    with pytest.raises(DataError) as err:
        fetch_file(_fake_file())
    text = str(err.value)
    assert "payload.bin" in text and "suite_zero.toml" in text and "NASMETA_OFFLINE" in text and "Fix:" in text


def test_file_without_recorded_sha256_is_never_used(mirror):
    (mirror / "tests").mkdir()
    (mirror / "tests" / "payload.bin").write_bytes(PAYLOAD)
    with pytest.raises(DataError, match="no recorded sha256"):
        fetch_file(_fake_file(sha=None))


class _Server:
    """A loopback HTTP server serving ``body`` for any path."""

    def __init__(self, body: bytes):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/payload.bin"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.mark.parametrize("body,ok", [(PAYLOAD, True), (PAYLOAD[: len(PAYLOAD) // 2], False)], ids=["good", "truncated"])
def test_download_is_verified_and_failures_leave_nothing_behind(mirror, monkeypatch, tmp_path, body, ok):
    monkeypatch.delenv("NASMETA_OFFLINE")
    server = _Server(body)
    try:
        f = _fake_file(urls=(server.url,))
        cache_folder = tmp_path / "cache" / "tests"
        if ok:
            path = fetch_file(f, progress=False)
            assert path.read_bytes() == PAYLOAD and path.parent == cache_folder
        else:
            with pytest.raises(DataError, match="failed verification"):
                fetch_file(f, progress=False)
            leftovers = list(cache_folder.iterdir()) if cache_folder.exists() else []
            assert leftovers == [], f"half-written files left in the cache: {leftovers}"
    finally:
        server.close()


def test_corrupt_cached_copy_is_replaced_by_a_fresh_download(mirror, monkeypatch, tmp_path):
    monkeypatch.delenv("NASMETA_OFFLINE")
    cached = tmp_path / "cache" / "tests" / "payload.bin"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"garbage")
    server = _Server(PAYLOAD)
    try:
        assert fetch_file(_fake_file(urls=(server.url,)), progress=False).read_bytes() == PAYLOAD
    finally:
        server.close()
