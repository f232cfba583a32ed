"""pydantic v2 models: field info, aliases, the config keys that change the bytes.

pydantic is never imported here: a class can only be a model if pydantic is
already in ``sys.modules``, so projects without it pay nothing.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final

from ._model import MISSING, FieldInfo, RecordInfo
from ._protocol import RecordKind
from ._reprs import json_value
from ._typenames import kept_metadata

_CONFIG_KEYS: Final = (
    "extra",
    "use_enum_values",
    "ser_json_timedelta",
    "ser_json_temporal",
    "ser_json_bytes",
    "ser_json_inf_nan",
    "serialize_by_alias",
)


class PydanticKind(RecordKind):
    name = "pydantic"

    def detect(self, cls: type) -> bool:
        module = sys.modules.get("pydantic")
        return (
            module is not None and issubclass(cls, module.BaseModel) and cls is not module.BaseModel
        )

    def inspect(self, cls: type) -> RecordInfo:
        model_fields: Mapping[str, Any] = getattr(cls, "model_fields", {})
        fields = tuple(_field(name, info) for name, info in model_fields.items())
        return RecordInfo(cls, self.name, _options(cls), fields)

    def build(self, info: RecordInfo, values: Mapping[str, object]) -> object:
        # model_construct takes field names and skips validation, so the sample is
        # exactly what was generated (nested models are already instances).
        construct: Callable[..., object] = typing.cast(Any, info.cls).model_construct
        return construct(**values)

    def field_values(self, value: Any) -> list[tuple[str, object]]:
        declared: dict[str, Any] = getattr(type(value), "model_fields", {})
        pairs: list[tuple[str, object]] = [(name, getattr(value, name)) for name in declared]
        extra: dict[str, Any] | None = getattr(value, "__pydantic_extra__", None)
        pairs.extend((extra or {}).items())
        return pairs


def _field(name: str, info: Any) -> FieldInfo:
    from pydantic_core import PydanticUndefined

    kept = kept_metadata(info.metadata)
    hint: object = info.annotation
    if kept:
        hint = typing.Annotated[(hint, *kept)]
    extra: dict[str, object] = {}
    if isinstance(info.discriminator, str):
        extra["discriminator"] = info.discriminator
    if info.exclude:
        extra["exclude"] = True
    alias = info.serialization_alias or info.alias
    default = MISSING if info.default is PydanticUndefined else info.default
    return FieldInfo(
        name=name,
        hint=hint,
        required=bool(info.is_required()),
        default=default,
        default_factory=info.default_factory,
        alias=alias if alias and alias != name else None,
        extra=extra,
    )


def _options(cls: type) -> dict[str, object]:
    config: Mapping[str, object] = getattr(cls, "model_config", {})
    options = {key: json_value(config[key]) for key in _CONFIG_KEYS if key in config}
    computed: Mapping[str, object] = getattr(cls, "model_computed_fields", {})
    if computed:
        options["computed_fields"] = list(computed)
    return options
