"""parso's real cache write and read, around a module tree.

parso pickles ``_NodeCacheItem(module, lines, change_time)`` into
``<cache>/<_VERSION_TAG>/<grammar hash>-<sha256 of the source path>.pkl``
(``parso.cache.try_to_save_module``) and reads it back with
``parso.cache.load_module``, which returns the tree, or ``None`` when there
is no entry or it is older than the source. Both need a source file: it is
written here with a pinned modification time, so the bytes are the same in
every run (``change_time`` is the source's mtime).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import parso
import parso.cache
from parso.file_io import FileIO
from parso.utils import split_lines

GRAMMAR = parso.load_grammar(version="3.9")
HASHED = GRAMMAR._hashed  # the sha256 of the grammar text: part of the file name
MTIME = 1_700_000_000

# A source that uses every kind of node the walrus operator and friends produce.
SOURCE = """\
def f(a, *, b=1):
    if (n := len(a)) > 1:
        return f'{n}'


class C(object):
    x: int = 3
"""


_TAKES_PATH = tuple(int(part) for part in parso.__version__.split(".")[:2]) >= (0, 8)


def _cache_path(folder: str):
    # parso 0.8 takes a Path as cache_path, 0.7 a str.
    return Path(folder) if _TAKES_PATH else folder


def _source(folder: str, code: str) -> str:
    path = os.path.join(folder, "m.py")
    with open(path, "w") as handle:
        handle.write(code)
    os.utime(path, (MTIME, MTIME))
    return path


def dumps(module) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        code = module.get_code()
        path = _source(folder, code)
        cache = _cache_path(os.path.join(folder, "cache"))
        parso.cache.parser_cache.clear()
        lines = split_lines(code, keepends=True)
        parso.cache.try_to_save_module(HASHED, FileIO(path), module, lines, cache_path=cache)
        pickled = parso.cache._get_hashed_path(HASHED, path, cache_path=cache)
        with open(pickled, "rb") as handle:
            return handle.read()


def loads(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = _source(folder, SOURCE)
        cache = _cache_path(os.path.join(folder, "cache"))
        entry = parso.cache._get_hashed_path(HASHED, path, cache_path=cache)
        with open(entry, "wb") as handle:  # newer than the source: not outdated
            handle.write(data)
        parso.cache.parser_cache.clear()  # the in-memory layer in front of the files
        try:
            return parso.cache.load_module(HASHED, FileIO(path), cache_path=cache)
        finally:
            parso.cache.parser_cache.clear()


def samples():
    return [GRAMMAR.parse(SOURCE)]
