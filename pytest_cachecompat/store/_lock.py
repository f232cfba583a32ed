"""The family lock: one writer at a time per family folder, on every OS.

Two runs that record or freeze at once (two terminals, a run and its xdist
workers) queue up instead of interleaving their writes. The lock is a
``filelock`` lock (an OS lock where the OS has one, a lock file that records
its holder elsewhere), kept OUTSIDE the store: in a folder of the temp dir,
named after the family folder's resolved path, so that every process of the
user that writes one store agrees on it whatever its pytest options, and no
lock file ever shows up in the repository.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ._history import StoreError

if TYPE_CHECKING:
    from filelock import BaseFileLock

# Seconds a writer waits for another run's lock before it gives up with a
# message; a freeze of a large family holds the lock while it calls dumps.
LOCK_TIMEOUT = 600.0


def _user() -> str:
    try:
        name = getpass.getuser()
    except (OSError, KeyError, ImportError):
        name = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "user"


def lock_dir() -> Path:
    """Where the lock files live: one folder per user in the temp dir."""
    return Path(tempfile.gettempdir()) / f"pytest-cachecompat-{_user()}"


def _filelock() -> ModuleType:
    # Without fcntl (some POSIX-like platforms, sandboxes) filelock falls back
    # to a lock file that records its holder, and says so with a warning at
    # import; that fallback is what we want, so the warning is not the user's.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="only soft file lock is available")
        import filelock

    return filelock


def _is_soft(filelock: ModuleType) -> bool:
    return not issubclass(filelock.FileLock, filelock.UnixFileLock | filelock.WindowsFileLock)


def lock_path(folder: Path) -> Path:
    """The lock file of a family folder, keyed by its resolved path.

    An OS lock leaves its (empty) file behind, which a soft lock would take
    for a holder: the two kinds never share a name.
    """
    resolved = os.fsencode(folder.resolve())
    key = hashlib.sha256(resolved).hexdigest()[:32]
    suffix = ".softlock" if _is_soft(_filelock()) else ".lock"
    return lock_dir() / f"{folder.name}-{key}{suffix}"


@contextlib.contextmanager
def locked(folder: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of a family folder (created if missing) while writing into it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = lock_path(folder)
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the lock folder {path.parent}: {exc}") from None
    filelock = _filelock()
    lock: BaseFileLock = filelock.FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise StoreError(
            f"{folder}: another run has held its lock for {timeout:g} s ({path}); wait for it "
            "to finish. If no other pytest-cachecompat run is active, remove that file."
        ) from None
    except OSError as exc:
        raise StoreError(f"{folder}: cannot take its lock {path}: {exc}") from None
    try:
        yield
    finally:
        lock.release()
