"""Where things live: the repository, the data mirror, the cache and the results folder.

Every location can be overridden by an environment variable so that CI, a GPU machine and a
user's laptop can share one code path.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST_DIR = REPO_ROOT / "data_manifests"
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
BOOK_DIR = REPO_ROOT / "book"
EXECUTED_DIR = BOOK_DIR / "chapters"


def results_dir() -> Path:
    """Folder for result JSON files (``NASMETA_RESULTS``, default ``results/`` in the repo)."""
    return Path(os.environ.get("NASMETA_RESULTS", REPO_ROOT / "results"))


def cache_dir() -> Path:
    """Download/parse cache (``NASMETA_CACHE``, default the OS user cache for ``nasmeta``)."""
    if "NASMETA_CACHE" in os.environ:
        return Path(os.environ["NASMETA_CACHE"])
    import pooch  # only here and for downloads: a GPU box with a mirror runs without pooch

    return Path(pooch.os_cache("nasmeta"))


def mirror_dir() -> Path | None:
    """Local read-only data mirror, searched before the cache and the network.

    ``NASMETA_DATA_MIRROR`` wins (an empty value disables the mirror); otherwise
    ``../shared/data`` beside the repository (or the working directory) when it exists.
    """
    env = os.environ.get("NASMETA_DATA_MIRROR")
    if env is not None:
        return Path(env) if env else None
    for base in (REPO_ROOT, Path.cwd()):
        candidate = (base / ".." / "shared" / "data").resolve()
        if candidate.is_dir():
            return candidate
    return None
