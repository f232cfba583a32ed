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


# --- writing several files at once (store/_commit.py) -------------------------------------------


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_write_version_makes_a_new_version_folder_appear_whole(
    tmp_path: Path, umask_022: None
) -> None:
    version = tmp_path / "simple" / "v1"
    files = {"a.layout.json": b"{}\n", "archives/a-0.bin": b"\x00", "CHANGES.md": b"# v1\n"}

    store.write_version(version, files)

    assert tree(version) == files
    assert mode(version) == 0o755  # not mkdtemp's 0700
    assert mode(version / "archives") == 0o755
    assert mode(version / "a.layout.json") == 0o644
    assert sorted(p.name for p in (tmp_path / "simple").iterdir()) == ["v1"]  # no stage left


def test_write_version_into_an_existing_folder_adds_and_replaces_only_its_files(
    tmp_path: Path,
) -> None:
    version = tmp_path / "simple" / "v0"
    version.mkdir(parents=True)
    (version / "kept.layout.json").write_bytes(b"kept")
    (version / "replaced.json").write_bytes(b"old")

    store.write_version(version, {"replaced.json": b"new", "archives/x.bin": b"x"})

    assert tree(version) == {
        "archives/x.bin": b"x",
        "kept.layout.json": b"kept",
        "replaced.json": b"new",
    }
    assert sorted(p.name for p in (tmp_path / "simple").iterdir()) == ["v0"]


@pytest.mark.parametrize(
    "name", ["../escape.json", "/abs.json", ".hidden.json", "archives/.x.bin", ""]
)
def test_write_version_refuses_paths_outside_or_hidden(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        store.write_version(tmp_path / "simple" / "v0", {name: b"x"})
    assert not (tmp_path / "simple" / "v0").exists()


def test_clean_leftovers_removes_stages_and_temporary_files_and_nothing_else(
    tmp_path: Path,
) -> None:
    family = tmp_path / "simple"
    (family / "v0" / "archives").mkdir(parents=True)
    (family / "v0" / "a.layout.json").write_bytes(b"{}")
    (family / "v0" / ".gitkeep").write_bytes(b"")
    (family / "v0" / ".a.layout.json.ab12cd34.tmp").write_bytes(b"half")
    (family / "v0" / "archives" / ".x.bin.zz99yy88.tmp").write_bytes(b"half")
    (family / "v0" / "archives" / ".folder.qq11ww22.tmp" / "content").mkdir(parents=True)
    (family / ".v1.k3j2h1g0.stage").mkdir()
    (family / ".v1.k3j2h1g0.stage" / "a.layout.json").write_bytes(b"{}")

    done = store.clean_leftovers(family)

    assert len(done) == 4
    assert tree(family) == {"v0/.gitkeep": b"", "v0/a.layout.json": b"{}"}
    assert not (family / "v1").exists()
    assert store.clean_leftovers(family) == []


def test_clean_leftovers_finishes_a_committed_stage(tmp_path: Path) -> None:
    family = tmp_path / "simple"
    (family / "v0").mkdir(parents=True)
    (family / "v0" / "a.layout.json").write_bytes(b"{}")
    stage = family / ".v0.m5n6b7v8.stage"
    (stage / "archives").mkdir(parents=True)
    (stage / "archives" / "a-0.bin").write_bytes(b"\x01")
    (stage / "MANIFEST.json").write_bytes(b"{}")
    (stage / ".commit").write_bytes(b"v0")

    assert store.clean_leftovers(family) == [
        "finished the interrupted write .v0.m5n6b7v8.stage into v0"
    ]
    assert tree(family) == {
        "v0/MANIFEST.json": b"{}",
        "v0/a.layout.json": b"{}",
        "v0/archives/a-0.bin": b"\x01",
    }


@pytest.mark.parametrize(
    ("name", "leftover"),
    [
        (".v1.k3j2h1g0.stage", True),
        (".v1.5.k3j2h1g0.stage", True),
        (".CHANGES.md.ab12cd34.tmp", True),
        (".gitkeep", False),
        ("v1", False),
        ("notes.tmp", False),
        (".cache.tmp", False),
    ],
)
def test_is_leftover(name: str, leftover: bool) -> None:
    assert store.is_leftover(name) is leftover


def test_the_lock_file_lies_outside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "store" / "simple"
    path = store.lock_path(folder)
    assert tmp_path not in path.parents
    assert path == store.lock_path(tmp_path / "store" / ".." / "store" / "simple")


def test_unfinished_commits_lists_the_files_of_committed_stages_only(tmp_path: Path) -> None:
    """A committed write killed half-way: its files already moved in are not store content."""
    family = tmp_path / "simple"
    version = family / "v0"
    (version / "archives").mkdir(parents=True)
    files = {"archives/a-0.bin": b"\x01", "MANIFEST.json": b"{}"}
    real_replace = os.replace

    def killed_at_the_manifest(source: str | Path, destination: str | Path) -> None:
        if str(destination).endswith("MANIFEST.json"):
            raise KeyboardInterrupt  # the run dies before its listing is in place
        real_replace(source, destination)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", killed_at_the_manifest)
        with pytest.raises(KeyboardInterrupt):
            store.write_version(version, files)
    (family / ".v1.k3j2h1g0.stage").mkdir()  # not committed: nothing of it is visible
    (family / ".v1.k3j2h1g0.stage" / "a.layout.json").write_bytes(b"{}")

    assert tree(version) == {"archives/a-0.bin": b"\x01"}
    assert store.unfinished_commits(family) == {"v0": frozenset(files)}

    store.clean_leftovers(family)
    assert tree(version) == files
    assert store.unfinished_commits(family) == {}
