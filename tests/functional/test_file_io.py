"""Caches that are files, folders or databases: ``io = "path"`` (docs/configuration.md).

``dumps(obj, path)`` writes the cache at a path the plugin gives, and
``loads(path)`` reads it, so the project's real read path is what the golden
archives test: here a formatter-like cache that reads ``cache.msgpack`` from
its cache folder, and a coverage-like cache that is an SQLite database.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgpack  # noqa: F401
import pytest
from helpers import assert_clean

# Imported here, before any in-process run: a run that first imports msgpack
# drops it afterwards, and the next import makes a new msgpack.ExtType class
# that its C unpacker (never re-initialised) does not return; an SQLite file
# decodes as a msgpack stream full of ExtTypes.

if TYPE_CHECKING:
    from conftest import Project

V0 = "tests/cachecompat/simple/v0"
FOLDER_0 = "archives/mypkg.models.File-0"
FOLDER_1 = "archives/mypkg.models.File-1"

# The project's real reader and writer: they take a cache *folder* and
# read or write `cache.msgpack` inside it, as a formatter's cache does.
FOLDER_CACHE = """\
import msgpack

from mypkg.cache import CacheMiss, SIMPLE_CACHE_VERSION, _fields
from mypkg.models import File, Hashes, Yanked


def write_cache(entry, folder):
    folder.mkdir()
    (folder / "cache.msgpack").write_bytes(
        msgpack.packb([SIMPLE_CACHE_VERSION, _fields(entry)])
    )
    (folder / "meta").mkdir()
    (folder / "meta" / "VERSION").write_text(str(SIMPLE_CACHE_VERSION))


def read_cache(folder):
    data = (folder / "cache.msgpack").read_bytes()
    (folder / "meta" / "last-read").write_text("now")  # readers may write to their cache
    version, payload = msgpack.unpackb(data)
    if version != SIMPLE_CACHE_VERSION:
        raise CacheMiss(f"cache version {version}")
    filename, hashes, requires_python, yanked = payload
    return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))
"""

# A reader of a new release that forgot the old file name: it crashes on old caches.
CRASHING_READER = """\
def read_cache(folder):
    return (folder / "entries.msgpack").read_bytes()
"""

SQLITE_CACHE = """\
import sqlite3

from mypkg.cache import CacheMiss, SIMPLE_CACHE_VERSION
from mypkg.models import File, Hashes, Yanked


def write_db(entry, path):
    db = sqlite3.connect(path)
    db.execute("create table meta (version integer)")
    db.execute("insert into meta values (?)", (SIMPLE_CACHE_VERSION,))
    db.execute("create table file (filename, sha256, requires_python, yanked)")
    db.execute(
        "insert into file values (?, ?, ?, ?)",
        (entry.filename, entry.hashes.sha256, entry.requires_python, entry.yanked.value),
    )
    db.commit()
    db.close()


def read_db(path):
    try:
        db = sqlite3.connect(path)
        try:
            (version,) = db.execute("select version from meta").fetchone()
            row = db.execute("select * from file").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise CacheMiss(f"unreadable database: {exc}") from exc
    if version != SIMPLE_CACHE_VERSION:
        raise CacheMiss(f"cache version {version}")
    if row is None:
        raise CacheMiss("no entry in the database")
    filename, sha256, requires_python, yanked = row
    try:
        return File(filename, Hashes(sha256), requires_python, Yanked(yanked))
    except ValueError as exc:
        raise CacheMiss(f"bad entry: {exc}") from exc
