"""Dataclasses (``InitVar`` pseudo-fields go to the constructor, not the layout)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from ._hints import resolve_hints
from ._model import MISSING, FieldInfo, RecordInfo
from ._protocol import RecordKind


class DataclassKind(RecordKind):
    """Dataclasses; ``InitVar`` values are built for the constructor, never recorded."""

    name = "dataclass"

    def detect(self, cls: type) -> bool:
        return dataclasses.is_dataclass(cls)

    def constructor_fields(self, info: RecordInfo) -> list[FieldInfo]:
        return [*super().constructor_fields(info), *_initvars(info.cls)]

    def fields(self, cls: type, hints: Mapping[str, Any]) -> Iterable[FieldInfo]:
        return (_field(field, hints) for field in dataclasses.fields(cls))

    def field_values(self, value: Any) -> list[tuple[str, object]]:
        return [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]


def _field(field: dataclasses.Field[Any], hints: Mapping[str, Any]) -> FieldInfo:
    default = MISSING if field.default is dataclasses.MISSING else field.default
    factory = None if field.default_factory is dataclasses.MISSING else field.default_factory
    return FieldInfo(
        name=field.name,
        hint=hints.get(field.name, Any),
        required=field.init and default is MISSING and factory is None,
        default=default,
        default_factory=factory,
        extra={} if field.init else {"init": False},
    )


def _initvars(cls: type) -> list[FieldInfo]:
    # InitVars are no fields of the layout but __init__ still wants them.
    hints = resolve_hints(cls).hints
    all_fields: Mapping[str, Any] = getattr(cls, "__dataclass_fields__", {})
    return [
        FieldInfo(name=name, hint=getattr(hints.get(name), "type", Any), required=True)
        for name, field in all_fields.items()
        if field._field_type is dataclasses._FIELD_INITVAR  # type: ignore[attr-defined]
    ]
