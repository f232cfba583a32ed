"""NamedTuples: written by position, so reordering fields is a misread."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._model import MISSING, FieldInfo, RecordInfo
from ._protocol import RecordKind


class NamedTupleKind(RecordKind):
    name = "namedtuple"
    positional = True

    def detect(self, cls: type) -> bool:
        return issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple)

    def fields(self, cls: type, hints: Mapping[str, Any]) -> Iterable[FieldInfo]:
        defaults: Mapping[str, object] = getattr(cls, "_field_defaults", {})
        return (
            FieldInfo(
                name=name,
                hint=hints.get(name, Any),
                required=name not in defaults,
                default=defaults.get(name, MISSING),
            )
            for name in getattr(cls, "_fields", ())
        )

    def build(self, info: RecordInfo, values: Mapping[str, object]) -> object:
        return info.cls(*values.values())

    def field_values(self, value: Any) -> list[tuple[str, object]]:
        return list(zip(type(value)._fields, value, strict=False))
