"""Regression archives: crashing fuzz inputs kept by ``--cache-compat-fuzz-save``.

They are listed in ``REGRESSIONS.json`` beside ``MANIFEST.json`` (which is
never touched), pinned ``expect = "reject"``, and loaded by every later
golden check.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import attrs

from pytest_cachecompat import store
from pytest_cachecompat.store import ArchiveEntry, StoreError, archive_entry, read_document, sha256

from . import _fuzz as fuzz

REGRESSIONS_KIND = "pytest-cachecompat fuzz regressions"
REGRESSIONS_FORMAT = 1
REGRESSION_PREFIX = "fuzz-"


@attrs.frozen
class Crash:
    variant: fuzz.Variant
    what: str  # one line: what the loader did
    detail: str  # traceback or value, may be empty


def read_regressions(folder: Path) -> tuple[ArchiveEntry, ...]:
    """Entries of ``<version folder>/REGRESSIONS.json``; none when it does not exist."""
    path = folder / store.REGRESSIONS_NAME
    if not path.exists():
        return ()
    document = read_document(
        path, kind=REGRESSIONS_KIND, format_version=REGRESSIONS_FORMAT, what="regressions file"
    )
    try:
        entries = tuple(archive_entry(item) for item in document["archives"])
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(
            f"{path}: malformed regressions file ({type(exc).__name__}: {exc})"
        ) from None
    for item in entries:
        if item.expect != "reject":
            raise StoreError(f"{path}: archive {item.file!r} must be pinned expect = 'reject'")
    return entries


def _regressions_text(entries: Sequence[ArchiveEntry]) -> str:
    document = {
        "kind": REGRESSIONS_KIND,
        "format_version": REGRESSIONS_FORMAT,
        "archives": [item.to_json() for item in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def save_regressions(folder: Path, entry: ArchiveEntry, crashes: Sequence[Crash]) -> list[str]:
    """Keep each crashing input (once per sha256); returns the files added to REGRESSIONS.json.

    The new archives and the new ``REGRESSIONS.json`` are written in one
    commit (``store.write_version``), the listing last: all of them or none.
    """
    family_folder = folder.parent
    added: list[str] = []
    with store.locked(family_folder):
        store.clean_leftovers(family_folder)
        existing = list(read_regressions(folder))
        known = {item.sha256 for item in existing}
        files: dict[str, bytes] = {}
        for crash in crashes:
            data = crash.variant.data
            digest = sha256(data)
            if digest in known:
                continue
            known.add(digest)
            relative = f"{store.ARCHIVES_DIR}/{REGRESSION_PREFIX}{digest[:12]}.bin"
            path = folder / relative
            if not path.exists():
                files[relative] = data
            elif sha256(path.read_bytes()) != digest:
                raise StoreError(f"{path} exists with other bytes; cannot keep a regression there")
            existing.append(
                ArchiveEntry(
                    file=relative,
                    record=entry.record,
                    sha256=digest,
                    size=len(data),
                    expected=entry.expected,
                    expect="reject",
                    note=(
                        f"fuzz seed {crash.variant.seed} of {entry.file} "
                        f"({crash.variant.kind}: {crash.variant.description}); "
                        f"crashed: {crash.what}"
                    )[:300],
                )
            )
            added.append(relative)
        if added:
            files[store.REGRESSIONS_NAME] = _regressions_text(existing).encode("utf-8")
            store.write_version(folder, files)
    return added
