"""Diffs of decoded serialized forms, and the ``Change`` of one record in words."""

from __future__ import annotations

import difflib
from collections.abc import Hashable
from typing import Any

import attrs

from ._compare import strict_equal
from ._render import render

__all__ = ["Change", "diff_trees"]

_NONE = "(none)"
_MISSING = object()


@attrs.frozen
class Change:
    """One structural change of one record type."""

    record: str
    kind: str
    text: str


# ---------------------------------------------------------------------------
# Decoded trees
# ---------------------------------------------------------------------------


class DiffLines:
    """One ``path: text`` line per difference: keeps the first ``limit`` and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 0)
        self.lines: list[str] = []
        self.total = 0

    def add(self, path: str, text: str) -> None:
        self.total += 1
        if len(self.lines) < self.limit:
            self.lines.append(f"{path or '<root>'}: {text}")

    def result(self) -> list[str]:
        if self.total > len(self.lines):
            return [*self.lines, f"... and {self.total - len(self.lines)} more differences"]
        return self.lines


def diff_trees(old: object, new: object, *, root: str = "", limit: int = 50) -> list[str]:
    """One line per differing leaf of two JSON-compatible trees, at most ``limit`` lines."""
    out = DiffLines(limit)
    _walk(old, new, root, out)
    return out.result()


def _walk(old: object, new: object, path: str, out: DiffLines) -> None:
    if strict_equal(old, new):
        return
    if _is_record(old) and _is_record(new):
        _walk_records(old, new, path, out)
        return
    old_pairs, new_pairs = _map_pairs(old), _map_pairs(new)
    old_items, new_items = _sequence(old), _sequence(new)
    if old_pairs is not None and new_pairs is not None:
        _walk_maps(old_pairs, new_pairs, path, out)
    elif old_items is not None and new_items is not None and _tag(old) == _tag(new):
        noun = "list" if isinstance(old, list) else _tag(old)[1:]
        _walk_lists(old_items, new_items, path, out, noun)
    else:
        out.add(path, f"{_leaf(old)} -> {_leaf(new)}")


def _tag(value: object) -> str:
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    return type(value).__name__


def _is_record(value: object) -> bool:
    """A canonical record (``canonical.canonical`` output, e.g. a sample's value)."""
    return isinstance(value, dict) and set(value) == {"$record", "fields"}


def _walk_records(old: Any, new: Any, path: str, out: DiffLines) -> None:
    if old["$record"] != new["$record"]:
        out.add(path, f"record {old['$record']} -> {new['$record']}")
    ours, theirs = old["fields"], new["fields"]
    for name, value in ours.items():
        step = f"{path}.{name}" if path else str(name)
        if name in theirs:
            _walk(value, theirs[name], step, out)
        else:
            out.add(step, f"removed {_leaf(value)}")
    for name, value in theirs.items():
        if name not in ours:
            out.add(f"{path}.{name}" if path else str(name), f"added {_leaf(value)}")


def _map_pairs(value: object) -> list[tuple[object, object]] | None:
    """Key/value pairs of a map node (plain object, ``$map`` or ``$dict``), else None."""
    if not isinstance(value, dict):
        return None
    for tag in ("$map", "$dict"):
        if set(value) == {tag} and isinstance(value[tag], list):
            return [(k, v) for k, v in value[tag]]
    if any(isinstance(k, str) and k.startswith("$") for k in value):
        return None  # a tagged leaf: {"$bytes": ...}, {"$ext": ..., "data": ...}
    return list(value.items())


def _sequence(value: object) -> list[Any] | None:
    """Items of a list, or of a canonical ``$tuple`` / ``$set``."""
    if isinstance(value, list):
        return value
    for tag in ("$tuple", "$set"):
        if isinstance(value, dict) and set(value) == {tag} and isinstance(value[tag], list):
            items: list[Any] = value[tag]
            return items
    return None


def _walk_maps(
    old: list[tuple[object, object]], new: list[tuple[object, object]], path: str, out: DiffLines
) -> None:
    theirs = {_key(k): v for k, v in new}
    ours = {_key(k) for k, _ in old}
    for key, value in old:
        step = f"{path}[{render(key, 60)}]"
        if _key(key) in theirs:
            _walk(value, theirs[_key(key)], step, out)
        else:
            out.add(step, f"removed {_leaf(value)}")
    for key, value in new:
        if _key(key) not in ours:
            out.add(f"{path}[{render(key, 60)}]", f"added {_leaf(value)}")


def _walk_lists(old: list[Any], new: list[Any], path: str, out: DiffLines, noun: str) -> None:
    if len(old) == len(new):
        # Same length: compare position by position, as a positional decoder would.
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            _walk(a, b, f"{path}[{index}]", out)
        return
    out.add(path, f"{noun} of {len(old)} -> {noun} of {len(new)} items")
    # Different length: align first, so that one inserted item is one line
    # rather than every later item shifted.
    matcher = difflib.SequenceMatcher(
        None, [_key(x) for x in old], [_key(x) for x in new], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            _walk(old[i1 + k], new[j1 + k], f"{path}[{j1 + k}]", out)
        for i in range(i1 + paired, i2):
            out.add(f"{path}[{i}]", f"removed {_leaf(old[i])}")
        for j in range(j1 + paired, j2):
            out.add(f"{path}[{j}]", f"added {_leaf(new[j])}")


def _key(value: object) -> Hashable:
    """A hashable, type-exact stand-in for a tree node (``True`` and ``1`` must differ)."""
    if isinstance(value, dict):
        items = sorted(((_key(k), _key(v)) for k, v in value.items()), key=repr)
        return ("dict", tuple(items))
    if isinstance(value, list):
        return ("list", tuple(_key(v) for v in value))
    return (type(value).__name__, value)


def _leaf(value: object) -> str:
    return render(value, 80)
