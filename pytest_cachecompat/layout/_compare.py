"""Comparing canonical values: strictly, or on the fields both sides share (golden archives)."""

from __future__ import annotations

import marshal
from collections.abc import Callable
from typing import Any

import attrs

from ._canonical import sort_key
from ._render import render, tag_of

__all__ = ["Mismatch", "compare_shared", "record_root", "strict_equal"]


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
    if a != b:
        return False
    # Equal marshal bytes (version 2 writes no back-references, so sharing
    # of objects does not show) mean the same types in the same places, and
    # cost one C call; dicts equal in another key order fall to the walk.
    try:
        if marshal.dumps(a, 2) == marshal.dumps(b, 2):  # type: ignore[arg-type]
            return True
    except ValueError:  # a type marshal does not write; the walk decides
        pass
    return _strict_walk(a, b)


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


def record_root(value: object) -> str:
    """The class name a canonical record's field paths start from (``File``); "" for others."""
    if isinstance(value, dict) and isinstance(value.get("$record"), str):
        return str(value["$record"]).rpartition(":")[2]
    return ""


def compare_shared(expected: object, actual: object, *, root: str = "") -> list[Mismatch]:
    """Mismatches between two canonical values, on the fields both sides have."""
    out: list[Mismatch] = []
    _compare(expected, actual, root or record_root(expected), out)
    return out


def _compare(expected: object, actual: object, path: str, out: list[Mismatch]) -> None:
    if strict_equal(expected, actual):
        return
    tag_e, tag_a = tag_of(expected), tag_of(actual)
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
    keys_e = [sort_key(k) for k, _ in expected["$dict"]]
    keys_a = [sort_key(k) for k, _ in actual["$dict"]]
    if sorted(keys_e) != sorted(keys_a) or len(set(keys_e)) != len(keys_e):
        out.append(Mismatch(path, expected, actual))
        return
    theirs = {sort_key(k): v for k, v in actual["$dict"]}
    for key, value in expected["$dict"]:
        _compare(value, theirs[sort_key(key)], f"{path}[{render(key, 60)}]", out)


_Comparer = Callable[[Any, Any, str, list[Mismatch]], None]
_COMPARERS: dict[str, _Comparer] = {
    "$record": _compare_records,
    "$enum": _compare_enums,
    "list": _compare_sequences,
    "$tuple": _compare_tuples,
    "$dict": _compare_dicts,
}
