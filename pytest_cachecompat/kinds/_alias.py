"""Type aliases and generic types as records: ``Cache = dict[str, tuple[float, int]]``.

Many caches have no record class at all: they store a dict, a list of tuples.
Such a root is named by the alias's import path (``pkg.cache:Cache``, the
reference the user wrote, or the name of a ``type`` statement), and stands in
the plugin as a class of its own so that every part treats it like a record:
its layout has one field, ``value``, spelled as the aliased type; its samples
are values of that type; the records inside it are collected as usual.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any, ClassVar

from ._model import FieldInfo, RecordInfo
from ._protocol import RecordKind

_ALIASES: dict[tuple[str, str, object], type] = {}


class AliasRecord:
    """Base of the classes that stand for a type alias used as a record."""

    __alias__: ClassVar[object]


class AliasKind(RecordKind):
    name = "alias"

    def detect(self, cls: type) -> bool:
        return issubclass(cls, AliasRecord) and cls is not AliasRecord

    def inspect(self, cls: type) -> RecordInfo:
        alias: object = cls.__dict__["__alias__"]
        return RecordInfo(cls, self.name, {}, (FieldInfo("value", alias, required=True),))

    def build(self, info: RecordInfo, values: Mapping[str, object]) -> object:
        return values["value"]

    def field_values(self, value: Any) -> list[tuple[str, object]]:
        return [("value", value)]


def is_type_alias(obj: object) -> bool:
    """A generic type (``dict[str, int]``, ``list[Entry]``, a union) or a ``type`` statement."""
    if type(obj).__name__ == "TypeAliasType":
        return True
    return typing.get_origin(obj) is not None and not isinstance(obj, type)


def alias_record(module: str, name: str, alias: object) -> type:
    """The class that stands for ``alias``, named ``module:name``; one class per alias."""
    value = getattr(alias, "__value__", alias) if type(alias).__name__ == "TypeAliasType" else alias
    key = (module, name, value)
    try:
        return _ALIASES[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable alias: build a new stand-in every time
        return _stand_in(module, name, value)
    _ALIASES[key] = _stand_in(module, name, value)
    return _ALIASES[key]


def _stand_in(module: str, name: str, value: object) -> type:
    return type(
        name, (AliasRecord,), {"__module__": module, "__qualname__": name, "__alias__": value}
    )
