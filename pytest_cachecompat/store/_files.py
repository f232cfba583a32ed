"""The store: where each family's recorded layouts, serialized forms and archives live.

``<store>/<family>/v<V>/`` holds everything of one family and version. Every
single-file write is atomic (a temporary file in the same folder, fsynced,
then renamed over the target), so an interrupted run leaves the previous file
intact and never a half-written one. Writes of several files at once (a
version, a freeze) go through ``_commit``; the lock is in ``_lock``. Nothing
here ever deletes a user's file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from pytest_cachecompat.config import versions

LAYOUT_SUFFIX = ".layout.json"
SAMPLES_SUFFIX = ".samples.json"
CHANGES_NAME = "CHANGES.md"
MANIFEST_NAME = "MANIFEST.json"
REGRESSIONS_NAME = "REGRESSIONS.json"  # fuzz regression archives (--cache-compat-fuzz-save)
ARCHIVES_DIR = "archives"


def stem(qualified_name: str) -> str:
    """File stem of a record type: ``mypkg.models:File`` -> ``mypkg.models.File``."""
    return qualified_name.replace(":", ".")


def layout_path(version_folder: Path, qualified_name: str) -> Path:
    return version_folder / f"{stem(qualified_name)}{LAYOUT_SUFFIX}"


def samples_path(version_folder: Path, qualified_name: str) -> Path:
    return version_folder / f"{stem(qualified_name)}{SAMPLES_SUFFIX}"


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def file_mode() -> int:
    """The mode the user's umask gives a new file.

    mkstemp creates files 0600; store files are shared like any file in the
    repository, so they get the mode of an ordinary new file.
    """
    return 0o666 & ~_umask()


def dir_mode() -> int:
    """The mode the user's umask gives a new folder (mkdtemp makes folders 0700)."""
    return 0o777 & ~_umask()


def _temporary_beside(path: Path) -> tuple[int, str]:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(name, file_mode())
    return fd, name


def _durable_temporary(path: Path, data: bytes) -> str:
    """A temporary file beside ``path`` that holds ``data`` on disk; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = _temporary_beside(path)
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
    except BaseException:
        _remove_if_there(tmp_name)
        raise
    return tmp_name


def _remove_if_there(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never a mix."""
    tmp_name = _durable_temporary(path, data)
    try:
        os.replace(tmp_name, path)
    except BaseException:
        _remove_if_there(tmp_name)
        raise
    fsync_dir(path.parent)


def write_new(path: Path, data: bytes) -> bool:
    """Write ``path`` only if it does not exist yet; True when written.

    The final step is a hard link, which fails if another process created the
    file first, so two concurrent runs never overwrite each other's file.
    """
    if path.exists():
        return False
    tmp_name = _durable_temporary(path, data)
    try:
        os.link(tmp_name, path)
    except FileExistsError:
        return False
    finally:
        _remove_if_there(tmp_name)
    fsync_dir(path.parent)
    return True


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def recorded_versions(
    family_folder: Path, like: versions.VersionValue
) -> list[versions.VersionValue]:
    """Versions that have at least one recorded layout, ordered."""
    if not family_folder.is_dir():
        return []
    found: list[versions.VersionValue] = []
    for child in family_folder.iterdir():
        value = versions.parse_folder(child.name, like)
        if value is not None and child.is_dir() and any(child.glob(f"*{LAYOUT_SUFFIX}")):
            found.append(value)
    return versions.ordered(found)


def read_layouts(version_folder: Path) -> dict[str, Path]:
    """Recorded layout files of one version, by file stem."""
    if not version_folder.is_dir():
        return {}
    return {
        p.name[: -len(LAYOUT_SUFFIX)]: p for p in sorted(version_folder.glob(f"*{LAYOUT_SUFFIX}"))
    }
