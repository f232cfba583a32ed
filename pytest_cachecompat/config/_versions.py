"""Cache version constants: validation, ordering and store folder names.

A family's version is an int, or a str. Ints order as ints; a str that parses
as a PEP 440 version orders as one; any other str is only ever compared for
equality (there is no way to tell which of two opaque tags is newer).
"""

from __future__ import annotations

import re
from typing import Final

from packaging.version import InvalidVersion, Version

VersionValue = int | str

FOLDER_PREFIX: Final = "v"
_SAFE_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def validate(value: object) -> str | None:
    """Return why ``value`` cannot be a cache version, or None when it can."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return f"must be an int or a str, not {type(value).__name__} ({value!r})"
    if isinstance(value, int) and value < 0:
        return f"must not be negative ({value})"
    if isinstance(value, str) and not _SAFE_TAG.match(value):
        return f"{value!r} cannot name a folder: use letters, digits and '.', '_', '+', '-'"
    return None


def folder_name(value: VersionValue) -> str:
    return f"{FOLDER_PREFIX}{value}"


def parse_folder(name: str, like: VersionValue) -> VersionValue | None:
    """The version a store folder stands for, read the way the current constant is typed."""
    if not name.startswith(FOLDER_PREFIX) or len(name) == len(FOLDER_PREFIX):
        return None
    raw = name[len(FOLDER_PREFIX) :]
    if isinstance(like, int):
        return int(raw) if raw.isdigit() else None
    return raw if _SAFE_TAG.match(raw) else None


def sort_key(value: VersionValue) -> tuple[int, Version | int | str] | None:
    """A key that orders versions, or None for an opaque tag that has no order."""
    if isinstance(value, int):
        return (0, value)
    try:
        return (1, Version(value))
    except InvalidVersion:
        return None


def is_lower(value: VersionValue, other: VersionValue) -> bool:
    """True when ``value`` is known to be lower than ``other``."""
    key, other_key = sort_key(value), sort_key(other)
    if key is None or other_key is None or key[0] != other_key[0]:
        return False
    return key < other_key


def ordered(values: list[VersionValue]) -> list[VersionValue]:
    """Orderable versions sorted ascending, then opaque tags by name."""
    orderable = [v for v in values if sort_key(v) is not None]
    opaque = sorted(str(v) for v in values if sort_key(v) is None)
    orderable.sort(key=lambda v: sort_key(v))  # type: ignore[arg-type,return-value]
    return [*orderable, *opaque]


def previous(values: list[VersionValue], current: VersionValue) -> VersionValue | None:
    """The highest recorded version below ``current``, when versions have an order."""
    lower = [v for v in values if is_lower(v, current)]
    return ordered(lower)[-1] if lower else None
