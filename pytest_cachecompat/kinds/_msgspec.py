"""msgspec Structs: ``array_like``, ``omit_defaults``, tags, renamed fields.

msgspec is never imported unless it is already in ``sys.modules``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from ._model import MISSING, FieldInfo
from ._protocol import RecordKind


class MsgspecKind(RecordKind):
    name = "msgspec"

    def detect(self, cls: type) -> bool:
        module = sys.modules.get("msgspec")
        return module is not None and issubclass(cls, module.Struct) and cls is not module.Struct

    def fields(self, cls: type, hints: Mapping[str, Any]) -> Iterable[FieldInfo]:
        import msgspec

        # msgspec writes every field unless omit_defaults is set: only then does
        # a default reach the bytes (and decide what an omitted field reads as).
        keep_defaults = bool(self.options(cls).get("omit_defaults"))
        return (_field(field, hints, keep_defaults) for field in msgspec.structs.fields(cls))

    def options(self, cls: type) -> dict[str, object]:
        return _options(cls)

    def field_values(self, value: Any) -> list[tuple[str, object]]:
        names: tuple[str, ...] = type(value).__struct_fields__
        return [(name, getattr(value, name)) for name in names]

    def is_positional_layout(self, layout: Mapping[str, Any]) -> bool:
        return bool((layout.get("options") or {}).get("array_like"))

    def default_note(self) -> str:
        # msgspec layouts carry defaults only with omit_defaults.
        return (
            "omit_defaults leaves a field equal to its default out of the bytes, "
            "so entries written before read back with the new default"
        )


def _field(field: Any, hints: Mapping[str, Any], keep_defaults: bool) -> FieldInfo:
    import msgspec

    default = MISSING if field.default is msgspec.NODEFAULT else field.default
    factory = None if field.default_factory is msgspec.NODEFAULT else field.default_factory
    if not keep_defaults:
        default, factory = MISSING, None
    hint = hints.get(field.name, field.type)
    return FieldInfo(
        name=field.name,
        hint=field.type if _is_forward_ref(hint) else hint,
        required=bool(field.required),
        default=default,
        default_factory=factory,
        alias=field.encode_name if field.encode_name != field.name else None,
    )


def _is_forward_ref(hint: object) -> bool:
    import typing

    return isinstance(hint, typing.ForwardRef)


def _options(cls: type) -> dict[str, object]:
    config = getattr(cls, "__struct_config__", None)
    options: dict[str, object] = {}
    if getattr(config, "array_like", False):
        options["array_like"] = True
    if getattr(config, "omit_defaults", False):
        options["omit_defaults"] = True
    tag = getattr(config, "tag", None)
    if tag is not None:
        options["tag"] = tag
        options["tag_field"] = getattr(config, "tag_field", None)
    return options
