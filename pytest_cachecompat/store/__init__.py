"""The store on disk: paths, atomic writes, the family lock, recorded layouts, manifests."""

from ._files import (
    ARCHIVES_DIR,
    CHANGES_NAME,
    LAYOUT_SUFFIX,
    MANIFEST_NAME,
    REGRESSIONS_NAME,
    SAMPLES_SUFFIX,
    atomic_write,
    layout_path,
    locked,
    read_layouts,
    recorded_versions,
    samples_path,
    stem,
    write_new,
)
from ._history import StoreError, changes_between, changes_document, read_json, recorded_layouts
from ._manifest import ArchiveEntry, Manifest, archive_entry, listed_files, read_manifest, sha256

__all__ = [
    "ARCHIVES_DIR",
    "CHANGES_NAME",
    "LAYOUT_SUFFIX",
    "MANIFEST_NAME",
    "REGRESSIONS_NAME",
    "SAMPLES_SUFFIX",
    "ArchiveEntry",
    "Manifest",
    "StoreError",
    "archive_entry",
    "atomic_write",
    "changes_between",
    "changes_document",
    "layout_path",
    "listed_files",
    "locked",
    "read_json",
    "read_layouts",
    "read_manifest",
    "recorded_layouts",
    "recorded_versions",
    "samples_path",
    "sha256",
    "stem",
    "write_new",
]
