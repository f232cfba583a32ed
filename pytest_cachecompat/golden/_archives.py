"""Reading a golden archive and handing it to the family's ``loads``.

An archive is the bytes ``dumps`` returned, or, for ``io = "path"``, the file
or folder ``dumps`` wrote (``store.read_content``). The loader of a path
family gets a fresh copy of the archive in a temporary folder for every
call, so a loader that writes to its cache (an SQLite database, a cache that
prunes itself) never touches the golden archive.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_cachecompat import forms, store
from pytest_cachecompat.config import ResolvedFamily

from ._judge import summarize

if TYPE_CHECKING:
    from pytest_cachecompat.loading import CallOutcome, Loader

__all__ = ["SUMMARIZE_REF", "load", "open_loader", "read_archive", "staged_many"]

# What the worker of ``isolate = true`` calls on the loaded value (see judge.summarize).
SUMMARIZE_REF = "pytest_cachecompat.golden:summarize"


def read_archive(folder: Path, file: str, family: ResolvedFamily) -> store.Content:
    """The archive ``file`` of a version folder: its bytes, or (``io = "path"``) its file or folder.

    Raises OSError (FileNotFoundError when it is missing) or StoreError.
    """
    if family.io == "path":
        return store.read_content(folder / file)
    # A plain open: pathlib's path arithmetic cost as much as the read, per archive.
    with open(os.path.join(folder, file), "rb") as handle:
        return handle.read()


def load(loader: Loader, family: ResolvedFamily, content: store.Content, file: str) -> CallOutcome:
    """One ``loads`` call on the archive ``file`` (on a fresh copy of it for a path family)."""
    if family.io != "path":
        assert isinstance(content, bytes)
        return _call(loader, family, content)
    with tempfile.TemporaryDirectory(prefix="cachecompat-load-", ignore_cleanup_errors=True) as tmp:
        path = Path(tmp) / os.path.basename(file)
        store.materialize(path, content)
        return _call(loader, family, os.fsencode(path))


@contextmanager
def staged_many(variants: Iterable[bytes], name: str) -> Iterator[Iterator[bytes]]:
    """Each variant as a file of its own, named ``name``: the inputs of a path family's fuzz run."""
    with tempfile.TemporaryDirectory(prefix="cachecompat-fuzz-", ignore_cleanup_errors=True) as tmp:

        def paths() -> Iterator[bytes]:
            for number, data in enumerate(variants):
                folder = Path(tmp, str(number))
                folder.mkdir()
                (folder / name).write_bytes(data)
                yield os.fsencode(folder / name)

        yield paths()


def _call(loader: Loader, family: ResolvedFamily, data: bytes) -> CallOutcome:
    """One load; the in-process loader reports every loader error in its outcome."""
    if not family.isolate:
        return loader.call(data)
    try:
        return loader.call(data)
    except Exception as exc:  # the worker process could not start
        raise forms.CheckError(
            f"family {family.name!r}: cannot start a worker process for loads = "
            f"{family.loads_ref} (isolate = true): {type(exc).__name__}: {exc}"
        ) from None


@contextmanager
def open_loader(family: ResolvedFamily) -> Iterator[Loader]:
    from pytest_cachecompat.loading import InProcessLoader, IsolatedLoader, bind_loads

    loader: Loader
    if family.isolate:
        try:
            loader = IsolatedLoader(
                family.loads_ref,
                rejects_refs=family.rejects_refs,
                summarize_ref=SUMMARIZE_REF,
                timeout=family.timeout,
                io=family.io,
                context_ref=family.context_ref,
            )
        except Exception as exc:
            raise forms.CheckError(
                f"family {family.name!r}: cannot start a worker process for loads = "
                f"{family.loads_ref} (isolate = true): {type(exc).__name__}: {exc}"
            ) from None
    else:
        loads = bind_loads(
            family.loads, io=family.io, context_ref=family.context_ref, context=family.context
        )
        loader = InProcessLoader(
            loads, rejects=family.rejects, summarize=summarize, timeout=family.timeout
        )
    try:
        yield loader
    finally:
        loader.close()
