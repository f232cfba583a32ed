"""NamedTuples: written by position, so reordering fields is a misread."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._hints import resolve_hints
from ._model import MISSING, FieldInfo, RecordInfo
from ._protocol import RecordKind


class NamedTupleKind(RecordKind):
    name = "namedtuple"
    positional = True

    def detect(self, cls: type) -> bool:
        return issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple)

    def inspect(self, cls: type) -> RecordInfo:
        resolved = resolve_hints(cls)
        defaults: Mapping[str, object] = getattr(cls, "_field_defaults", {})
        fields = tuple(
            FieldInfo(
                name=name,
                hint=resolved.hints.get(name, Any),
                required=name not in defaults,
                default=defaults.get(name, MISSING),
            )
            for name in getattr(cls, "_fields", ())
        )
        return RecordInfo(cls, self.name, {}, fields, warnings=resolved.warnings_for(fields))

    def build(self, info: RecordInfo, values: Mapping[str, object]) -> object:
        return info.cls(*values.values())

    def field_values(self, value: Any) -> list[tuple[str, object]]:
        return list(zip(type(value)._fields, value, strict=False))
