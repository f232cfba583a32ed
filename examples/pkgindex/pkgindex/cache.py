"""The on-disk cache of project pages: one msgpack file per project.

Every entry starts with a header ``["pkgindex", CACHE_VERSION]``; records are
written as msgpack maps keyed by field name. Bump ``CACHE_VERSION`` whenever a
record's layout or encoding changes: entries of any other version are a
cache miss, and ``Cache`` deletes them.

History (each version's layouts, serialized forms and golden archives are in
``tests/cachecompat/simple/``):

- 0 (pkgindex 0.1.0): records as positional arrays.
- 1 (pkgindex 0.2.0): ``Hashes`` gained ``md5``, a new first field.
- 2 (pkgindex 0.3.0): ``File.upload_time`` (PEP 700); records as maps.
"""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import msgpack

from pkgindex.models import File, Hashes, ProjectPage, Yanked

CACHE_VERSION = 2
MAGIC = "pkgindex"


class CacheMiss(Exception):
    """An entry that cannot be used: unreadable, damaged, or written by another cache version."""


def _encode_file(file: File) -> dict[str, Any]:
    upload_time = file.upload_time.isoformat() if file.upload_time is not None else None
    return {
        "filename": file.filename,
        "url": file.url,
        "hashes": {"md5": file.hashes.md5, "sha256": file.hashes.sha256},
        "requires_python": file.requires_python,
        "yanked": file.yanked.value,
        "size": file.size,
        "upload_time": upload_time,
    }


def _decode_file(data: dict[str, Any]) -> File:
    hashes = data["hashes"]
    upload_time = data["upload_time"]
    return File(
        filename=data["filename"],
        url=data["url"],
        hashes=Hashes(md5=hashes["md5"], sha256=hashes["sha256"]),
        requires_python=data["requires_python"],
        yanked=Yanked(data["yanked"]),
        size=data["size"],
        upload_time=None if upload_time is None else datetime.datetime.fromisoformat(upload_time),
    )


def dumps(page: ProjectPage) -> bytes:
    """The bytes of one cache entry."""
    payload = {"name": page.name, "files": [_encode_file(f) for f in page.files], "etag": page.etag}
    return msgpack.packb([MAGIC, CACHE_VERSION]) + msgpack.packb(payload)


def loads(data: bytes) -> ProjectPage:
    """The page stored in ``data``; ``CacheMiss`` for anything this version cannot use."""
    unpacker = msgpack.Unpacker(raw=False, max_buffer_size=len(data) or 1)
    unpacker.feed(data)
    try:
        header = unpacker.unpack()
    except Exception as exc:
        raise CacheMiss(f"unreadable entry header: {exc}") from exc
    if header != [MAGIC, CACHE_VERSION]:
        raise CacheMiss(f"not a pkgindex v{CACHE_VERSION} entry (header {header!r})")
    try:
        payload = unpacker.unpack()
        page = ProjectPage(
            name=payload["name"],
            files=[_decode_file(f) for f in payload["files"]],
            etag=payload["etag"],
        )
    except Exception as exc:
        raise CacheMiss(f"damaged entry: {type(exc).__name__}: {exc}") from exc
    if unpacker.tell() != len(data):
        raise CacheMiss("damaged entry: trailing bytes")
    return page


def normalize(project: str) -> str:
    """The PEP 503 normalized name of a project."""
    return re.sub(r"[-_.]+", "-", project).lower()


class Cache:
    """Project pages stored as files in a directory; entries that fail to load are deleted."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def path(self, project: str) -> Path:
        return self.directory / f"{normalize(project)}.msgpack"

    def get(self, project: str) -> ProjectPage | None:
        """The cached page of ``project``, or None (a damaged or outdated entry is removed)."""
        path = self.path(project)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return loads(data)
        except CacheMiss:
            path.unlink(missing_ok=True)
            return None

    def put(self, page: ProjectPage) -> None:
        """Store ``page``, atomically replacing an older entry."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(dumps(page))
            os.replace(temp, self.path(page.name))
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
