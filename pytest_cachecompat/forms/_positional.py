"""Which record field a node of a decoded tree holds, read from the recorded layouts.

A serializer writes a record as an array (NamedTuples, msgspec
``array_like``, hand-written encoders: the field is its position), as a map
(the field is its key: its name or its alias) or, in a pickle, as an object
whose state or slots hold the fields by name. ``record_view`` maps each of
them back to field names, so that a difference can be named
``File.hashes.sha256`` instead of ``decoded[1][1][0]``.

Types are read from the layouts' canonical spellings (docs/design.md):
``str | None``, ``list[pkg.mod:File]``, ``dict[str, int]``, ``tuple[int, ...]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = ["Field", "Schema", "TypeExpr", "View", "parse_type"]

Layouts = Mapping[str, Mapping[str, Any]]


@attrs.frozen
class TypeExpr:
    """A parsed type spelling: ``name`` with ``args`` (``list``, [``int``]), or a union."""

    name: str  # "|" for a union, "Any" when unknown
    args: tuple[TypeExpr, ...] = ()


ANY = TypeExpr("Any")


def parse_type(text: str) -> TypeExpr:
    """Parse a canonical type spelling; anything unexpected reads as ``Any``."""
    try:
        return _parse(text.strip())
    except (ValueError, IndexError):
        return ANY


def _parse(text: str) -> TypeExpr:
    alternatives = _split(text, "|")
    if len(alternatives) > 1:
        return TypeExpr("|", tuple(_parse(part) for part in alternatives))
    if text.startswith(("'", '"', "~")) or not text:
        return ANY  # unresolved forward reference, free type variable
    if text.endswith("]") and "[" in text:
        origin, _, rest = text.partition("[")
        inner = rest[:-1]
        if origin in ("Literal", "Annotated"):
            # Literal values are leaves; Annotated metadata never changes the shape.
            return TypeExpr("Literal") if origin == "Literal" else _parse(_split(inner, ",")[0])
        return TypeExpr(origin.strip(), tuple(_parse(arg) for arg in _split(inner, ",")))
    if text.endswith(")") and "(" in text:  # NewType: Name(base)
        return _parse(text[text.index("(") + 1 : -1])
    return TypeExpr(text)


def _split(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    parts.append(text[start:].strip())
    return parts


@attrs.frozen
class Field:
    name: str
    type: TypeExpr
    required: bool = True
    alias: str | None = None


@attrs.frozen
class View:
    """A record's node read as fields: ``(field name or key, node)`` in order."""

    record: str
    entries: tuple[tuple[str, object], ...]
    keys: Mapping[str, object]  # field name -> how it is written (position or key)

    @property
    def positional(self) -> bool:
        return any(isinstance(key, int) for key in self.keys.values())


_SEQUENCES = ("list", "set", "frozenset", "collections.abc:Sequence", "collections.abc:Set")
_MAPPINGS = ("dict", "collections.abc:Mapping", "collections.abc:MutableMapping")


