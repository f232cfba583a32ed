"""Canonical values as short, readable text for messages: ``File(name='a', size=1)``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["render", "tag_of", "type_label"]


def tag_of(value: object) -> str:
    """Shape of a canonical value: a ``$tag``, or the JSON type name."""
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and key.startswith("$"):
                return key
        return "object"
    if value is None:
        return "None"
    return type(value).__name__


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
    tag = tag_of(canonical_value)
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
    tag = tag_of(value)
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
