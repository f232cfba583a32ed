"""Deterministic sample instances of record types.

Each field's type yields an ordered list of *variants* (every enum member,
every union branch, ``None``, empty and non-empty containers, every Literal
value).  A record gets ``n`` samples, ``n`` the largest variant count of its
fields, and sample ``i`` takes variant ``i mod len`` of every field, so every
variant of every field appears at least once.

Values are derived from the field's path ("filename", "parent.name",
"tags[]"), never from ``hash()``: two fields of the same type get different
values, so swapping them changes the serialized form, and every run builds
the same samples.  Recursion stops after ``MAX_DEPTH`` nested records by
choosing terminating variants (``None``, empty containers).
"""

from __future__ import annotations

import collections.abc as abc
import datetime
import decimal
import enum
import pathlib
import types
import typing
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from pytest_cachecompat.errors import CacheCompatError
from pytest_cachecompat.kinds import (
    RecordKind,
    inspect_record,
    is_record_type,
    kind_of,
    type_name,
)

MAX_DEPTH: Final = 3
# Beyond this a record can only be built by recursing forever (a required,
# non-optional self reference): give up with a clear error.
_HARD_DEPTH: Final = 8
_MAX_ELEMENTS: Final = 16


class SampleError(CacheCompatError, TypeError):
    """No finite sample value can be built for a type."""


def default_samples(cls: type) -> list[object]:
    """Deterministic sample instances of a record type (members for an enum)."""
    return _record_samples(cls, "", 0)


# --- records ------------------------------------------------------------------


def _record_samples(cls: object, prefix: str, depth: int) -> list[object]:
    info = inspect_record(cls)
    kind = _kind(cls)
    ready = kind.samples(info)
    if ready is not None:
        return ready
    if depth > _HARD_DEPTH:
        raise SampleError(f"{type_name(cls)}: cannot build a finite sample (endless recursion)")
    inputs = kind.constructor_fields(info)
    variants = [
        kind.field_variants(info, field, _values(field.hint, prefix + field.name, depth))
        for field in inputs
    ]
    count = max((len(values) for values in variants), default=1)
    names = [field.name for field in inputs]
    return [
        kind.build(
            info,
            {name: values[i % len(values)] for name, values in zip(names, variants, strict=True)},
        )
        for i in range(count)
    ]


def _kind(cls: object) -> RecordKind:
    kind = kind_of(cls)
    assert kind is not None  # inspect_record raised otherwise
    return kind


# --- values of one hint ---------------------------------------------------------


def _values(hint: object, key: str, depth: int) -> list[object]:
    """Ordered variants for a value of type hint at field path key."""
    if hint is None or hint is type(None):
        return [None]
    if hint is Any or hint is object or isinstance(hint, typing.TypeVar | typing.ForwardRef):
        # Nothing known of the value (an unresolved annotation is no better): a string.
        return [key]
    if isinstance(hint, typing.NewType):
        return _values(hint.__supertype__, key, depth)
    if is_record_type(hint):
        return _record_samples(hint, key + ".", depth + 1)
    origin = typing.get_origin(hint)
    if origin is not None:
        return _generic_values(hint, origin, typing.get_args(hint), key, depth)
    if isinstance(hint, type):
        return _scalar_values(hint, key, depth)
    raise SampleError(f"no sample values for {type_name(hint)} (at {key!r})")


def _generic_values(
    hint: object, origin: object, args: tuple[Any, ...], key: str, depth: int
) -> list[object]:
    if origin is typing.Union or origin is types.UnionType:
        return _union_values(args, key, depth)
    if origin is typing.Literal:
        return list(args)
    if origin is typing.Annotated:
        return [_constrained(value, hint) for value in _values(args[0], key, depth)]
    if getattr(origin, "_name", None) in ("Required", "NotRequired", "ReadOnly", "Final"):
        return _values(args[0], key, depth)
    if origin is tuple:
        return _tuple_values(args, key, depth)
    if isinstance(origin, type):
        return _container_values(origin, args, key, depth)
    raise SampleError(f"no sample values for {type_name(hint)} (at {key!r})")


def _union_values(args: tuple[Any, ...], key: str, depth: int) -> list[object]:
    has_none = type(None) in args
    branches = [arg for arg in args if arg is not type(None)]
    if depth >= MAX_DEPTH:
        if has_none:
            return [None]
        # Prefer branches that cannot recurse (no nested records).
        branches = [b for b in branches if not _is_record_hint(b)] or branches
    values: list[object] = []
    for branch in branches:
        try:
            values.extend(_values(branch, key, depth))
        except SampleError:
            if depth < MAX_DEPTH:
                raise
    if not values and not has_none:
        names = " | ".join(type_name(arg) for arg in args)
        raise SampleError(f"no finite sample for any branch of {names} (at {key!r})")
    return [*values, None] if has_none else values


def _is_record_hint(hint: object) -> bool:
    return is_record_type(hint) and not (isinstance(hint, type) and issubclass(hint, enum.Enum))


def _tuple_values(args: tuple[Any, ...], key: str, depth: int) -> list[object]:
    if not args or args == ((),):
        return [()]
    if len(args) == 2 and args[1] is Ellipsis:
        return [tuple(items) for items in _sequence_values(args[0], key, depth)]
    columns = [_values(arg, f"{key}[{index}]", depth) for index, arg in enumerate(args)]
    count = max(len(column) for column in columns)
    return [tuple(column[i % len(column)] for column in columns) for i in range(count)]


