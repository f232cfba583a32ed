"""TypedDicts (total, ``Required``, ``NotRequired``): a left-out key is a sample variant."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from typing import Any

from ._model import ABSENT, FieldInfo, RecordInfo
from ._protocol import RecordKind
from ._typenames import strip_required


class TypedDictKind(RecordKind):
    name = "typeddict"

    def detect(self, cls: type) -> bool:
        return typing.is_typeddict(cls)

    def fields(self, cls: type, hints: Mapping[str, Any]) -> Iterable[FieldInfo]:
        # Totality is only a shorthand for which keys are required: the per-field
        # ``required`` says all that reaches the bytes, so ``total`` is no option.
        required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
        return (
            FieldInfo(name=name, hint=strip_required(hint), required=name in required_keys)
            for name, hint in hints.items()
        )

    def field_variants(
        self, info: RecordInfo, field: FieldInfo, values: list[object]
    ) -> list[object]:
        return values if field.required else [*values, ABSENT]

    def build(self, info: RecordInfo, values: Mapping[str, object]) -> object:
        return {name: value for name, value in values.items() if value is not ABSENT}
