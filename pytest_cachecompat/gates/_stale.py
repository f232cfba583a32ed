"""Stale store content: folders and files in the store that no declared family or version explains.

Stale items are reported (a warning in every ``--cache-compat`` run, a failure
under ``--cache-compat-release``) and never deleted: the store holds the
project's history, and only a person may decide that a piece of it is gone.

What the store may hold (``<store>/<family>/v<V>/``):

- a folder per declared family, and in it a folder per version;
- in a version folder: ``*.layout.json``, ``*.samples.json``, ``CHANGES.md``,
  ``MANIFEST.json`` and ``archives/`` with the files the manifest lists;
- in the current version's folder, layouts only of record types the current
  code has, and serialized forms only of its roots.

Hidden entries (dot names: the temporary files and stages of an interrupted
write, see store/_commit.py, or another tool's dotfiles) are never store content
and are ignored; so are the files that a committed but interrupted write has
already moved into a version folder ahead of its listing (the next writing
run finishes that write).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from pytest_cachecompat import store
from pytest_cachecompat.config import versions
from pytest_cachecompat.store import StoreError, listed_files

if TYPE_CHECKING:
    from pytest_cachecompat.run import Run

STALE_KEY = "stale"


@attrs.frozen
class Declared:
    """What the current code says one family's folder should hold."""

    name: str
    version: versions.VersionValue
    version_ref: str
    records: frozenset[str]  # qualified names of every record type at the current version
    roots: frozenset[str]  # qualified names of the declared roots (they have serialized forms)


@attrs.frozen
class StaleItem:
    """One stale file or folder: where it is (relative to ``root``), its family, and why."""

    path: str
    family: str | None
    reason: str

    @property
    def text(self) -> str:
        return f"{self.path}: {self.reason}"

    def to_json(self) -> dict[str, str | None]:
        return {"path": self.path, "family": self.family, "reason": self.reason}


# Archive files listed by manifests, as the golden items reported them: (family, folder) -> files.
Reported = Mapping[tuple[str, str], frozenset[str]]


def find_stale(
    store_path: Path, declared: Sequence[Declared], root: Path, reported: Reported | None = None
) -> list[StaleItem]:
    """Every stale item of the store, in path order; paths are shown relative to ``root``.

    ``reported`` holds the archive files that the golden items of this run
    found listed, so that their manifests need not be parsed again (under
    xdist the controller never read them; on a big store that is seconds).
    """
    if not store_path.is_dir():
        return []
    by_name = {family.name: family for family in declared}
    found: list[StaleItem] = []
    for child in _visible(store_path):
        family = by_name.get(child.name)
        path = Path(child.path)
        if family is not None and child.is_dir():
            found.extend(_family_folder(path, family, root, reported or {}))
        elif child.is_dir():
            known = ", ".join(sorted(by_name)) or "none"
            found.append(
                StaleItem(
                    _show(path, root),
                    None,
                    f"folder of a family named {child.name!r}, but no such family is declared "
                    f"(declared: {known}); if that cache is gone, remove the folder by hand",
                )
            )
        else:
            found.append(
                StaleItem(
                    _show(path, root), None, "unknown file in the store (not a family folder)"
                )
            )
    return sorted(found, key=lambda item: item.path)


def _family_folder(
    folder: Path, family: Declared, root: Path, reported: Reported
) -> Iterable[StaleItem]:
    unfinished = store.unfinished_commits(folder)
    for child in _visible(folder):
        version = versions.parse_folder(child.name, family.version) if child.is_dir() else None
        if version is None:
            what = "folder" if child.is_dir() else "file"
            yield StaleItem(
                _show(Path(child.path), root),
                family.name,
                f"unknown {what} in family {family.name!r} "
                "(only v<version> folders belong here, e.g. "
                f"{versions.folder_name(family.version)})",
            )
            continue
        in_flight = unfinished.get(child.name, frozenset())
        yield from _version_folder(Path(child.path), family, version, root, reported, in_flight)


