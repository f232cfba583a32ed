"""Archives that are files or folders (``io = "path"``): reading, hashing and writing them.

A folder archive is held as a :data:`Tree`, ``{relative posix path: bytes}``
of its regular files. Folders themselves do not count: git keeps no empty
folder, so a hash that counted them would call a fresh clone edited.

The sha256 of a folder is the sha256 of its listing: one line
``<sha256 of the file>  <relative/path>\\n`` per file, sorted by path (as
``sha256sum`` prints them). From a shell::

    cd archive && find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs sha256sum | sha256sum
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ._files import atomic_write
from ._history import StoreError

Tree = Mapping[str, bytes]
Content = bytes | Tree

__all__ = [
    "Content",
    "Tree",
    "content_sha256",
    "content_size",
    "listing",
    "materialize",
    "read_content",
    "write_content",
]


def read_content(path: Path) -> Content:
    """A file's bytes, or a folder's files; symbolic links are refused (not self-contained)."""
    _refuse_link(path)
    if not path.is_dir():
        return path.read_bytes()
    files: dict[str, bytes] = {}
    for top, dirs, names in os.walk(path):
        dirs.sort()
        for name in dirs:
            _refuse_link(Path(top, name))
        for name in sorted(names):
            file = Path(top, name)
            _refuse_link(file)
            files[file.relative_to(path).as_posix()] = file.read_bytes()
    return dict(sorted(files.items()))


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise StoreError(f"{path} is a symbolic link; an archive must hold its own bytes")


def listing(tree: Tree) -> list[tuple[str, int, str]]:
    """``(path, size, sha256)`` of every file of a folder, sorted by path."""
    return [
        (relative, len(data), hashlib.sha256(data).hexdigest())
        for relative, data in sorted(tree.items())
    ]


def content_sha256(content: Content) -> str:
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest()
    lines = "".join(f"{digest}  {relative}\n" for relative, _, digest in listing(content))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def content_size(content: Content) -> int:
    return len(content) if isinstance(content, bytes) else sum(map(len, content.values()))


def materialize(path: Path, content: Content) -> None:
    """Write ``content`` at ``path`` (which must not exist): a plain copy, for a loader."""
    if isinstance(content, bytes):
        path.write_bytes(content)
        return
    path.mkdir()
    for relative, data in content.items():
        file = path / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)


def write_content(path: Path, content: Content) -> None:
    """Write an archive into the store atomically: readers see all of it or nothing.

    A folder is written into a hidden temporary folder beside ``path`` and
    renamed into place; a leftover folder of an interrupted freeze (no
    manifest lists it yet) is replaced.
    """
    if isinstance(content, bytes):
        atomic_write(path, content)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        materialize(staging / "content", content)
        for file in (staging / "content").rglob("*"):
            if file.is_file():
                with open(file, "rb") as handle:
                    os.fsync(handle.fileno())
        if path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        os.rename(staging / "content", path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
