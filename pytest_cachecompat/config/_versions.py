"""Cache version constants: validation, ordering and store folder names.

A family's version is an int, or a str. Ints order as ints; a str that parses
as a PEP 440 version orders as one; any other str is only ever compared for
equality (there is no way to tell which of two opaque tags is newer).
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Mapping
from typing import Final

import attrs
from packaging.version import InvalidVersion, Version

VersionValue = int | str

FOLDER_PREFIX: Final = "v"
_SAFE_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


@attrs.frozen
class Distribution:
    """A family version that is the installed release of a distribution.

    For projects without a cache version constant: ``Family(version=
    Distribution("requests-cache"))``, or ``version = { distribution =
    "requests-cache" }`` in ``pyproject.toml``. The version is read with
    ``importlib.metadata`` and ordered as a PEP 440 version.
    """

    name: str

    @property
    def ref(self) -> str:
        """How messages, manifests and changelogs name this version source."""
        return f"{DISTRIBUTION_PREFIX}{self.name}"


# ``version_ref`` of a distribution version; it has no ":", so it never reads
# as a ``module:attribute`` reference.
DISTRIBUTION_PREFIX: Final = "installed "


def distribution_of(value: object) -> Distribution | None:
    """The distribution a ``version`` declaration names, None for a reference string.

    Raises ValueError (saying what is accepted) for anything else.
    """
    if isinstance(value, Distribution):
        if not isinstance(value.name, str) or not value.name.strip():
            raise ValueError("Distribution(name) needs a distribution name")
        return value
    if isinstance(value, Mapping):
        if set(value) != {"distribution"} or not isinstance(value["distribution"], str):
            raise ValueError('a table must be { distribution = "NAME" } and nothing else')
        return distribution_of(Distribution(value["distribution"]))
    if isinstance(value, str):
        return None
    raise ValueError(
        "must be a 'module:CONSTANT' reference string "
        '(an attribute path such as "pkg.serialize:Serializer.serde_version" works too) '
        'or the installed version of a distribution, { distribution = "NAME" }'
    )


def installed_version(distribution: Distribution) -> str | None:
    """The installed version of ``distribution``, None when it is not installed."""
    try:
        return importlib.metadata.version(distribution.name)
    except importlib.metadata.PackageNotFoundError:
        return None


def validate(value: object) -> str | None:
    """Return why ``value`` cannot be a cache version, or None when it can."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return f"must be an int or a str, not {type(value).__name__} ({value!r})"
    if isinstance(value, int) and value < 0:
        return f"must not be negative ({value})"
    if isinstance(value, str) and not _SAFE_TAG.match(value):
        return f"{value!r} cannot name a folder: use letters, digits and '.', '_', '+', '-'"
    return None


def pep440_problem(value: str) -> str | None:
    """Why a distribution's version cannot be ordered, or None when it parses as PEP 440."""
    try:
        Version(value)
    except InvalidVersion:
        return f"{value!r} is not a PEP 440 version, so it cannot be ordered"
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
