"""What ``dumps`` writes for a family whose cache is a file, a folder or a database.

With ``io = "path"`` the plugin hands ``dumps(obj, path)`` a path in a fresh
temporary folder (nothing exists there yet) and reads back whatever it
created: a file's bytes, or a folder's files (:data:`store.Tree`).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from pytest_cachecompat import store
from pytest_cachecompat.config import ResolvedFamily
from pytest_cachecompat.errors import CacheCompatError
from pytest_cachecompat.layout import canonical, render

__all__ = ["dump_to_path", "listing_bytes", "written_difference"]


def dump_to_path(
    family: ResolvedFamily, sample: object, index: int, record: str, error: type[CacheCompatError]
) -> store.Content:
    """Call ``dumps(sample, path)`` on a fresh path and return what it wrote there."""
    with tempfile.TemporaryDirectory(prefix="cachecompat-dumps-") as tmp:
        path = Path(tmp) / f"{store.stem(record)}-{index}"
        try:
            family.dumps(*family.dumps_args(sample, path))
        except Exception as exc:
            raise error(
                f"family {family.name!r}: dumps = {family.dumps_ref} raised "
                f"{type(exc).__name__}: {exc} "
                f"on sample {index} of {record}: {render(canonical(sample))}"
            ) from exc
        if not path.exists() and not path.is_symlink():
            raise error(
                f"family {family.name!r}: dumps = {family.dumps_ref} wrote nothing at the path it "
                f'was given for sample {index} of {record}: with io = "path", dumps(obj, path) '
                "must create the cache file, folder or database at exactly that path"
            )
        try:
            return store.read_content(path)
        except (OSError, store.StoreError) as exc:
            raise error(
                f"family {family.name!r}: what dumps = {family.dumps_ref} wrote for sample "
                f"{index} of {record} cannot be kept as an archive: {exc}"
            ) from None


def listing_bytes(tree: store.Tree) -> bytes:
    """The serialized form of a folder: its listing with each file's size and sha256 (JSON)."""
    files = [
        {"path": relative, "size": size, "sha256": digest}
        for relative, size, digest in store.listing(tree)
    ]
    return json.dumps({"folder": files}, separators=(",", ":")).encode("utf-8")


def written_difference(first: store.Content, second: store.Content) -> str:
    """How two writes of one sample differ, in words (at least one of them is a folder)."""
    if isinstance(first, bytes) or isinstance(second, bytes):
        return "wrote a file once and a folder the other time"
    where = next(
        (name for name in sorted(set(first) | set(second)) if first.get(name) != second.get(name)),
        "?",
    )
    return f"wrote different folders (first difference in {where!r})"
