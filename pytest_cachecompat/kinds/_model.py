"""What a record kind says about a record type: its fields, options and members."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

import attrs

from pytest_cachecompat.errors import CacheCompatError


class _Sentinel:
    """A named marker value; its stable repr keeps layouts readable."""

    __slots__ = ("_name", "_truthy")

    def __init__(self, name: str, *, truthy: bool) -> None:
        self._name = name
        self._truthy = truthy

    def __repr__(self) -> str:
        return self._name

    def __bool__(self) -> bool:
        return self._truthy

    def __reduce__(self) -> str:
        return self._name  # the module-level name: one instance, also after pickling


#: No default: the field must be given.
MISSING: Final = _Sentinel("MISSING", truthy=False)
#: A sample value meaning "leave this field out" (a NotRequired TypedDict key).
ABSENT: Final = _Sentinel("ABSENT", truthy=True)


@attrs.frozen
class FieldInfo:
    """One field of a record, as the serialized form sees it.

    ``extra`` holds kind-specific keys that reach the bytes (``init: False``,
    ``exclude``, ``discriminator``); they are written into the layout as they are.
    """

    name: str
    hint: object
    required: bool
    default: object = MISSING
    default_factory: Callable[[], object] | None = None
    alias: str | None = None
    extra: Mapping[str, object] = attrs.field(factory=dict)


@attrs.frozen
class RecordInfo:
    """Everything about a record type that can change its serialized bytes."""

    cls: type
    kind: str
    options: Mapping[str, object]
    fields: tuple[FieldInfo, ...]
    members: tuple[tuple[str, object], ...] = ()
    # Where the fields came from, when a reader of a message needs to know
    # (a plain pickled class: "__slots__", "__init__ assignments", ...).
    source: str | None = None
    # Problems that do not stop the run (an annotation that cannot be resolved).
    warnings: tuple[str, ...] = ()


class UnsupportedType(CacheCompatError, TypeError):
    """A class that is not a record type of any registered kind."""
