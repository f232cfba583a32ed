"""Type hints of record classes: resolving them, substituting type variables, walking them.

A record may inherit from a class of another distribution whose annotations do
not resolve at run time (a name imported only under ``TYPE_CHECKING``).
That is no error of the user's: such a field is recorded as unresolved, with
a warning that names it, and the run goes on.
"""

from __future__ import annotations

import enum
import inspect
import sys
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ._model import FieldInfo

__all__ = [
    "HintResult",
    "is_classvar",
    "origin_class",
    "resolve_hints",
    "substitute",
    "walk_hint",
]


@attrs.frozen
class HintResult:
    """Resolved hints of a class, and a warning per annotation that could not be resolved."""

    hints: dict[str, Any]
    unresolved: Mapping[str, str] = attrs.field(factory=dict)

    def warnings_for(self, fields: Iterable[FieldInfo]) -> tuple[str, ...]:
        """The warnings about these fields (annotations of non-fields do not matter)."""
        names = [field.name for field in fields]
        return tuple(self.unresolved[name] for name in names if name in self.unresolved)


def resolve_hints(cls: type) -> HintResult:
    """``typing.get_type_hints`` with extras; unresolvable annotations become forward refs."""
    try:
        return HintResult(typing.get_type_hints(cls, include_extras=True))
    except Exception:  # NameError, TypeError from annotations of code the user may not own
        return _resolve_one_by_one(cls)


def _resolve_one_by_one(cls: type) -> HintResult:
    hints: dict[str, Any] = {}
    # One warning per field: a subclass that annotates it again decides.
    warnings: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        annotations = inspect.get_annotations(klass)
        namespace = dict(vars(sys.modules.get(klass.__module__, object())))
        for name, annotation in annotations.items():
            hint, problem = _resolve(annotation, namespace, dict(vars(klass)))
            hints[name] = hint
            warnings.pop(name, None)
            if problem is not None:
                owner = f"{klass.__module__}:{klass.__qualname__}"
                warnings[name] = (
                    f"field {name} of {owner}: its annotation {_text(annotation)!r} cannot be "
                    f"resolved ({problem}); recorded as unresolved, so only its serialized form "
                    "guards it"
                )
    return HintResult(hints, warnings)


def _resolve(
    annotation: object, globalns: dict[str, Any], localns: dict[str, Any]
) -> tuple[object, str | None]:
    if not isinstance(annotation, str | typing.ForwardRef):
        return annotation, None
    text = _text(annotation)
    try:
        holder = type("_Holder", (), {"__annotations__": {"value": text}})
        return typing.get_type_hints(holder, globalns, localns, include_extras=True)["value"], None
    except Exception as error:
        return typing.ForwardRef(text), f"{type(error).__name__}: {error}"


def _text(annotation: object) -> str:
    if isinstance(annotation, typing.ForwardRef):
        return annotation.__forward_arg__
    return annotation if isinstance(annotation, str) else repr(annotation)


def origin_class(obj: object) -> type | None:
    """The class of a record reference: itself, or the origin of a parametrised generic."""
    if isinstance(obj, type):
        return obj
    origin = typing.get_origin(obj)
    if isinstance(origin, type):
        return origin
    return None


def substitute(hint: object, mapping: Mapping[object, object]) -> object:
    """Replace type variables in a hint according to mapping."""
    if isinstance(hint, typing.TypeVar):
        return mapping.get(hint, hint)
    parameters = getattr(hint, "__parameters__", ())
    if not parameters or isinstance(hint, type):
        return hint
    try:
        return hint[tuple(mapping.get(p, p) for p in parameters)]  # type: ignore[index]
    except TypeError:
        return hint


def substitution(alias: object, origin: type) -> dict[object, object]:
    """Type variable -> argument for a parametrised generic record (``Box[int]``)."""
    if alias is origin:
        return {}
    parameters = getattr(origin, "__parameters__", ())
    args = typing.get_args(alias)
    return dict(zip(parameters, args, strict=False))


def is_classvar(hint: object) -> bool:
    return hint is typing.ClassVar or typing.get_origin(hint) is typing.ClassVar


def walk_hint(hint: object, found: list[object], is_record: Callable[[object], bool]) -> None:
    """Append the record and enum types inside ``hint`` to ``found``, in order, each once."""
    if isinstance(hint, typing.NewType):
        walk_hint(hint.__supertype__, found, is_record)
        return
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        for value in typing.get_args(hint):
            if isinstance(value, enum.Enum):
                _add_found(type(value), found)
        return
    if origin is typing.Annotated:
        walk_hint(typing.get_args(hint)[0], found, is_record)
        return
    if is_record(hint):
        _add_found(hint, found)
    if origin is not None:
        for arg in typing.get_args(hint):
            if isinstance(arg, list):  # Callable parameters
                for item in arg:
                    walk_hint(item, found, is_record)
            else:
                walk_hint(arg, found, is_record)


def _add_found(hint: object, found: list[object]) -> None:
    if not any(existing == hint for existing in found):
        found.append(hint)