def _version_folder(
    folder: Path,
    family: Declared,
    version: versions.VersionValue,
    root: Path,
    reported: Reported,
    in_flight: frozenset[str] = frozenset(),
) -> Iterable[StaleItem]:
    current = str(version) == str(family.version)
    where = f"family {family.name!r} v{version}"
    listed = _listed_archives(folder, reported.get((family.name, folder.name)))
    if in_flight and (listed is not None or store.MANIFEST_NAME in in_flight):
        # Archives moved in by an interrupted commit, ahead of the listing it still holds.
        listed = (listed or frozenset()) | in_flight
    has_content = False
    # A version folder holds a file per record type: scandir's entries know
    # file from folder without a stat each, and the names are compared as text.
    records = {store.stem(r) for r in family.records} if current else set()
    roots = {store.stem(r) for r in family.roots} if current else set()
    for child in _visible(folder):
        name = child.name
        if child.is_dir() and name == store.ARCHIVES_DIR:
            has_content = True
            yield from _archives(Path(child.path), listed, family.name, where, root)
        elif name.endswith(store.LAYOUT_SUFFIX) and child.is_file():
            has_content = True
            if current and name[: -len(store.LAYOUT_SUFFIX)] not in records:
                yield StaleItem(
                    _show(Path(child.path), root),
                    family.name,
                    f"layout of a record type the current code does not have at {where} "
                    f"(the current version, {family.version_ref} = {family.version!r}); "
                    "it was removed, renamed or is no longer reachable from the declared records",
                )
        elif name.endswith(store.SAMPLES_SUFFIX) and child.is_file():
            if current and name[: -len(store.SAMPLES_SUFFIX)] not in roots:
                yield StaleItem(
                    _show(Path(child.path), root),
                    family.name,
                    f"serialized forms of a record type that is not a declared root at {where} "
                    "(the current version)",
                )
        elif name == store.MANIFEST_NAME and child.is_file():
            has_content = True
        elif name in (store.REGRESSIONS_NAME, store.CHANGES_NAME) and child.is_file():
            pass  # fuzz regression archives (--cache-compat-fuzz-save); the changelog
        else:
            what = "folder" if child.is_dir() else "file"
            yield StaleItem(
                _show(Path(child.path), root), family.name, f"unknown {what} in {where}"
            )
    if not has_content:
        yield StaleItem(
            _show(folder, root),
            family.name,
            f"{where} has no recorded layout and no golden manifest",
        )


def _archives(
    folder: Path, listed: frozenset[str] | None, family: str, where: str, root: Path
) -> Iterable[StaleItem]:
    if listed is None:  # no manifest, or one that cannot be read (the golden check says so)
        if (folder.parent / store.MANIFEST_NAME).exists():
            return
        yield StaleItem(
            _show(folder, root),
            family,
            f"archives of {where} without a {store.MANIFEST_NAME} (an interrupted freeze?); "
            "they are not golden and no check reads them",
        )
        return
    # os.walk rather than rglob + relative_to: a store holds tens of thousands
    # of archives, and the path arithmetic of pathlib cost more than a second.
    # Like rglob, it does not descend into symlinked folders.
    for top, dirs, files in os.walk(folder):
        prefix = os.path.relpath(top, folder.parent).replace(os.sep, "/")
        # A folder archive (io = "path") is listed as a whole.
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and f"{prefix}/{d}" not in listed)
        for name in sorted(files):
            if name.startswith(".") or f"{prefix}/{name}" in listed:
                continue
            path = Path(top, name)
            if not path.is_file():
                continue
            yield StaleItem(
                _show(path, root),
                family,
                f"archive not listed in {where}'s {store.MANIFEST_NAME}; no check reads it",
            )


def _listed_archives(folder: Path, reported: frozenset[str] | None) -> frozenset[str] | None:
    path = folder / store.MANIFEST_NAME
    if not path.is_file():
        return None
    if reported is not None:
        # Regressions saved by this very run are read from disk below.
        listed = reported
    else:
        try:
            listed = listed_files(path)
        except StoreError:
            return None
    from pytest_cachecompat.golden import read_regressions

    try:
        return listed | {entry.file for entry in read_regressions(folder)}
    except StoreError:
        return listed  # the golden check reports the unreadable REGRESSIONS.json


def _visible(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as entries:
        return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)


def _show(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def declared_families(run: Run) -> list[Declared]:
    from pytest_cachecompat.kinds import qualified_name

    return [
        Declared(
            name=family.name,
            version=family.version,
            version_ref=family.version_ref,
            records=frozenset(run.record_types(family)),
            roots=frozenset(qualified_name(cls) for cls in family.records),
        )
        for family in run.families
    ]


def run_stale(run: Run) -> list[StaleItem]:
    """The stale items of the run's store, found once per run (on the controller)."""
    cached = run.gates.get(STALE_KEY)
    if cached is None:
        cached = find_stale(
            run.settings.store, declared_families(run), run.options.rootpath, _reported(run)
        )
        run.gates[STALE_KEY] = cached
    return list(cached)


def _reported(run: Run) -> Reported:
    """The archive files each golden item of this run checked: its manifest's and regressions'.

    An item that could not read its manifest reports an error and no
    archives; its folder is then read as before.
    """
    found: dict[tuple[str, str], set[str]] = {}
    for result in run.results:
        if result.get("check") != "golden" or result.get("error") or "archives" not in result:
            continue
        folder = versions.folder_name(result["archive_version"])
        files = found.setdefault((result["family"], folder), set())
        files.update(archive["file"] for archive in result["archives"])
    return {key: frozenset(files) for key, files in found.items()}
