"""The recorded history of a family: layouts per version and what changed between them.

Works on the store alone (no project import), so the controller of an xdist
run and the git base gate can use it too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_cachecompat.config import versions
from pytest_cachecompat.errors import CacheCompatError
from pytest_cachecompat.layout import Change, diff_layouts

from . import _files as store


class StoreError(CacheCompatError):
    """A store file that cannot be read; the message names it."""


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise StoreError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "it was probably edited by hand. Restore it from version control."
        ) from None


def read_document(path: Path, *, kind: str, format_version: int, what: str) -> dict[str, Any]:
    """The JSON object of one of the plugin's own files, its kind and format checked."""
    document = read_json(path)
    if not isinstance(document, dict) or document.get("kind") != kind:
        raise StoreError(f"{path}: not a pytest-cachecompat {what} (no kind = {kind!r})")
    if document.get("format_version") != format_version:
        raise StoreError(
            f"{path}: {what} format_version {document.get('format_version')!r} is not supported "
            f"(this plugin reads {format_version}); upgrade pytest-cachecompat"
        )
    return document


def recorded_layouts(version_folder: Path) -> dict[str, dict[str, Any]]:
    """``{qualified name: layout}`` of every layout recorded in one version folder."""
    layouts: dict[str, dict[str, Any]] = {}
    for path in store.read_layouts(version_folder).values():
        layout = read_json(path)
        if not isinstance(layout, dict) or not isinstance(layout.get("record"), str):
            raise StoreError(f"{path}: not a recorded layout (no 'record' key); restore it")
        layouts[layout["record"]] = layout
    return layouts


def changes_between(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    return diff_layouts(old, new)


def changes_document(
    family: str,
    version_ref: str,
    previous: versions.VersionValue | None,
    current: versions.VersionValue,
    changes: list[Change],
    unordered: Sequence[versions.VersionValue] = (),
) -> str:
    """The ``CHANGES.md`` of a newly recorded version: the family folder reads as a changelog.

    ``unordered`` lists other recorded versions when the versions are opaque
    tags, which have no "previous" one to compare with.
    """
    lines = [f"# {family} v{current}", ""]
    if previous is None and unordered:
        lines.append(
            f"Also recorded: {', '.join(f'v{v}' for v in unordered)}. `{version_ref}` = "
            f"{current!r} is not a number or a PEP 440 version, so which version came before "
            "it is unknown and no changes are listed."
        )
    elif previous is None:
        lines.append(
            f"First recorded version of family `{family}` (`{version_ref}` = {current!r})."
        )
    elif not changes:
        lines.append(
            f"Bumped from v{previous} with no layout change and no serialized-form change: "
            "every user's cache of this family was thrown away for nothing (or for a change "
            "this plugin cannot see)."
        )
    else:
        lines.append(
            f"Changes against v{previous} (`{version_ref}` bumped {previous!r} -> {current!r}):"
        )
        lines.append("")
        lines.extend(f"- {change.text}" for change in changes)
    return "\n".join(lines) + "\n"
