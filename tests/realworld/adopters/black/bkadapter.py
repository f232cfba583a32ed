"""black's real cache write and read, for either API.

Up to 23.7, ``black.cache`` has functions over ``Cache = Dict[str,
Tuple[float, int]]`` (mtime and size per file): ``write_cache(cache,
sources, mode)``, ``read_cache(mode)`` and ``filter_cached(cache, sources)``.
From 23.9 it has a ``Cache`` dataclass whose ``file_data`` maps each file to
a ``FileData(st_mtime, st_size, hash)``: ``Cache.read(mode)``,
``.write(sources)`` and ``.filtered_cached(sources)``. Both pickle the
mapping to ``CACHE_DIR / cache.<mode key>.pickle``.

A read here is what black does before formatting: read the cache, then ask
which of the cached files changed (black's ``filter_cached`` /
``filtered_cached``). The files are real files beside this module, written
with a pinned modification time so that the bytes are the same in every run.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

# black reads BLACK_CACHE_DIR once, when black.cache is imported.
os.environ["BLACK_CACHE_DIR"] = tempfile.mkdtemp(prefix="black-cache-")

import black.cache
from black.mode import Mode

MODE = Mode()
MTIME = 1_700_000_000.5
SOURCES = Path(__file__).resolve().parent / "src"
_NEW_API = hasattr(black.cache, "FileData")

if _NEW_API:

    @dataclasses.dataclass
    class CacheFile:
        """What black pickles: the file data of every formatted file."""

        file_data: dict[str, black.cache.FileData]

else:

    @dataclasses.dataclass
    class CacheFile:
        """What black pickles: the (mtime, size) of every formatted file."""

        file_data: dict[str, tuple[float, int]]


def dumps(cache: CacheFile) -> bytes:
    path = black.cache.get_cache_file(MODE)
    if _NEW_API:
        black.cache.Cache(MODE, path, dict(cache.file_data)).write([])
    else:
        black.cache.write_cache(dict(cache.file_data), [], MODE)
    return path.read_bytes()


def loads(data: bytes) -> CacheFile:
    path = black.cache.get_cache_file(MODE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if _NEW_API:
        cache = black.cache.Cache.read(MODE)
        cache.filtered_cached([Path(name) for name in cache.file_data])
        return CacheFile(file_data=cache.file_data)
    file_data = black.cache.read_cache(MODE)
    black.cache.filter_cached(file_data, [Path(name) for name in file_data])
    return CacheFile(file_data=file_data)


def _source(name: str, code: str) -> Path:
    SOURCES.mkdir(exist_ok=True)
    path = SOURCES / name
    path.write_text(code)
    os.utime(path, (MTIME, MTIME))
    return path


def samples() -> list[CacheFile]:
    """The cache after black formatted two files of this project (black's own write)."""
    sources = [_source("a.py", "x = 1\n"), _source("b.py", "def f():\n    return 2\n")]
    path = black.cache.get_cache_file(MODE)
    path.unlink(missing_ok=True)
    if _NEW_API:
        cache = black.cache.Cache.read(MODE)
        cache.write(sources)
        return [CacheFile(file_data=black.cache.Cache.read(MODE).file_data)]
    black.cache.write_cache({}, sources, MODE)
    return [CacheFile(file_data=black.cache.read_cache(MODE))]
