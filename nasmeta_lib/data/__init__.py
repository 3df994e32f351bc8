"""Data access: manifests name every file, the fetcher provides verified local copies."""

from nasmeta_lib.data.fetch import DataError, FileStatus, fetch, fetch_file, sha256_of, status
from nasmeta_lib.data.manifest import DataFile, ManifestError, Source, source, sources

__all__ = [
    "DataError", "DataFile", "FileStatus", "ManifestError", "Source",
    "fetch", "fetch_file", "sha256_of", "source", "sources", "status",
]
