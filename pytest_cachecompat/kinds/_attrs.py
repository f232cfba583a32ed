"""attrs classes (slots, frozen, kw_only, aliases, converters' target types)."""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ._model import MISSING, FieldInfo, RecordInfo
from ._protocol import RecordKind


class AttrsKind(RecordKind):
    """attrs classes; samples are built through each field's ``__init__`` alias."""

    name = "attrs"

    def detect(self, cls: type) -> bool:
        return attrs.has(cls)

    def fields(self, cls: type, hints: Mapping[str, Any]) -> Iterable[FieldInfo]:
        return (_field(attribute, hints) for attribute in attrs.fields(cls))

    def build(self, info: RecordInfo, values: Mapping[str, object]) -> object:
        init_names = {attribute.name: attribute.alias for attribute in attrs.fields(info.cls)}
        return info.cls(**{init_names[name]: value for name, value in values.items()})

    def field_values(self, value: Any) -> list[tuple[str, object]]:
        return [(a.name, getattr(value, a.name)) for a in attrs.fields(type(value))]


def _field(attribute: attrs.Attribute[Any], hints: Mapping[str, Any]) -> FieldInfo:
    hint = hints.get(attribute.name, _converter_hint(attribute.converter))
    if isinstance(hint, typing.ForwardRef) and not isinstance(attribute.type, str | None):
        hint = attribute.type  # attrs resolved it where typing could not
    default, factory = _default(attribute.default)
    extra: dict[str, object] = {} if attribute.init else {"init": False}
    is_default = getattr(
        attribute, "alias_is_default", attribute.alias == attribute.name.lstrip("_")
    )
    return FieldInfo(
        name=attribute.name,
        hint=hint,
        required=attribute.init and default is MISSING and factory is None,
        default=default,
        default_factory=factory,
        alias=None if is_default else attribute.alias,
        extra=extra,
    )


def _converter_hint(converter: object) -> object:
    # Without an annotation the stored type is what the converter returns.
    function = getattr(converter, "converter", converter)
    if converter is None or not callable(function):
        return Any
    if isinstance(function, type):
        return function
    try:
        return typing.get_type_hints(function).get("return", Any)
    except Exception:
        return Any


def _default(default: object) -> tuple[object, Callable[[], object] | None]:
    if default is attrs.NOTHING:
        return MISSING, None
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        factory: Callable[[], object] = typing.cast(Any, default).factory
        return MISSING, factory
    return default, None