class Schema:
    """The record layouts of one family and version, for naming decoded nodes."""

    def __init__(self, layouts: Layouts) -> None:
        self._layouts = layouts
        self._fields: dict[str, list[Field] | None] = {}

    def fields(self, record: str) -> list[Field] | None:
        if record not in self._fields:
            layout = self._layouts.get(record)
            raw = layout.get("fields") if isinstance(layout, Mapping) else None
            self._fields[record] = (
                None
                if not isinstance(raw, list)
                else [
                    Field(
                        str(f.get("name")),
                        parse_type(str(f.get("type", "Any"))),
                        bool(f.get("required", True)),
                        f.get("alias") if isinstance(f.get("alias"), str) else None,
                    )
                    for f in raw
                    if isinstance(f, Mapping)
                ]
            )
        return self._fields[record]

    def members(self, record: str) -> list[tuple[str, object]] | None:
        layout = self._layouts.get(record)
        raw = layout.get("members") if isinstance(layout, Mapping) else None
        if not isinstance(raw, list):
            return None
        return [(str(m.get("name")), m.get("value")) for m in raw if isinstance(m, Mapping)]

    def is_record(self, name: str) -> bool:
        return self.fields(name) is not None

    def item_type(self, expr: TypeExpr, index: int) -> TypeExpr:
        """The type of item ``index`` of a sequence (or the value of a map) typed ``expr``."""
        expr = self._choose(expr)
        if expr.name in _SEQUENCES and expr.args:
            return expr.args[0]
        if expr.name == "tuple" and expr.args:
            if len(expr.args) == 2 and expr.args[1].name == "...":
                return expr.args[0]
            return expr.args[index] if index < len(expr.args) else ANY
        if expr.name in _MAPPINGS and len(expr.args) == 2:
            return expr.args[1]
        return ANY

    def _choose(self, expr: TypeExpr) -> TypeExpr:
        if expr.name == "|":
            useful = [arg for arg in expr.args if arg.name != "None"]
            return useful[0] if len(useful) == 1 else expr
        return expr

    def record_of(self, expr: TypeExpr, node: object) -> str | None:
        """The record that ``node`` holds, when ``expr`` names one (a union: the one that fits)."""
        if expr.name == "|":
            for arg in expr.args:
                found = self.record_of(arg, node)
                if found is not None and self.view(found, node) is not None:
                    return found
            return None
        return expr.name if self.is_record(expr.name) else None

    def enum_of(self, expr: TypeExpr) -> str | None:
        expr = self._choose(expr)
        return expr.name if self.members(expr.name) is not None else None

    def view(self, record: str, node: object) -> View | None:
        """``node`` read as the fields of ``record``, or None when it is not written like one."""
        fields = self.fields(record)
        if fields is None:
            return None
        if isinstance(node, list):
            return _positional_view(record, fields, node)
        if isinstance(node, dict) and ("$object" in node or "$call" in node):
            pairs = object_pairs(node)
            if pairs is None:  # NamedTuples, __reduce__: the fields are the arguments
                return _positional_view(record, fields, node["args"])
            return _keyed_view(record, fields, pairs)
        pairs = _named_pairs(node)
        if pairs is not None:
            return _keyed_view(record, fields, pairs)
        return None


def _positional_view(record: str, fields: Sequence[Field], items: list[Any]) -> View | None:
    required = sum(1 for f in fields if f.required)
    # An array written by position; trailing fields equal to their default
    # may be left out (msgspec array_like with omit_defaults).
    if not fields or not required <= len(items) <= len(fields):
        return None
    entries = tuple((fields[i].name, item) for i, item in enumerate(items))
    return View(record, entries, {fields[i].name: i for i in range(len(items))})


def _keyed_view(
    record: str, fields: Sequence[Field], pairs: list[tuple[str, object]]
) -> View | None:
    by_key = {}
    for field in fields:
        by_key[field.name] = field.name
        if field.alias is not None:
            by_key[field.alias] = field.name
    known = [by_key[key] for key, _ in pairs if key in by_key]
    if not known and pairs:
        return None
    if len(known) * 2 < len(pairs):  # mostly other keys: some wrapper, not this record
        return None
    entries = tuple((by_key.get(key, key), value) for key, value in pairs)
    keys = {by_key.get(key, key): key for key, _ in pairs}
    return View(record, entries, keys)


def _named_pairs(node: object) -> list[tuple[str, object]] | None:
    """(key, value) pairs of a map with text keys, or of a pickled object's state."""
    if not isinstance(node, dict):
        return None
    if "$object" in node or "$call" in node:
        return object_pairs(node)
    if set(node) == {"$map"}:
        pairs = node["$map"]
        if all(isinstance(k, str) for k, _ in pairs):
            return [(k, v) for k, v in pairs]
        return None
    if any(isinstance(k, str) and k.startswith("$") for k in node):
        return None
    return list(node.items())


def object_pairs(node: Mapping[str, Any]) -> list[tuple[str, object]] | None:
    """The fields of a pickled object: its ``__dict__`` state, slots, or arguments."""
    pairs: list[tuple[str, object]] = []
    state = node.get("state")
    if isinstance(state, dict) and isinstance(state.get("__dict__"), dict):
        # pydantic v2: the fields are in __dict__, beside pydantic's own keys.
        pairs.extend(state["__dict__"].items())
        pairs.extend((k, v) for k, v in state.items() if k != "__dict__")
    elif isinstance(state, dict) and not any(k.startswith("$") for k in state):
        pairs.extend(state.items())
    elif state is not None:
        pairs.append(("<state>", state))
    slots = node.get("slots")
    if isinstance(slots, dict):
        pairs.extend(slots.items())
    if not pairs and isinstance(node.get("args"), list):
        return None  # written by position: the arguments of a call
    return pairs
