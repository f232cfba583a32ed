"""TypedDicts (total, ``Required``, ``NotRequired``): a left-out key is a sample variant."""

from __future__ import annotations

import typing
from collections.abc import Mapping

from ._hints import resolve_hints
from ._model import ABSENT, FieldInfo, RecordInfo
from ._protocol import RecordKind
from ._typenames import strip_required


class TypedDictKind(RecordKind):
    name = "typeddict"

    def detect(self, cls: type) -> bool:
        return typing.is_typeddict(cls)

    def inspect(self, cls: type) -> RecordInfo:
        resolved = resolve_hints(cls)
        required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
        fields = tuple(
            FieldInfo(name=name, hint=strip_required(hint), required=name in required_keys)
            for name, hint in resolved.hints.items()
        )
        # Totality is only a shorthand for which keys are required: the per-field
        # ``required`` says all that reaches the bytes, so ``total`` is no option.
        return RecordInfo(cls, self.name, {}, fields, warnings=resolved.warnings_for(fields))

    def field_variants(
        self, info: RecordInfo, field: FieldInfo, values: list[object]
    ) -> list[object]:
        return values if field.required else [*values, ABSENT]

    def build(self, info: RecordInfo, values: Mapping[str, object]) -> object:
        return {name: value for name, value in values.items() if value is not ABSENT}
