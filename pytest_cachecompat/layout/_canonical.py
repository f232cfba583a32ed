"""Class-independent canonical form of a value.

Golden manifests store the expected value of every archive in this form, so it
must not depend on the classes that exist when it is read back (a record may
have moved or changed), on ``PYTHONHASHSEED`` (set and dict ordering) or on
memory addresses. Every non-JSON type gets a ``{"$tag": ...}`` wrapper so that
no two different values share one canonical form.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import re
import types
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import PurePath
from typing import Final

from pytest_cachecompat.kinds import kind_of, object_state, qualified_name

__all__ = ["canonical", "sort_key", "without_cycles"]


# ---------------------------------------------------------------------------
# canonical()
# ---------------------------------------------------------------------------

_ADDRESS = re.compile(r"\s+at\s+0x[0-9a-fA-F]+|0x[0-9a-fA-F]{8,}")

# Objects that have a __dict__ but are not data records.
_NOT_RECORDS = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    BaseException,
)


def canonical(value: object, *, records_only: bool = False) -> object:
    """Return the JSON-compatible, deterministic, unambiguous form of ``value``.

    ``records_only`` names objects that are no record kind (a cookie jar, a
    lock) as ``{"$object": name}`` instead of showing their state: what a
    samples file shows beside the bytes must be what reaches them, never the
    private state (a clock) of someone else's object. Golden manifests keep
    the full form, which their archives were frozen with.
    """
    return _Canonicalizer(records_only).convert(value)


class _Canonicalizer:
    """One conversion; remembers the containers on the current path to stop cycles."""

    def __init__(self, records_only: bool = False) -> None:
        self._active: set[int] = set()
        self._records_only = records_only

    def convert(self, value: object) -> object:
        scalar = _scalar(value)
        if scalar is not _NO_MATCH:
            return scalar
        if isinstance(value, enum.Enum):
            return {
                "$enum": qualified_name(type(value)),
                "name": value.name,
                "value": self.convert(value.value),
            }
        return without_cycles(self._active, value, self._container_or_record, _type_name)

    def _container_or_record(self, value: object) -> object:
        fields = _record_fields(value, self._records_only)
        if fields is _FOREIGN:
            return {"$object": qualified_name(type(value))}
        if fields is not None:
            return {
                "$record": qualified_name(type(value)),
                "fields": {name: self.convert(item) for name, item in fields},
            }
        if isinstance(value, list):
            return [self.convert(item) for item in value]
        if isinstance(value, tuple):
            return {"$tuple": [self.convert(item) for item in value]}
        if isinstance(value, set | frozenset):
            items = [self.convert(item) for item in value]
            return {"$set": sorted(items, key=sort_key)}
        if isinstance(value, dict):
            pairs = [[self.convert(k), self.convert(v)] for k, v in value.items()]
            # Key first; the value only breaks ties between keys whose
            # canonical forms collide, so the order never depends on hashing.
            pairs.sort(key=lambda kv: (sort_key(kv[0]), sort_key(kv[1])))
            return {"$dict": pairs}
        return {"$repr": qualified_name(type(value)), "value": _safe_repr(value)}


def without_cycles(
    active: set[int],
    value: object,
    convert: Callable[[object], object],
    label: Callable[[object], str],
) -> object:
    """``convert(value)``, or a ``$cycle`` node when ``value`` is being converted further up.

    ``active`` holds the ids of the containers on the current path; a value
    that contains itself can only be named (``label``), not written out.
    """
    if id(value) in active:
        return {"$cycle": label(value)}
    active.add(id(value))
    try:
        return convert(value)
    finally:
        active.discard(id(value))


def _type_name(value: object) -> str:
    return qualified_name(type(value))


class _NoMatch:
    pass


_NO_MATCH = _NoMatch()


def _scalar(value: object) -> object:
    """Canonical form of a leaf value, or ``_NO_MATCH``."""
    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, enum.Enum):
        return _NO_MATCH  # IntEnum/StrEnum are ints/strs too; handled by the caller
    if isinstance(value, int | str):
        # Subclasses of int/str (not enums) are plain values on disk.
        return int(value) if isinstance(value, int) else str(value)
    if isinstance(value, float):
        return _float(float(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": bytes(value).hex()}
    return _tagged(value)


def _float(value: float) -> object:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return {"$float": "nan"}
    return {"$float": "inf" if value > 0 else "-inf"}


def _tagged(value: object) -> object:
    # datetime is a subclass of date, so it must be tested first.
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$timedelta": str(value.total_seconds())}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, PurePath):
        # as_posix: a manifest frozen on Windows must match one read on Linux.
        return {"$path": value.as_posix()}
    if isinstance(value, complex):
        return {"$complex": str(value)}
    return _NO_MATCH


def _record_fields(value: object, records_only: bool) -> list[tuple[str, object]] | None:
    """(name, value) pairs in declaration order when ``value`` is a record, else None.

    A record is an instance of a registered kind (its kind reads the fields),
    or any other object with slots or a ``__dict__``: its state, as pickle sees
    it (``_FOREIGN`` instead, with ``records_only``).
    """
    kind = kind_of(type(value))
    if kind is not None and not kind.has_members:
        return list(kind.field_values(value))
    if isinstance(value, (list, tuple, set, frozenset, dict, *_NOT_RECORDS)):
        return None
    if type(value).__module__ == "builtins":
        return None
    state = object_state(value)
    return _FOREIGN if records_only and state is not None else state


# An object of no record kind, named rather than shown (``records_only``).
_FOREIGN: Final[list[tuple[str, object]]] = []


def _safe_repr(value: object) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not break the manifest
        text = f"<repr failed: {type(exc).__name__}>"
    return _ADDRESS.sub("", text)


def sort_key(item: object) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=True)
