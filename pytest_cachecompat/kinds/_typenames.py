"""Canonical spelling of type hints.

The spelling is part of every recorded layout, so it must not depend on how a
hint was written (``Optional[int]`` or ``int | None``, ``List`` or ``list``),
on the hash seed, or on the Python version.  Rules:

- builtins by bare name (``int``, ``str``, ``bytes``), ``None``, ``Any``;
- every other class by ``module:QualName`` (``datetime:datetime``,
  ``decimal:Decimal``, ``mypkg.models:File``), the same form records use.
  Standard-library classes that live in a private module are spelled through
  the public module that re-exports them (``pathlib._local:Path`` on 3.13 is
  ``pathlib:Path``, as on 3.11);
- unions in PEP 604 form, declared order, ``None`` last: ``int | str | None``;
- ``list[int]``, ``dict[str, int]``, ``tuple[int, str]``, ``tuple[int, ...]``,
  ``tuple[()]``, ``set[int]``, ``frozenset[int]``; other generic origins by
  qualified name (``collections.abc:Sequence[int]``, ``mypkg:Box[int]``);
- ``Literal['a', 1, mypkg:Color.RED]`` with values in declared order;
- ``NewType``: ``Name(base)``, e.g. ``UserId(int)`` - the name for the reader,
  the base because it is what reaches the bytes;
- ``Annotated``: the wrapper is dropped unless it carries metadata that
  changes what is accepted or written (``msgspec.Meta`` constraints,
  annotated-types constraints); then ``Annotated[str, MaxLen(max_length=3)]``;
- a free type variable as ``~T``.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import sys
import types
import typing
from collections.abc import Iterable
from typing import Any

_NONE_TYPE = type(None)

# Only the constraint attributes of msgspec.Meta reach validation or bytes;
# title/description/examples are documentation.
_MSGSPEC_META_KEYS = (
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "pattern",
    "min_length",
    "max_length",
    "tz",
)

_REQUIRED_WRAPPERS = ("Required", "NotRequired", "ReadOnly")


def qualified_name(cls: type) -> str:
    """Return ``module:QualName`` of a class, e.g. ``mypkg.models:File``."""
    module = getattr(cls, "__module__", None) or "?"
    qualname = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", repr(cls))
    return f"{module}:{qualname}"


def type_name(hint: object) -> str:
    """Return the canonical spelling of a resolved type hint (see module doc)."""
    if hint is None or hint is _NONE_TYPE:
        return "None"
    if hint is typing.Any:
        return "Any"
    if isinstance(hint, typing.TypeVar):
        return f"~{hint.__name__}"
    if isinstance(hint, str | typing.ForwardRef):
        # Unresolved forward reference: keep it visible rather than guessing.
        return repr(hint.__forward_arg__ if isinstance(hint, typing.ForwardRef) else hint)
    if isinstance(hint, typing.NewType):
        return f"{hint.__name__}({type_name(hint.__supertype__)})"
    if type(hint).__name__ == "TypeAliasType":  # `type X = ...` (3.12+)
        return f"{getattr(hint, '__module__', '?')}:{getattr(hint, '__name__', '?')}"
    origin = typing.get_origin(hint)
    if origin is not None:
        return _generic_name(hint, origin, typing.get_args(hint))
    if isinstance(hint, type):
        return _class_name(hint)
    return _fallback_name(hint)


def strip_required(hint: object) -> object:
    """Remove TypedDict ``Required``/``NotRequired``/``ReadOnly`` wrappers."""
    while _special_name(typing.get_origin(hint)) in _REQUIRED_WRAPPERS:
        hint = typing.get_args(hint)[0]
    return hint


def kept_metadata(metadata: Iterable[object]) -> list[object]:
    """The ``Annotated`` metadata items that change accepted or written values."""
    return [item for item in metadata if metadata_repr(item) is not None]


def metadata_repr(item: object) -> str | None:
    """Stable spelling of one ``Annotated`` metadata item, or None to drop it."""
    cls = type(item)
    if cls.__module__.startswith("msgspec") and cls.__name__ == "Meta":
        values = {key: getattr(item, key, None) for key in _MSGSPEC_META_KEYS}
        shown = {key: value for key, value in values.items() if value is not None}
        return _call_repr("Meta", shown) if shown else None
    if _is_annotated_types_constraint(item):
        return _call_repr(_metadata_class_name(cls), _metadata_values(item))
    return None


def value_repr(value: object) -> str:
    """Hash-seed independent repr of a Literal value or metadata value."""
    if isinstance(value, enum.Enum):
        return f"{qualified_name(type(value))}.{value.name}"
    if isinstance(value, set | frozenset):
        items = sorted(value_repr(item) for item in value)
        return "{" + ", ".join(items) + "}" if items else f"{type(value).__name__}()"
    if isinstance(value, type):
        return type_name(value)
    if isinstance(value, re.Pattern):
        return repr(value.pattern)
    return repr(value)


def _class_name(cls: type) -> str:
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return _public_name(cls)


def _public_name(cls: type) -> str:
    """Spell stdlib classes through a public module when they live in a private one."""
    module = cls.__module__
    top = module.split(".")[0]
    if top not in sys.stdlib_module_names:
        return qualified_name(cls)
    parts = module.split(".")
    while any(part.startswith("_") for part in parts[1:]) or parts[0].startswith("_"):
        public = _public_parent(parts, cls)
        if public is None:
            break
        parts = public
    return f"{'.'.join(parts)}:{cls.__qualname__}"


def _public_parent(parts: list[str], cls: type) -> list[str] | None:
    candidates = [parts[:i] for i in range(len(parts) - 1, 0, -1)]
    if parts[0].startswith("_"):
        candidates.append([parts[0].lstrip("_")])
    for candidate in candidates:
        module = sys.modules.get(".".join(candidate))
        if module is not None and getattr(module, cls.__name__, None) is cls:
            return candidate
    return None


def _generic_name(hint: object, origin: object, args: tuple[Any, ...]) -> str:
    if origin is typing.Union or origin is types.UnionType:
        return _union_name(args)
    if origin is typing.Literal:
        return "Literal[" + ", ".join(value_repr(arg) for arg in args) + "]"
    if origin is typing.Annotated:
        return _annotated_name(hint)
    if _special_name(origin) in (*_REQUIRED_WRAPPERS, "ClassVar", "Final"):
        return type_name(args[0]) if args else "Any"
    if origin is tuple:
        return _tuple_name(args)
    if origin is type:
        return f"type[{', '.join(type_name(arg) for arg in args)}]"
    base = _class_name(origin) if isinstance(origin, type) else type_name(origin)
    if not args:
        return base
    return f"{base}[{', '.join(_arg_name(arg) for arg in args)}]"


def _arg_name(arg: object) -> str:
    # Callable[[int], str] carries a list of parameter types.
    if isinstance(arg, list):
        return "[" + ", ".join(type_name(item) for item in arg) + "]"
    if arg is Ellipsis:
        return "..."
    return type_name(arg)


def _union_name(args: tuple[Any, ...]) -> str:
    names: list[str] = []
    for arg in args:
        for part in _flatten_union(arg):
            if part not in names:
                names.append(part)
    non_none = [name for name in names if name != "None"]
    tail = ["None"] if "None" in names else []
    return " | ".join(non_none + tail)


def _flatten_union(arg: object) -> list[str]:
    # A NewType or alias may itself be a union; spell its parts in place.
    origin = typing.get_origin(arg)
    if origin is typing.Union or origin is types.UnionType:
        return [name for sub in typing.get_args(arg) for name in _flatten_union(sub)]
    return [type_name(arg)]


def _tuple_name(args: tuple[Any, ...]) -> str:
    if not args or args == ((),):
        return "tuple[()]"
    if len(args) == 2 and args[1] is Ellipsis:
        return f"tuple[{type_name(args[0])}, ...]"
    return f"tuple[{', '.join(type_name(arg) for arg in args)}]"


def _annotated_name(hint: object) -> str:
    inner = typing.get_args(hint)[0]
    metadata = getattr(hint, "__metadata__", ())
    shown = [text for text in (metadata_repr(item) for item in metadata) if text is not None]
    if not shown:
        return type_name(inner)
    return f"Annotated[{type_name(inner)}, {', '.join(shown)}]"


def _special_name(origin: object) -> str:
    name = getattr(origin, "_name", None)
    return name if isinstance(name, str) else ""


def _is_annotated_types_constraint(item: object) -> bool:
    if "annotated_types" not in sys.modules:
        return False
    import annotated_types

    return isinstance(item, annotated_types.BaseMetadata)


def _metadata_class_name(cls: type) -> str:
    # pydantic builds its general-metadata class in a factory function.
    return cls.__name__.lstrip("_")


def _metadata_values(item: object) -> dict[str, object]:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return {field.name: getattr(item, field.name) for field in dataclasses.fields(item)}
    attributes = getattr(item, "__dict__", {})
    return {key: attributes[key] for key in sorted(attributes) if not key.startswith("_")}


def _call_repr(name: str, values: dict[str, object]) -> str:
    inner = ", ".join(f"{key}={_metadata_value_repr(value)}" for key, value in values.items())
    return f"{name}({inner})"


def _metadata_value_repr(value: object) -> str:
    if callable(value) and not isinstance(value, type):
        return getattr(value, "__qualname__", type(value).__name__)
    return value_repr(value)


def _fallback_name(hint: object) -> str:
    text = repr(hint)
    if " at 0x" in text:
        return f"<{type(hint).__name__}>"
    return text.replace("typing.", "")
