"""The store's file writes: atomic, never overwriting by accident, with ordinary file modes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_cachecompat import store


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_write_gives_the_mode_of_a_new_file(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "family" / "v0" / "CHANGES.md"
    store.atomic_write(path, b"first\n")
    assert path.read_bytes() == b"first\n"
    assert mode(path) == 0o644

    store.atomic_write(path, b"second\n")
    assert path.read_bytes() == b"second\n"
    assert mode(path) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["CHANGES.md"]  # no temporary file left


def test_write_new_gives_the_mode_of_a_new_file(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "v0" / "archives" / "mypkg.models.File-0.bin"
    assert store.write_new(path, b"\x00\x01") is True
    assert path.read_bytes() == b"\x00\x01"
    assert mode(path) == 0o644
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_the_mode_follows_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        store.atomic_write(tmp_path / "a.json", b"{}\n")
        assert store.write_new(tmp_path / "b.bin", b"x")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "a.json") == 0o600
    assert mode(tmp_path / "b.bin") == 0o600


def test_write_new_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "MANIFEST.json"
    path.write_bytes(b"original\n")

    assert store.write_new(path, b"replacement\n") is False
    assert path.read_bytes() == b"original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["MANIFEST.json"]


def test_locked_leaves_no_file_in_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "simple"
    with store.locked(folder):
        assert folder.is_dir()
        assert list(folder.iterdir()) == []
        store.atomic_write(folder / "v0" / "CHANGES.md", b"x\n")
    assert [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*"))] == [
        "v0",
        "v0/CHANGES.md",
    ]
    # The lock is released: taking it again does not block.
    with store.locked(folder):
        pass
    assert sorted(p.name for p in folder.iterdir()) == ["v0"]