"""


def use_folder_cache(project: Project, extra: str = "") -> None:
    project.write("mypkg/foldercache.py", FOLDER_CACHE)
    project.declare(extra=f'io = "path"\n{extra}')
    project.edit("pyproject.toml", '"mypkg.cache:dumps"', '"mypkg.foldercache:write_cache"')
    project.edit("pyproject.toml", '"mypkg.cache:loads"', '"mypkg.foldercache:read_cache"')


def use_sqlite_cache(project: Project) -> None:
    project.write("mypkg/sqlitecache.py", SQLITE_CACHE)
    project.declare(extra='io = "path"')
    project.edit("pyproject.toml", '"mypkg.cache:dumps"', '"mypkg.sqlitecache:write_db"')
    project.edit("pyproject.toml", '"mypkg.cache:loads"', '"mypkg.sqlitecache:read_db"')


def folder_sha256(folder: Path) -> str:
    """The documented folder hash: sha256 of `<sha256>  <path>` lines, sorted by path."""
    lines = sorted(
        (path.relative_to(folder).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest())
        for path in folder.rglob("*")
        if path.is_file()
    )
    text = "".join(f"{digest}  {relative}\n" for relative, digest in lines)
    return hashlib.sha256(text.encode()).hexdigest()


def manifest(project: Project) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(project.read(f"{V0}/MANIFEST.json"))
    return document


@pytest.fixture
def frozen_folders(project: Project) -> Project:
    use_folder_cache(project)
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    result = project.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    return project


def test_folder_archives_are_the_folders_as_written(frozen_folders: Project) -> None:
    version_folder = frozen_folders.root / V0
    entries = manifest(frozen_folders)["archives"]
    assert [entry["file"] for entry in entries] == [FOLDER_0, FOLDER_1]
    for entry in entries:
        archive = version_folder / entry["file"]
        assert sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*")) == [
            "cache.msgpack",
            "meta",
            "meta/VERSION",
        ]
        assert entry["sha256"] == folder_sha256(archive)
        assert entry["size"] == sum(p.stat().st_size for p in archive.rglob("*") if p.is_file())
    # The serialized form of a folder: its listing, with each file's size and hash.
    samples = json.loads(frozen_folders.read(f"{V0}/mypkg.models.File.samples.json"))
    listing = samples["samples"][0]["decoded"]["folder"]
    assert [item["path"] for item in listing] == ["cache.msgpack", "meta/VERSION"]
    data = (version_folder / FOLDER_0 / "cache.msgpack").read_bytes()
    assert listing[0] == {
        "path": "cache.msgpack",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }

    # Every later run loads a fresh copy: the reader writes into its cache
    # folder, and the archive stays as written.
    before = frozen_folders.store_state()
    result = frozen_folders.run("--cache-compat")
    assert result.ret == 0, result.stdout.str()
    assert "archives v0 (current): 2 loaded" in result.stdout.str()
    assert frozen_folders.store_state() == before
    assert "stale" not in result.stdout.str()


def test_a_reader_that_crashes_on_the_old_file_fails_naming_archive_and_exception(
    frozen_folders: Project,
) -> None:
    frozen_folders.edit(
        "mypkg/foldercache.py",
        FOLDER_CACHE[FOLDER_CACHE.index("def read_cache(folder):") :],
        CRASHING_READER,
    )

    result = frozen_folders.run("--cache-compat")

    assert result.ret == 1
    out = result.stdout.str()
    archive = f"{V0}/{FOLDER_0}"  # relative to the rootdir, as pytest names files
    assert (
        f"golden archive {archive} (family 'simple', current version 0, record "
        "mypkg.models:File), loaded with mypkg.foldercache:read_cache:" in out
    )
    assert "unexpected exception builtins.FileNotFoundError: [Errno 2] No such file or" in out
    assert "entries.msgpack" in out
    assert 'return (folder / "entries.msgpack").read_bytes()' in out  # the reader's own line
    assert "pytest_cachecompat/" not in out
    assert "archives v0 (current): 2 failed" in out


def test_an_edited_file_in_a_folder_archive_is_an_edit(frozen_folders: Project) -> None:
    (frozen_folders.root / V0 / FOLDER_1 / "meta" / "VERSION").write_text("7")

    result = frozen_folders.run("--cache-compat")

    assert result.ret == 1
    assert f"golden archive {V0}/{FOLDER_1} was edited" in (result.stdout.str())


def test_a_changed_file_in_the_folder_is_a_serialized_form_change(
    frozen_folders: Project,
) -> None:
    frozen_folders.edit(
        "mypkg/foldercache.py",
        ".write_text(str(SIMPLE_CACHE_VERSION))",
        '.write_text(f"v{SIMPLE_CACHE_VERSION}")',
    )

    result = frozen_folders.run("--cache-compat", "-m", "cachecompat_layout")

    assert result.ret == 1
    out = result.stdout.str()
    assert "serialized form of mypkg.models:File changed but SIMPLE_CACHE_VERSION is still 0" in (
        out
    )
    assert "sha256" in out


def test_dumps_that_writes_nothing_at_the_path_fails_clearly(project: Project) -> None:
    use_folder_cache(project)
    project.edit("mypkg/foldercache.py", "    folder.mkdir()\n", "    return\n    folder.mkdir()\n")

    result = project.run("--cache-compat", "--snapshot-update")

    assert result.ret == 1
    assert (
        "dumps = mypkg.foldercache:write_cache wrote nothing at the path it was given for "
        "sample 0 of mypkg.models:File" in result.stdout.str()
    )


def test_isolated_loads_of_folder_archives(frozen_folders: Project) -> None:
    frozen_folders.configure('io = "path"\nisolate = true')
    frozen_folders.edit("pyproject.toml", '"mypkg.cache:dumps"', '"mypkg.foldercache:write_cache"')
    frozen_folders.edit("pyproject.toml", '"mypkg.cache:loads"', '"mypkg.foldercache:read_cache"')
    result = frozen_folders.run("--cache-compat", "-m", "cachecompat_golden")
    assert result.ret == 0, result.stdout.str()
    assert "archives v0 (current): 2 loaded" in result.stdout.str()


def test_fuzzing_skips_folder_archives_with_a_note(frozen_folders: Project) -> None:
    result = frozen_folders.run("--cache-compat", "--cache-compat-fuzz=20")
    assert result.ret == 0, result.stdout.str()
    out = result.stdout.str()
    assert (
        "warning: simple v0: --cache-compat-fuzz skipped 2 folder archive(s) "
        f"({FOLDER_0}, {FOLDER_1}): fuzzing corrupts single files" in out
    )


# --- a database file -------------------------------------------------------------------


def test_a_database_file_is_frozen_loaded_and_fuzzed(project: Project) -> None:
    use_sqlite_cache(project)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    result = project.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    database = project.root / V0 / FOLDER_0
    assert database.is_file()
    assert database.read_bytes().startswith(b"SQLite format 3\x00")
    assert (
        manifest(project)["archives"][0]["sha256"]
        == hashlib.sha256(database.read_bytes()).hexdigest()
    )

    before = project.store_state()
    result = project.run("--cache-compat", "--cache-compat-fuzz=30")
    assert result.ret == 0, result.stdout.str()
    out = result.stdout.str()
    assert "archives v0 (current): 2 loaded; fuzz:" in out
    assert project.store_state() == before

    # A bump: the old database is rejected cleanly by its version row.
    project.set_version(1)
    assert project.run("--cache-compat", "--snapshot-update", "-m", "cachecompat_layout").ret == 0
    result = project.run("--cache-compat")
    assert result.ret == 0, result.stdout.str()
    assert "archives v0 (older): 2 rejected" in result.stdout.str()


def test_a_fuzz_crash_of_a_file_reader_is_reproducible(project: Project) -> None:
    use_sqlite_cache(project)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    assert project.run("--cache-compat", "--cache-compat-freeze").ret == 0
    # A careless reader: a damaged database is an unexpected exception.
    project.edit("mypkg/sqlitecache.py", "except sqlite3.DatabaseError", "except KeyError")

    result = project.run("--cache-compat", "--cache-compat-fuzz=50", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = result.stdout.str()
    assert f"fuzzing golden archive {V0}/{FOLDER_0}" in out
    command = next(line.strip() for line in out.splitlines() if "python -c" in line)
    assert "p.write_bytes(" in command and "m.read_db(p)" in command
    replay = _run_in(project.root, command)
    assert "sqlite3.DatabaseError" in replay or "sqlite3.OperationalError" in replay


def _run_in(root: Path, command: str) -> str:
    import shlex
    import subprocess
    import sys

    args = shlex.split(command)
    args[0] = sys.executable
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(args, cwd=root, capture_output=True, text=True, env=env, check=False)
    assert done.returncode != 0, done.stdout + done.stderr
    return done.stderr


# --- freezing verifies a path family's archives before it writes them ----------------------

# Each reader returns one field wrong: the sample's None comes back as "utf-8".
MISREADS = {
    "folder": (
        "mypkg/foldercache.py",
        "return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))",
    ),
    "database": (
        "mypkg/sqlitecache.py",
        "return File(filename, Hashes(sha256), requires_python, Yanked(yanked))",
    ),
}


@pytest.mark.parametrize(
    ("cache", "args"),
    [("folder", ()), ("database", ()), ("folder", ("-n", "2"))],
    ids=["folder", "database-file", "folder-xdist"],
)
def test_freeze_of_a_path_family_writes_nothing_when_the_reader_misreads_a_field(
    project: Project, cache: str, args: tuple[str, ...]
) -> None:
    """docs/reference.md, "How the store is written": a freeze verifies before it writes."""
    (use_folder_cache if cache == "folder" else use_sqlite_cache)(project)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    module, right = MISREADS[cache]
    wrong = right.replace("requires_python,", 'requires_python or "utf-8",')
    project.edit(module, right, wrong)
    before = project.store_state(dotfiles=True)

    result = project.run("--cache-compat", "--cache-compat-freeze", *args)

    out = result.stdout.str()
    assert result.ret == 1, out
    assert_clean(out)
    assert project.store_state(dotfiles=True) == before  # no archive, no manifest, no leftover
    assert not (project.root / V0 / "MANIFEST.json").exists()
    assert not (project.root / V0 / "archives").exists()
    reader = "mypkg.foldercache:read_cache" if cache == "folder" else "mypkg.sqlitecache:read_db"
    assert "freeze of simple v0 failed: 1 of the 2 new archives does not load equal" in out
    assert "so nothing was written (no archive, no MANIFEST.json)" in out
    assert (
        f"golden archive {V0}/{FOLDER_1} (family 'simple', current version 0, record "
        f"mypkg.models:File, sample 1), loaded with {reader}:" in out
    )
    assert "File.requires_python: expected None, got 'utf-8'" in out

    project.edit(module, wrong, right)
    fixed = project.run("--cache-compat", "--cache-compat-freeze", *args)
    assert fixed.ret == 0, fixed.stdout.str()
    assert "simple v0: froze 2 archives" in fixed.stdout.str()
    entries = manifest(project)["archives"]
    assert [entry["file"] for entry in entries] == [FOLDER_0, FOLDER_1]
    for entry in entries:
        archive = project.root / V0 / entry["file"]
        assert archive.is_dir() if cache == "folder" else archive.is_file()
        digest = (
            folder_sha256(archive)
            if cache == "folder"
            else hashlib.sha256(archive.read_bytes()).hexdigest()
        )
        assert entry["sha256"] == digest
    assert project.run("--cache-compat").ret == 0


def test_an_unknown_io_is_a_usage_error(project: Project) -> None:
    project.configure('io = "file"')
    result = project.run("--cache-compat")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "family 'simple': io = 'file': must be one of bytes, path" in result.stderr.str()
    assert project.store_state() == {}
