"""Writing several files of one version folder so that they become visible at once.

A version is recorded whole or not at all, and a freeze writes its archives
and manifest together (docs/reference.md, "How the store is written"). Every
file is first written into a hidden *stage* beside the version folder
(``<family>/.v<V>.<random>.stage/``) and fsynced; then:

- a version folder that does not exist yet is the stage renamed into place:
  one rename, so readers see no folder or the whole folder;
- into a version folder that exists (a freeze of a recorded version, fuzz
  regressions), the stage first gets a commit marker, then its entries are
  moved in one by one, the listing files last (``CHANGES.md``,
  ``REGRESSIONS.json``, ``MANIFEST.json``: they are what make a version
  recorded or frozen).

A run killed before the marker leaves only the hidden stage: the next run
that takes the family's lock removes it (``clean_leftovers``). A run killed
after it leaves a stage that the next run finishes moving. Hidden entries
(dot names) are never store content for any check, so neither is seen as
part of the store in the meantime. The marker lists every file of the
commit (``unfinished_commits``): those already moved in, before their
listing, belong to the interrupted write too, not to the store.

The caller holds the family lock (``_lock.locked``) around every function here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from ._files import CHANGES_NAME, MANIFEST_NAME, REGRESSIONS_NAME, dir_mode, fsync_dir
from ._history import StoreError

STAGE_SUFFIX = ".stage"
COMMIT_MARKER = ".commit"
# Moved last, in this order: each one makes what it lists count.
LISTINGS = (CHANGES_NAME, REGRESSIONS_NAME, MANIFEST_NAME)

# What this plugin's interrupted writes leave: stages (tempfile.mkdtemp names),
# and temporary files of single-file writes (``.<name>.<random>.tmp``, mkstemp).
_RANDOM = r"[a-z0-9_]{8}"
STAGE_NAME = re.compile(rf"^\.(?P<target>.+)\.{_RANDOM}\{STAGE_SUFFIX}$")
TEMP_NAME = re.compile(rf"^\..+\.{_RANDOM}\.tmp$")


def is_leftover(name: str) -> bool:
    """Whether a file or folder name is one this plugin's writes leave behind when interrupted."""
    return bool(STAGE_NAME.match(name) or TEMP_NAME.match(name))


def _checked(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise ValueError(f"not a path inside a version folder: {relative!r}")
    if any(part.startswith(".") for part in path.parts):
        raise ValueError(f"hidden names are never store content: {relative!r}")
    return path


def write_version(version_folder: Path, files: Mapping[str, bytes]) -> None:
    """Make ``files`` (paths relative to ``version_folder``) appear in it all at once.

    Files that exist are replaced; nothing else in the folder is touched.
    """
    if not files:
        return
    relatives = {_checked(name): data for name, data in files.items()}
    family_folder = version_folder.parent
    family_folder.mkdir(parents=True, exist_ok=True)
    stage = Path(
        tempfile.mkdtemp(prefix=f".{version_folder.name}.", suffix=STAGE_SUFFIX, dir=family_folder)
    )
    try:
        for relative, data in sorted(relatives.items()):
            _write_file(stage.joinpath(*relative.parts), data)
        for folder in sorted({stage.joinpath(*r.parts).parent for r in relatives}, reverse=True):
            fsync_dir(folder)
        os.chmod(stage, dir_mode())
        if not version_folder.exists() and _rename_into_place(stage, version_folder):
            fsync_dir(family_folder)
            return
        marker = {"target": version_folder.name, "files": sorted(map(str, relatives))}
        _write_file(stage / COMMIT_MARKER, json.dumps(marker).encode("utf-8"))
        fsync_dir(stage)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _roll_forward(stage, version_folder)


def _rename_into_place(stage: Path, version_folder: Path) -> bool:
    try:
        os.rename(stage, version_folder)
    except OSError:
        return False  # it appeared meanwhile (or the OS refuses): move file by file
    return True


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL in a fresh stage; mode 0666 lets the umask decide, as for any new file.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _order(entry: Path) -> tuple[int, str]:
    name = entry.name
    return (LISTINGS.index(name) + 1 if name in LISTINGS else 0, name)


def _roll_forward(stage: Path, version_folder: Path) -> None:
    """Move a committed stage's entries into the version folder, listings last."""
    version_folder.mkdir(parents=True, exist_ok=True)
    entries = sorted((p for p in stage.iterdir() if p.name != COMMIT_MARKER), key=_order)
    for entry in entries:
        _move(entry, version_folder / entry.name)
    fsync_dir(version_folder)
    (stage / COMMIT_MARKER).unlink(missing_ok=True)
    stage.rmdir()
    fsync_dir(stage.parent)


def _move(source: Path, destination: Path) -> None:
    if source.is_dir() and not source.is_symlink():
        if not destination.exists() and _rename_into_place(source, destination):
            return
        if not destination.is_dir():
            raise StoreError(f"{destination}: exists and is not a folder; cannot write into it")
        for child in sorted(source.iterdir(), key=_order):
            _move(child, destination / child.name)
        fsync_dir(destination)
        source.rmdir()
        return
    os.replace(source, destination)


def unfinished_commits(family_folder: Path) -> dict[str, frozenset[str]]:
    """Files that committed but unfinished writes put into version folders, by folder name.

    Until the next writing run finishes such a write, some of its files may
    already lie in the version folder without the listing that explains
    them (``MANIFEST.json``, ``REGRESSIONS.json``: moved last); a check must
    count them as part of the write, not report them as stale.
    """
    if not family_folder.is_dir():
        return {}
    found: dict[str, frozenset[str]] = {}
    for child in family_folder.iterdir():
        match = STAGE_NAME.match(child.name)
        if match is None or child.is_symlink():
            continue
        try:
            marker = json.loads((child / COMMIT_MARKER).read_text(encoding="utf-8"))
            files = frozenset(str(name) for name in marker["files"])
        except (OSError, ValueError, TypeError, KeyError):
            continue  # no marker: nothing of the write is visible
        target = match["target"]
        found[target] = found.get(target, frozenset()) | files
    return found


def clean_leftovers(family_folder: Path) -> list[str]:
    """Finish or remove what interrupted writes left in a family folder; what was done, in words.

    A stage with its commit marker is moved into place (its files were all
    written and fsynced before the marker); any other stage, and any
    temporary file of a single-file write, is removed. User files, dotfiles
    of other tools included, are never touched.
    """
    if not family_folder.is_dir():
        return []
    done: list[str] = []
    for child in sorted(family_folder.iterdir()):
        match = STAGE_NAME.match(child.name)
        if match is None or not child.is_dir() or child.is_symlink():
            continue
        if (child / COMMIT_MARKER).is_file():
            _roll_forward(child, family_folder / match["target"])
            done.append(f"finished the interrupted write {child.name} into {match['target']}")
        else:
            shutil.rmtree(child)
            done.append(f"removed {child.name} (an interrupted write; nothing of it was visible)")
    for top, dirs, names in os.walk(family_folder):
        # A temporary folder too: a folder archive (io = "path") written on its own.
        for name in sorted(d for d in dirs if TEMP_NAME.match(d)):
            path = Path(top, name)
            if path.is_symlink():
                path.unlink()
            else:
                shutil.rmtree(path)
            done.append(f"removed {path.relative_to(family_folder).as_posix()}")
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if TEMP_NAME.match(name):
                path = Path(top, name)
                path.unlink(missing_ok=True)
                done.append(f"removed {path.relative_to(family_folder).as_posix()}")
    return done
