"""Archives that are files or folders (io = "path"): reading, hashing, writing them."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_cachecompat import store


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


FILES = {"cache.msgpack": b"\x93\x01\x02\x03", "meta/VERSION": b"3", "meta/z/deep": b""}


def test_a_folder_is_read_as_its_files(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "archive", FILES)
    (folder / "empty").mkdir()
    assert store.read_content(folder) == FILES
    assert store.read_content(folder / "cache.msgpack") == FILES["cache.msgpack"]


def test_the_folder_hash_is_the_sha256_of_its_sorted_listing(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "archive", FILES)
    listing = "".join(
        f"{hashlib.sha256(FILES[name]).hexdigest()}  {name}\n" for name in sorted(FILES)
    )
    assert (
        store.content_sha256(store.read_content(folder))
        == hashlib.sha256(listing.encode()).hexdigest()
    )
    assert store.content_size(store.read_content(folder)) == sum(map(len, FILES.values()))


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils")
def test_the_documented_shell_command_gives_the_same_hash(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "archive", FILES)
    command = "find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs sha256sum | sha256sum"
    done = subprocess.run(
        command, shell=True, cwd=folder, capture_output=True, text=True, check=True
    )
    assert done.stdout.split()[0] == store.content_sha256(store.read_content(folder))


def test_the_hash_does_not_depend_on_empty_folders_or_writing_order(tmp_path: Path) -> None:
    first = make_folder(tmp_path / "a", FILES)
    second = make_folder(tmp_path / "b", dict(reversed(list(FILES.items()))))
    (second / "nothing" / "here").mkdir(parents=True)
    digest = store.content_sha256(store.read_content(first))
    assert store.content_sha256(store.read_content(second)) == digest
    (second / "meta" / "VERSION").write_bytes(b"4")
    assert store.content_sha256(store.read_content(second)) != digest
    (second / "meta" / "VERSION").write_bytes(b"3")
    (second / "meta" / "VERSION").rename(second / "meta" / "VERSION2")
    assert store.content_sha256(store.read_content(second)) != digest


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "archive", FILES)
    (folder / "link").symlink_to(folder / "cache.msgpack")
    with pytest.raises(store.StoreError, match="is a symbolic link"):
        store.read_content(folder)


def test_write_content_replaces_a_leftover_and_leaves_no_temporary_folder(tmp_path: Path) -> None:
    target = tmp_path / "v0" / "archives" / "File-0"
    make_folder(target, {"half-written": b"x"})  # an interrupted freeze
    store.write_content(target, FILES)
    assert store.read_content(target) == FILES
    assert [p.name for p in target.parent.iterdir()] == ["File-0"]
    store.write_content(tmp_path / "v0" / "archives" / "File-1", b"bytes")
    assert (tmp_path / "v0" / "archives" / "File-1").read_bytes() == b"bytes"


def test_materialize_makes_an_independent_copy(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    store.materialize(copy, FILES)
    (copy / "meta" / "VERSION").write_bytes(b"changed")
    assert FILES["meta/VERSION"] == b"3"
    assert store.read_content(copy)["meta/VERSION"] == b"changed"