def _sequence_values(item: object, key: str, depth: int) -> list[list[object]]:
    if depth >= MAX_DEPTH:
        return [[]]
    return [[], _values(item, key + "[]", depth)[:_MAX_ELEMENTS]]


def _container_values(origin: type, args: tuple[Any, ...], key: str, depth: int) -> list[object]:
    if issubclass(origin, abc.Mapping):
        return _mapping_values(origin, args, key, depth)
    item = args[0] if args else Any
    if issubclass(origin, abc.Set):
        maker: Callable[[list[object]], object] = frozenset if origin is frozenset else set
        return _hashable_collections(maker, _sequence_values(item, key, depth))
    if issubclass(origin, abc.Iterable):
        return list(_sequence_values(item, key, depth))
    if is_record_type(origin):
        return _record_samples(origin, key + ".", depth + 1)
    raise SampleError(f"no sample values for {type_name(origin)} (at {key!r})")


def _hashable_collections(
    maker: Callable[[list[object]], object], candidates: list[list[object]]
) -> list[object]:
    built: list[object] = []
    for items in candidates:
        try:
            built.append(maker(items))
        except TypeError:  # unhashable element type: the empty set still covers "empty"
            continue
    return built


def _mapping_values(origin: type, args: tuple[Any, ...], key: str, depth: int) -> list[object]:
    key_hint, value_hint = args if len(args) == 2 else (str, Any)
    if depth >= MAX_DEPTH:
        return [{}]
    keys = _values(key_hint, key + ".key", depth)
    values = _values(value_hint, key + ".value", depth)
    count = min(max(len(keys), len(values)), _MAX_ELEMENTS)
    filled: dict[Any, object] = {}
    for i in range(count):
        filled.setdefault(keys[i % len(keys)], values[i % len(values)])
    return [{}, filled]


# --- scalars --------------------------------------------------------------------


def _number(key: str) -> int:
    return zlib.crc32(key.encode()) % 100_000 + 1


def _scalar_values(cls: type, key: str, depth: int) -> list[object]:
    for scalar, make in _SCALARS:
        if issubclass(cls, scalar):
            return make(key)
    if cls is tuple:  # a bare tuple is tuple[Any, ...]
        return [tuple(items) for items in _sequence_values(Any, key, depth)]
    if issubclass(cls, abc.Iterable):  # a bare list, set, dict, or an ABC of one
        return _container_values(cls, (), key, depth)
    raise SampleError(f"no sample values for {type_name(cls)} (at {key!r})")


def _datetime_values(key: str) -> list[object]:
    base = datetime.datetime(2020, 1, 2, 3, 4, 5)
    return [base + datetime.timedelta(seconds=_number(key))]


def _date_values(key: str) -> list[object]:
    return [datetime.date(2020, 1, 1) + datetime.timedelta(days=_number(key) % 3650)]


def _time_values(key: str) -> list[object]:
    seconds = _number(key) % 86_400
    return [datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60)]


_SCALARS: Final[tuple[tuple[type, Callable[[str], list[object]]], ...]] = (
    (bool, lambda key: [True, False]),
    (int, lambda key: [_number(key)]),
    (float, lambda key: [_number(key) + 0.5]),
    (complex, lambda key: [complex(_number(key), 1)]),
    (str, lambda key: [key]),
    (bytes, lambda key: [key.encode()]),
    (bytearray, lambda key: [bytearray(key.encode())]),
    (datetime.datetime, _datetime_values),
    (datetime.date, _date_values),
    (datetime.time, _time_values),
    (datetime.timedelta, lambda key: [datetime.timedelta(seconds=_number(key))]),
    (decimal.Decimal, lambda key: [decimal.Decimal(_number(key)) / 100]),
    (uuid.UUID, lambda key: [uuid.UUID(int=zlib.crc32(key.encode()) << 64 | _number(key))]),
    (pathlib.PurePath, lambda key: [pathlib.PurePosixPath(key.replace(".", "/"))]),
)


# --- Annotated constraints --------------------------------------------------------

_LOWER: Final = ("ge", "gt", "min_length")
_UPPER: Final = ("le", "lt", "max_length")


def _constrained(value: object, hint: object) -> object:
    """Move a generated value inside simple bounds from the Annotated metadata."""
    bounds = _bounds(getattr(hint, "__metadata__", ()))
    if not bounds:
        return value
    if isinstance(value, str | bytes | list):
        return _sized(value, bounds)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _clamped(value, bounds)
    return value


def _bounds(metadata: Sequence[object]) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for item in metadata:
        for name in (*_LOWER, *_UPPER):
            value = getattr(item, name, None)
            if value is not None:
                bounds[name] = value
    return bounds


def _sized(value: Any, bounds: Mapping[str, Any]) -> object:
    maximum = bounds.get("max_length")
    minimum = bounds.get("min_length")
    if maximum is not None:
        value = value[-maximum:] if maximum else value[:0]
    if minimum is not None and len(value) < minimum and isinstance(value, str | bytes):
        filler = "x" if isinstance(value, str) else b"x"
        value = value + filler * (minimum - len(value))
    return value


def _clamped(value: float, bounds: Mapping[str, Any]) -> object:
    step = 1 if isinstance(value, int) else 0.5
    if "ge" in bounds and value < bounds["ge"]:
        value = bounds["ge"]
    if "gt" in bounds and value <= bounds["gt"]:
        value = bounds["gt"] + step
    if "le" in bounds and value > bounds["le"]:
        value = bounds["le"]
    if "lt" in bounds and value >= bounds["lt"]:
        value = bounds["lt"] - step
    return value
