"""Small readings of decoded trees for ``TreeDiff``: shapes, keys, children, notes in words."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from pytest_cachecompat.layout import render, strict_equal

from ._tree import sort_key

_MISSING = object()


def type_note(old: object, new: object) -> str:
    before, after = type_word(old), type_word(new)
    if before == after:
        return ""
    if {before, after} == {"bytes", "str"}:
        return f"{before} {'are' if before == 'bytes' else 'is'} now written as {after}"
    return f"{before} -> {after}"


def enum_note(members: list[tuple[str, object]], old: object, new: object) -> str:
    for name, value in members:
        if strict_equal(old, value) and new == name:
            words = "the enum member is now written by its name instead of its value"
            return f"{type_word(old)} -> {type_word(new)}: {words}"
        if old == name and strict_equal(new, value):
            words = "the enum member is now written by its value instead of its name"
            return f"{type_word(old)} -> {type_word(new)}: {words}"
    return ""


def moved_key(before: object, after: object) -> str:
    if isinstance(before, int) and isinstance(after, int):
        return f"written at position {after} instead of {before}"
    return f"written under key {render(after, 60)} instead of {render(before, 60)}"


_WORDS = {
    "$bytes": "bytes",
    "$bytearray": "bytearray",
    "$float": "float",
    "$tuple": "tuple",
    "$set": "set",
    "$frozenset": "frozenset",
    "$map": "map",
    "$ext": "msgpack extension",
    "$datetime": "datetime",
    "$date": "date",
    "$time": "time",
    "$global": "class reference",
    "$cycle": "reference",
}


def type_word(node: object) -> str:
    """What kind of value a decoded node is, in a word: ``str``, ``float``, ``map``, ``File``."""
    if node is None:
        return "None"
    if isinstance(node, bool | int | float | str):
        return type(node).__name__
    if isinstance(node, list):
        return "array"
    if isinstance(node, dict):
        for tag in ("$object", "$call"):
            if tag in node:
                return str(node[tag]).rpartition(":")[2]
        for tag, word in _WORDS.items():
            if tag in node:
                return word
        return "map"
    return type(node).__name__


def reordered(old: list[Any], new: list[Any]) -> bool:
    return sorted(map(sort_key, old)) == sorted(map(sort_key, new))


def is_object(node: object) -> bool:
    return isinstance(node, dict) and ("$object" in node or "$call" in node)


def is_bytes(node: object) -> bool:
    return isinstance(node, dict) and set(node) == {"$bytes"}


def tag(value: object) -> str:
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    return type(value).__name__


def pairs(value: object) -> list[tuple[Any, Any]] | None:
    if not isinstance(value, dict):
        return None
    if set(value) == {"$map"} and isinstance(value["$map"], list):
        return [(k, v) for k, v in value["$map"]]
    if any(isinstance(k, str) and k.startswith("$") for k in value):
        return None
    return list(value.items())


def items(value: object) -> list[Any] | None:
    if isinstance(value, list):
        return value
    for tag in ("$tuple", "$set", "$frozenset"):
        if isinstance(value, dict) and set(value) == {tag} and isinstance(value[tag], list):
            items: list[Any] = value[tag]
            return items
    return None


def key(value: object) -> Hashable:
    """A hashable, type-exact stand-in for a tree node (``True`` and ``1`` must differ)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted(((key(k), key(v)) for k, v in value.items()), key=repr)))
    if isinstance(value, list):
        return ("list", tuple(key(v) for v in value))
    return (type(value).__name__, value)


def child(node: Any, step: object) -> Any:
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    if isinstance(node, dict) and step in node:
        return node[step]
    return _MISSING


def follow(node: Any, steps: list[object]) -> Any:
    for step in steps:
        node = child(node, step)
        if node is _MISSING:
            break
    return node


# -- the samples' canonical values, followed beside the tree ---------------


def field(source: object, name: str) -> object:
    if isinstance(source, dict) and isinstance(source.get("fields"), dict):
        return source["fields"].get(name)
    return None


def item(source: object, index: int) -> object:
    if isinstance(source, dict) and set(source) == {"$tuple"}:
        source = source["$tuple"]
    if isinstance(source, list) and index < len(source):
        return source[index]
    return None


def entry(source: object, key: object) -> object:
    if isinstance(source, dict) and set(source) == {"$dict"}:
        for k, v in source["$dict"]:
            if strict_equal(k, key):
                return v
    return None
