"""Enums (Enum, IntEnum, StrEnum, Flag): members and values, in definition order."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

from ._model import RecordInfo
from ._protocol import RecordKind
from ._reprs import json_value
from ._typenames import type_name

_BASES: Final = ("IntFlag", "Flag", "IntEnum", "StrEnum", "ReprEnum", "Enum")


class EnumKind(RecordKind):
    name = "enum"
    has_members = True

    def detect(self, cls: type) -> bool:
        return issubclass(cls, enum.Enum)

    def inspect(self, cls: type) -> RecordInfo:
        members = tuple((name, json_value(member.value)) for name, member in _members(cls))
        return RecordInfo(cls, self.name, _options(cls), (), members)

    def samples(self, info: RecordInfo) -> list[object]:
        # Aliases are the same member object: keep each member once, in order.
        unique: list[object] = []
        for _, member in _members(info.cls):
            if not any(member is seen for seen in unique):
                unique.append(member)
        return unique


def _members(cls: type) -> list[tuple[str, enum.Enum]]:
    members: Mapping[str, enum.Enum] = getattr(cls, "__members__", {})
    return list(members.items())


def _options(cls: type) -> dict[str, object]:
    base = next(
        (c.__name__ for c in cls.__mro__ if c.__module__ == "enum" and c.__name__ in _BASES),
        "Enum",
    )
    options: dict[str, object] = {"base": base}
    member_type = getattr(cls, "_member_type_", object)
    if member_type is not object:
        options["type"] = type_name(member_type)
    return options
