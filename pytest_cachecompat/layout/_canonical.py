"""Class-independent canonical form of a value, and comparison on shared fields.

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
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Final

import attrs

from pytest_cachecompat.kinds import kind_of, object_state, qualified_name

__all__ = ["Mismatch", "canonical", "compare_shared", "render", "strict_equal", "type_label"]


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
        if id(value) in self._active:
            # A value that contains itself: naming the type is all we can say.
            return {"$cycle": qualified_name(type(value))}
        self._active.add(id(value))
        try:
            return self._container_or_record(value)
        finally:
            self._active.discard(id(value))

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
            return {"$set": sorted(items, key=_sort_key)}
        if isinstance(value, dict):
            pairs = [[self.convert(k), self.convert(v)] for k, v in value.items()]
            # Key first; the value only breaks ties between keys whose
            # canonical forms collide, so the order never depends on hashing.
            pairs.sort(key=lambda kv: (_sort_key(kv[0]), _sort_key(kv[1])))
            return {"$dict": pairs}
        return {"$repr": qualified_name(type(value)), "value": _safe_repr(value)}


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


def _sort_key(item: object) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=True)


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------


@attrs.frozen
class Mismatch:
    """One place where a loaded value differs from the expected one."""

    path: str
    expected: object
    actual: object

    def describe(self) -> str:
        return (
            f"{self.path or '<value>'}: expected {render(self.expected)}, got {render(self.actual)}"
        )


def strict_equal(a: object, b: object) -> bool:
    """Equality of JSON-like trees where ``True != 1`` and ``1 != 1.0``."""
    # Plain ``==`` runs in C and is true whenever the strict walk is, so it
    # turns most unequal trees away at once; ``compare_shared`` asks this at
    # every level of a value that differs somewhere (docs/performance.md).
    return a == b and _strict_walk(a, b)


def _strict_walk(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(_strict_walk(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_strict_walk(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def compare_shared(expected: object, actual: object, *, root: str = "") -> list[Mismatch]:
    """Mismatches between two canonical values, on the fields both sides have."""
    if not root and _tag(expected) == "$record":
        assert isinstance(expected, dict)
        root = expected["$record"].rpartition(":")[2]
    out: list[Mismatch] = []
    _compare(expected, actual, root, out)
    return out


def _compare(expected: object, actual: object, path: str, out: list[Mismatch]) -> None:
    if strict_equal(expected, actual):
        return
    tag_e, tag_a = _tag(expected), _tag(actual)
    if tag_e != tag_a:
        out.append(Mismatch(path, expected, actual))
        return
    compare = _COMPARERS.get(tag_e)
    if compare is None:
        out.append(Mismatch(path, expected, actual))
    else:
        compare(expected, actual, path, out)


def _compare_records(expected: Any, actual: Any, path: str, out: list[Mismatch]) -> None:
    # Only fields both sides have: a field added or removed between versions
    # is expected to be missing, but a shared field must hold the same value.
    theirs = actual["fields"]
    for name, value in expected["fields"].items():
        if name in theirs:
            _compare(value, theirs[name], f"{path}.{name}" if path else name, out)


def _compare_enums(expected: Any, actual: Any, path: str, out: list[Mismatch]) -> None:
    # The enum class may have moved; name and value are what was stored.
    if expected["name"] != actual["name"] or not strict_equal(expected["value"], actual["value"]):
        out.append(Mismatch(path, expected, actual))


def _compare_sequences(expected: Any, actual: Any, path: str, out: list[Mismatch]) -> None:
    if len(expected) != len(actual):
        out.append(Mismatch(path, expected, actual))
        return
    for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
        _compare(e, a, f"{path}[{index}]", out)


def _compare_tuples(expected: Any, actual: Any, path: str, out: list[Mismatch]) -> None:
    if len(expected["$tuple"]) != len(actual["$tuple"]):
        out.append(Mismatch(path, expected, actual))
        return
    _compare_sequences(expected["$tuple"], actual["$tuple"], path, out)


def _compare_dicts(expected: Any, actual: Any, path: str, out: list[Mismatch]) -> None:
    keys_e = [_sort_key(k) for k, _ in expected["$dict"]]
    keys_a = [_sort_key(k) for k, _ in actual["$dict"]]
    if sorted(keys_e) != sorted(keys_a) or len(set(keys_e)) != len(keys_e):
        out.append(Mismatch(path, expected, actual))
        return
    theirs = {_sort_key(k): v for k, v in actual["$dict"]}
    for key, value in expected["$dict"]:
        _compare(value, theirs[_sort_key(key)], f"{path}[{render(key, 60)}]", out)


_Comparer = Callable[[Any, Any, str, list[Mismatch]], None]
_COMPARERS: dict[str, _Comparer] = {
    "$record": _compare_records,
    "$enum": _compare_enums,
    "list": _compare_sequences,
    "$tuple": _compare_tuples,
    "$dict": _compare_dicts,
}


def _tag(value: object) -> str:
    """Shape of a canonical value: a ``$tag``, or the JSON type name."""
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and key.startswith("$"):
                return key
        return "object"
    if value is None:
        return "None"
    return type(value).__name__


# ---------------------------------------------------------------------------
# Human text
# ---------------------------------------------------------------------------

_TAG_LABELS = {
    "$bytes": "bytes",
    "$float": "float",
    "$tuple": "tuple",
    "$set": "set",
    "$dict": "dict",
    "$datetime": "datetime",
    "$date": "date",
    "$time": "time",
    "$timedelta": "timedelta",
    "$decimal": "Decimal",
    "$uuid": "UUID",
    "$path": "Path",
    "$complex": "complex",
    "object": "dict",
}


def type_label(canonical_value: object) -> str:
    """Short type name of a canonical value, for messages."""
    tag = _tag(canonical_value)
    if tag in ("$record", "$enum", "$repr", "$cycle"):
        assert isinstance(canonical_value, dict)
        return str(canonical_value[tag])
    return _TAG_LABELS.get(tag, tag)


def render(canonical_value: object, limit: int = 200) -> str:
    """Python-like text of a canonical value, at most ``limit`` characters."""
    text = _render(canonical_value, limit)
    if len(text) > limit:
        return text[: max(limit - 3, 0)] + "..."
    return text


def _render(value: object, budget: int) -> str:
    tag = _tag(value)
    if not isinstance(value, dict | list):
        return repr(value)
    if isinstance(value, list):
        return "[" + _join(value, budget) + "]"
    renderer = _RENDERERS.get(tag)
    if renderer is not None:
        return renderer(value, budget)
    if len(value) == 1 and tag.startswith("$"):
        # A simple tagged scalar: Decimal('1.5'), UUID('...'), Path('...').
        return f"{_TAG_LABELS.get(tag, tag[1:])}({value[tag]!r})"
    return "{" + _join_pairs(list(value.items()), budget) + "}"


def _join(items: Iterable[object], budget: int) -> str:
    """Comma-joined renders that stop once ``budget`` characters are used."""
    parts: list[str] = []
    used = 0
    for item in items:
        if used > budget:
            parts.append("...")
            break
        part = _render(item, budget - used)
        parts.append(part)
        used += len(part) + 2
    return ", ".join(parts)


def _join_pairs(pairs: list[Any], budget: int) -> str:
    texts = (_Raw(f"{_render(k, budget)}: {_render(v, budget)}") for k, v in pairs)
    return _join(texts, budget)


class _Raw(str):
    """Already-rendered text that ``_render`` passes through unquoted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def _render_record(value: Any, budget: int) -> str:
    name = str(value["$record"]).rpartition(":")[2]
    pairs = (_Raw(f"{k}={_render(v, budget)}") for k, v in value["fields"].items())
    return f"{name}({_join(pairs, budget)})"


