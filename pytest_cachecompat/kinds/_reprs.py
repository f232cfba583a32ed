"""Reprs that are the same in every run: no ids, no hash-seed order (defaults, enum values)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

from ._typenames import qualified_name, type_name

# (name, value) of a record instance's fields, or None when it is no record.
RecordFields = Callable[[object], Sequence[tuple[str, object]] | None]


def json_value(value: object) -> object:
    """A JSON-compatible rendering of an enum value (stable repr otherwise)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value if type(value) in (bool, int, float, str, type(None)) else stable_repr(value)
    if isinstance(value, tuple | list):
        return [json_value(item) for item in value]
    return stable_repr(value)


def stable_repr(value: object, record_fields: RecordFields | None = None) -> str:
    """A repr that is the same in every run: no ids, no hash-seed order.

    ``record_fields`` describes record instances (the registry's kinds know
    them); without it a record is shown by its own repr.
    """
    if isinstance(value, enum.Enum):
        return f"{qualified_name(type(value))}.{value.name}"
    if value is None or type(value) in (bool, int, float, str, bytes):
        return repr(value)
    if isinstance(value, type):
        return type_name(value)
    if isinstance(value, list | tuple | set | frozenset | dict):
        return _container_repr(value, record_fields)
    if record_fields is not None:
        try:
            fields = record_fields(value)
        except Exception:
            return f"<{type(value).__name__} instance>"
        if fields is not None:
            parts = [f"{name}={stable_repr(item, record_fields)}" for name, item in fields]
            return f"{type(value).__name__}({', '.join(parts)})"
    if callable(value):
        return f"<function {getattr(value, '__qualname__', type(value).__name__)}>"
    return _plain_repr(value)


def factory_repr(factory: Callable[[], object]) -> str:
    """``<factory list>`` / ``<factory ClassName>`` for a default factory."""
    name = getattr(factory, "__qualname__", None) or type(factory).__name__
    return f"<factory {name}>"


def _container_repr(value: object, record_fields: RecordFields | None) -> str:
    def item_repr(item: object) -> str:
        return stable_repr(item, record_fields)

    if isinstance(value, dict):
        items = ", ".join(f"{item_repr(k)}: {item_repr(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, set | frozenset):
        texts = sorted(item_repr(item) for item in value)
        if not texts:
            return f"{type(value).__name__}()"
        body = "{" + ", ".join(texts) + "}"
        return body if isinstance(value, set) else f"frozenset({body})"
    assert isinstance(value, list | tuple)
    items_text = ", ".join(item_repr(item) for item in value)
    if isinstance(value, list):
        return f"[{items_text}]"
    if len(value) == 1:
        items_text += ","
    prefix = "" if type(value) is tuple else type(value).__name__
    return f"{prefix}({items_text})"


def _plain_repr(value: object) -> str:
    if type(value).__repr__ is object.__repr__:
        return f"<{type(value).__name__} instance>"
    text = repr(value)
    if " at 0x" in text or " object at " in text:
        return f"<{type(value).__name__} instance>"
    return text
