"""The manifest of a frozen version: which archive holds what, and its checksum.

``<store>/<family>/v<V>/MANIFEST.json`` is readable JSON, written once and
never rewritten. Reading validates it fully, so a damaged manifest is
reported with its path instead of failing somewhere later.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import attrs

from ._history import StoreError, read_document

KIND = "pytest-cachecompat golden manifest"
FORMAT_VERSION = 1


@attrs.frozen
class ArchiveEntry:
    file: str  # relative to the version folder
    record: str
    sha256: str
    size: int
    expected: Any  # canonical form of the value that was written
    expect: str | None = None  # "reject" for regression archives kept from fuzzing
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        return {k: v for k, v in data.items() if v is not None}


@attrs.frozen
class Manifest:
    family: str
    version: str
    version_ref: str
    written_by: dict[str, str]
    archives: tuple[ArchiveEntry, ...]
    # ``{distribution: version}`` of the family's ``writers`` at freeze time;
    # the key is absent from manifests of families that declare none.
    writers: dict[str, str] = attrs.field(factory=dict)

    def to_text(self) -> str:
        document: dict[str, Any] = {
            "kind": KIND,
            "format_version": FORMAT_VERSION,
            "family": self.family,
            "version": self.version,
            "version_ref": self.version_ref,
            "written_by": self.written_by,
        }
        if self.writers:
            document["writers"] = self.writers
        document["archives"] = [entry.to_json() for entry in self.archives]
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The archive files listed by each manifest this process parsed, with the
# file's stat signature at the time: the end-of-run stale check asks again for
# every manifest the golden items just read (tens of MB of JSON on a big store).
_LISTED: dict[str, tuple[tuple[int, int, int], frozenset[str]]] = {}


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def listed_files(path: Path) -> frozenset[str]:
    """``{entry.file for entry in read_manifest(path).archives}``, parsed once per process."""
    signature = _signature(path)
    cached = _LISTED.get(str(path))
    if cached is not None and signature is not None and cached[0] == signature:
        return cached[1]
    return frozenset(entry.file for entry in read_manifest(path).archives)


def read_manifest(path: Path) -> Manifest:
    signature = _signature(path)
    document = read_document(path, kind=KIND, format_version=FORMAT_VERSION, what="manifest")
    try:
        archives = tuple(archive_entry(item) for item in document["archives"])
        manifest = Manifest(
            family=str(document["family"]),
            version=str(document["version"]),
            version_ref=str(document.get("version_ref", "")),
            written_by={str(k): str(v) for k, v in dict(document.get("written_by", {})).items()},
            archives=archives,
            writers={str(k): str(v) for k, v in dict(document.get("writers", {})).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{path}: malformed manifest ({type(exc).__name__}: {exc})") from None
    if signature is not None:
        _LISTED[str(path)] = (signature, frozenset(entry.file for entry in archives))
    return manifest


def archive_entry(item: Any) -> ArchiveEntry:
    if not isinstance(item, dict):
        raise TypeError(f"archive entry {item!r} is not a table")
    file = item["file"]
    # Only a name with ".." in it can have a ".." part: the others skip building a Path.
    if (
        not isinstance(file, str)
        or file.startswith("/")
        or (".." in file and ".." in Path(file).parts)
    ):
        raise ValueError(f"archive file {file!r} must be a relative path inside the version folder")
    expect = item.get("expect")
    if expect not in (None, "reject", "load"):
        raise ValueError(f"archive {file!r}: expect must be 'reject' or 'load', not {expect!r}")
    return ArchiveEntry(
        file=file,
        record=str(item["record"]),
        sha256=str(item["sha256"]),
        size=int(item["size"]),
        expected=item["expected"],
        expect=expect,
        note=item.get("note"),
    )