def _render_enum(value: Any, budget: int) -> str:
    name = str(value["$enum"]).rpartition(":")[2]
    if value["name"] is None:
        return f"{name}({_render(value['value'], budget)})"
    # The value is shown too: a member whose value changed must not read as unchanged.
    return f"{name}.{value['name']}={_render(value['value'], budget)}"


def _render_tuple(value: Any, budget: int) -> str:
    items = value["$tuple"]
    return "(" + _join(items, budget) + ("," if len(items) == 1 else "") + ")"


def _render_set(value: Any, budget: int) -> str:
    items = value["$set"]
    return "{" + _join(items, budget) + "}" if items else "set()"


def _render_bytes(value: Any, budget: int) -> str:
    try:
        # Only the part that can be shown: a 1 MB blob must not be rendered whole.
        shown = bytes.fromhex(value["$bytes"][: 2 * (budget + 1)])
        return repr(shown) + ("..." if len(value["$bytes"]) > 2 * len(shown) else "")
    except (TypeError, ValueError):
        return f"bytes({value['$bytes']!r})"


_RENDERERS: dict[str, Callable[[Any, int], str]] = {
    "$record": _render_record,
    "$enum": _render_enum,
    "$tuple": _render_tuple,
    "$set": _render_set,
    "$dict": lambda v, budget: "{" + _join_pairs(v["$dict"], budget) + "}",
    "$bytes": _render_bytes,
    "$float": lambda v, budget: str(v["$float"]),
    "$complex": lambda v, budget: str(v["$complex"]),
    "$repr": lambda v, budget: str(v["value"]),
    "$cycle": lambda v, budget: f"<cycle {v['$cycle']}>",
}
