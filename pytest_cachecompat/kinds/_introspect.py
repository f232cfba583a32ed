"""Per-kind field introspection of record types.

Each supported kind (attrs, dataclass, NamedTuple, TypedDict, Enum, pydantic,
msgspec, plain pickled classes) has a detector and an inspector in a dispatch
table.  pydantic and msgspec are never imported here: a class can only be a
pydantic model or a msgspec Struct if its library is already in
``sys.modules``, so looking there costs nothing for projects without them.

A parametrised generic (``Box[int]`` for ``class Box(Generic[T])``) is
accepted wherever a record class is: its fields carry the substituted types.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from pytest_cachecompat.errors import CacheCompatError

from ._typenames import kept_metadata, qualified_name, strip_required, type_name


class _Missing:
    """Sentinel type for "no default"; a stable repr keeps layouts readable."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

SUPPORTED_KINDS: Final = (
    "attrs",
    "dataclass",
    "namedtuple",
    "typeddict",
    "enum",
    "pydantic",
    "msgspec",
    "pickle",
)

# Library types are values, never project records, even when they pickle
# through __reduce__ or __slots__ (datetime, UUID, Path, pydantic's Url...).
_LIBRARY_TOPS: Final = frozenset(
    {"pydantic", "pydantic_core", "msgspec", "attr", "attrs", "typing_extensions"}
)
_ENUM_BASES: Final = ("IntFlag", "Flag", "IntEnum", "StrEnum", "ReprEnum", "Enum")
_PYDANTIC_CONFIG_KEYS: Final = (
    "extra",
    "use_enum_values",
    "ser_json_timedelta",
    "ser_json_temporal",
    "ser_json_bytes",
    "ser_json_inf_nan",
    "serialize_by_alias",
)


@attrs.frozen
class FieldInfo:
    """One field of a record, as the serialized form sees it."""

    name: str
    hint: object
    required: bool
    default: object = MISSING
    default_factory: Callable[[], object] | None = None
    alias: str | None = None
    extra: Mapping[str, object] = attrs.field(factory=dict)


@attrs.frozen
class RecordInfo:
    """Everything about a record type that can change its serialized bytes."""

    cls: type
    kind: str
    options: Mapping[str, object]
    fields: tuple[FieldInfo, ...]
    members: tuple[tuple[str, object], ...]


class UnsupportedType(CacheCompatError, TypeError):
    """A class that is not a record type of a supported kind."""


def is_record_type(obj: object) -> bool:
    """True for a class (or parametrised generic of one) of a supported kind."""
    cls = _origin_class(obj)
    return cls is not None and _kind_of(cls) is not None


def inspect_record(cls: type) -> RecordInfo:
    """Introspect a record type; raise UnsupportedType for anything else."""
    origin = _origin_class(cls)
    kind = _kind_of(origin) if origin is not None else None
    if origin is None or kind is None:
        raise UnsupportedType(_unsupported_message(cls))
    info = _INSPECTORS[kind](origin)
    substitution = _substitution(cls, origin)
    if substitution:
        fields = tuple(
            attrs.evolve(field, hint=substitute(field.hint, substitution)) for field in info.fields
        )
        info = attrs.evolve(info, fields=fields)
    return info


def referenced_types(hint: object) -> list[type]:
    """Record and enum classes inside a hint, in order of appearance, each once.

    A parametrised generic record appears as its alias (``Box[int]``).
    """
    found: list[type] = []
    _walk_hint(hint, found)
    return found


def record_name(cls: object) -> str:
    """Qualified name of a record class, or the spelling of a parametrised one."""
    if isinstance(cls, type):
        return qualified_name(cls)
    return type_name(cls)


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


def resolved_hints(cls: type) -> dict[str, Any]:
    """``get_type_hints`` with extras, turning failures into UnsupportedType."""
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception as error:  # NameError, TypeError from bad annotations
        raise UnsupportedType(
            f"{qualified_name(cls)}: cannot resolve its annotations ({error})"
        ) from error


# --- kind detection ---------------------------------------------------------


def _origin_class(obj: object) -> type | None:
    if isinstance(obj, type):
        return obj
    origin = typing.get_origin(obj)
    if isinstance(origin, type):
        return origin
    return None


def _kind_of(cls: type) -> str | None:
    for kind, detect in _DETECTORS:
        if detect(cls):
            return kind
    return None


def _is_enum(cls: type) -> bool:
    return issubclass(cls, enum.Enum)


def _is_pydantic(cls: type) -> bool:
    module = sys.modules.get("pydantic")
    return module is not None and issubclass(cls, module.BaseModel) and cls is not module.BaseModel


def _is_msgspec(cls: type) -> bool:
    module = sys.modules.get("msgspec")
    return module is not None and issubclass(cls, module.Struct) and cls is not module.Struct


def _is_attrs(cls: type) -> bool:
    return attrs.has(cls)


def _is_dataclass(cls: type) -> bool:
    return dataclasses.is_dataclass(cls)


def _is_namedtuple(cls: type) -> bool:
    return issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple)


def _is_typeddict(cls: type) -> bool:
    return typing.is_typeddict(cls)


def _is_pickle(cls: type) -> bool:
    return _pickle_state(cls) is not None


def _pickle_state(cls: type) -> str | None:
    if not _is_plain_project_class(cls):
        return None
    own = _own_mro(cls)
    if any("__reduce__" in c.__dict__ or "__reduce_ex__" in c.__dict__ for c in own):
        return "reduce"
    if any("__getstate__" in c.__dict__ or "__setstate__" in c.__dict__ for c in own):
        return "getstate"
    if any("__slots__" in c.__dict__ for c in own):
        return "slots"
    if any(inspect.get_annotations(c) for c in own):
        return "dict"
    return None


def _is_plain_project_class(cls: type) -> bool:
    top = cls.__module__.split(".")[0]
    if top in sys.stdlib_module_names or top in _LIBRARY_TOPS:
        return False
    if getattr(cls, "_is_protocol", False) or issubclass(cls, BaseException):
        return False
    # Subclasses of builtin containers/scalars pickle as those builtins.
    return all(base.__module__ != "builtins" or base is object for base in cls.__mro__)


def _own_mro(cls: type) -> list[type]:
    return [c for c in cls.__mro__ if c is not object and c.__module__ != "typing"]


_DETECTORS: Final[tuple[tuple[str, Callable[[type], bool]], ...]] = (
    ("enum", _is_enum),
    ("pydantic", _is_pydantic),
    ("msgspec", _is_msgspec),
    ("attrs", _is_attrs),
    ("dataclass", _is_dataclass),
    ("namedtuple", _is_namedtuple),
    ("typeddict", _is_typeddict),
    ("pickle", _is_pickle),
)


def _unsupported_message(obj: object) -> str:
    name = record_name(obj) if isinstance(obj, type) else _describe(obj)
    return (
        f"{name} is not a supported record type: expected a class of kind "
        f"{', '.join(SUPPORTED_KINDS)} (pickle: a plain class with __slots__, "
        "class annotations, __getstate__/__setstate__ or __reduce__)"
    )


def _describe(obj: object) -> str:
    qualname = getattr(obj, "__qualname__", None)
    module = getattr(obj, "__module__", None)
    if isinstance(qualname, str) and isinstance(module, str):
        return f"{module}:{qualname} ({type(obj).__name__})"
    return type_name(obj)


# --- inspectors -------------------------------------------------------------


def _inspect_attrs(cls: type) -> RecordInfo:
    hints = resolved_hints(cls)
    fields = tuple(_attrs_field(attribute, hints) for attribute in attrs.fields(cls))
    return RecordInfo(cls, "attrs", {}, fields, ())


def _attrs_field(attribute: attrs.Attribute[Any], hints: Mapping[str, Any]) -> FieldInfo:
    hint = hints.get(attribute.name, _converter_hint(attribute.converter))
    default, factory = _attrs_default(attribute.default)
    extra: dict[str, object] = {} if attribute.init else {"init": False}
    is_default = getattr(
        attribute, "alias_is_default", attribute.alias == attribute.name.lstrip("_")
    )
    alias = None if is_default else attribute.alias
    return FieldInfo(
        name=attribute.name,
        hint=hint,
        required=attribute.init and default is MISSING and factory is None,
        default=default,
        default_factory=factory,
        alias=alias,
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


def _attrs_default(default: object) -> tuple[object, Callable[[], object] | None]:
    if default is attrs.NOTHING:
        return MISSING, None
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        factory: Callable[[], object] = typing.cast(Any, default).factory
        return MISSING, factory
    return default, None


def _inspect_dataclass(cls: type) -> RecordInfo:
    hints = resolved_hints(cls)
    fields = tuple(_dataclass_field(field, hints) for field in dataclasses.fields(cls))
    return RecordInfo(cls, "dataclass", {}, fields, ())


def _dataclass_field(field: dataclasses.Field[Any], hints: Mapping[str, Any]) -> FieldInfo:
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


def _inspect_namedtuple(cls: type) -> RecordInfo:
    hints = resolved_hints(cls)
    defaults: Mapping[str, object] = getattr(cls, "_field_defaults", {})
    fields = tuple(
        FieldInfo(
            name=name,
            hint=hints.get(name, Any),
            required=name not in defaults,
            default=defaults.get(name, MISSING),
        )
        for name in getattr(cls, "_fields", ())
    )
    return RecordInfo(cls, "namedtuple", {}, fields, ())


def _inspect_typeddict(cls: type) -> RecordInfo:
    hints = resolved_hints(cls)
    required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
    fields = tuple(
        FieldInfo(name=name, hint=strip_required(hint), required=name in required_keys)
        for name, hint in hints.items()
    )
    # Totality is only a shorthand for which keys are required: the per-field
    # ``required`` says all that reaches the bytes, so ``total`` is no option.
    return RecordInfo(cls, "typeddict", {}, fields, ())


def _inspect_enum(cls: type) -> RecordInfo:
    members = tuple((name, json_value(member.value)) for name, member in _enum_members(cls))
    return RecordInfo(cls, "enum", _enum_options(cls), (), members)


def _enum_members(cls: type) -> list[tuple[str, enum.Enum]]:
    members: Mapping[str, enum.Enum] = getattr(cls, "__members__", {})
    return list(members.items())


def _enum_options(cls: type) -> dict[str, object]:
    base = next(
        (c.__name__ for c in cls.__mro__ if c.__module__ == "enum" and c.__name__ in _ENUM_BASES),
        "Enum",
    )
    options: dict[str, object] = {"base": base}
    member_type = getattr(cls, "_member_type_", object)
    if member_type is not object:
        options["type"] = type_name(member_type)
    return options


def json_value(value: object) -> object:
    """A JSON-compatible rendering of an enum value (stable repr otherwise)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value if type(value) in (bool, int, float, str, type(None)) else stable_repr(value)
    if isinstance(value, tuple | list):
        return [json_value(item) for item in value]
    return stable_repr(value)


def _inspect_pydantic(cls: type) -> RecordInfo:
    model_fields: Mapping[str, Any] = getattr(cls, "model_fields", {})
    fields = tuple(_pydantic_field(name, info) for name, info in model_fields.items())
    return RecordInfo(cls, "pydantic", _pydantic_options(cls), fields, ())


def _pydantic_field(name: str, info: Any) -> FieldInfo:
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


def _pydantic_options(cls: type) -> dict[str, object]:
    config: Mapping[str, object] = getattr(cls, "model_config", {})
    options = {key: json_value(config[key]) for key in _PYDANTIC_CONFIG_KEYS if key in config}
    computed: Mapping[str, object] = getattr(cls, "model_computed_fields", {})
    if computed:
        options["computed_fields"] = list(computed)
    return options


def _inspect_msgspec(cls: type) -> RecordInfo:
    import msgspec

    hints = resolved_hints(cls)
    options = _msgspec_options(cls)
    # msgspec writes every field unless omit_defaults is set: only then does
    # a default reach the bytes (and decide what an omitted field reads as).
    keep_defaults = bool(options.get("omit_defaults"))
    fields = tuple(
        _msgspec_field(field, hints, keep_defaults) for field in msgspec.structs.fields(cls)
    )
    return RecordInfo(cls, "msgspec", options, fields, ())


def _msgspec_field(field: Any, hints: Mapping[str, Any], keep_defaults: bool) -> FieldInfo:
    import msgspec

    default = MISSING if field.default is msgspec.NODEFAULT else field.default
    factory = None if field.default_factory is msgspec.NODEFAULT else field.default_factory
    if not keep_defaults:
        default, factory = MISSING, None
    return FieldInfo(
        name=field.name,
        hint=hints.get(field.name, field.type),
        required=bool(field.required),
        default=default,
        default_factory=factory,
        alias=field.encode_name if field.encode_name != field.name else None,
    )


def _msgspec_options(cls: type) -> dict[str, object]:
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


def _inspect_pickle(cls: type) -> RecordInfo:
    state = _pickle_state(cls) or "dict"
    hints = {name: hint for name, hint in resolved_hints(cls).items() if not _is_classvar(hint)}
    names = list(hints)
    for slot in _slot_names(cls):
        if slot not in names:
            names.append(slot)
    if names:
        fields = tuple(_pickle_field(cls, name, hints.get(name, Any)) for name in names)
    else:
        fields = _init_fields(cls)
    return RecordInfo(cls, "pickle", {"state": state}, fields, ())


def _init_fields(cls: type) -> tuple[FieldInfo, ...]:
    """Fields guessed from ``__init__`` when the class declares no attributes.

    A ``__reduce__`` usually hands the constructor arguments to pickle, so
    they are the best available description of what is stored.
    """
    init = cls.__dict__.get("__init__")
    if init is None:
        return ()
    try:
        signature = inspect.signature(init)
        hints = typing.get_type_hints(init, include_extras=True)
    except Exception:
        return ()
    fields: list[FieldInfo] = []
    for parameter in list(signature.parameters.values())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        default = MISSING if parameter.default is parameter.empty else parameter.default
        hint = hints.get(parameter.name, Any)
        fields.append(FieldInfo(parameter.name, hint, default is MISSING, default))
    return tuple(fields)


def _pickle_field(cls: type, name: str, hint: object) -> FieldInfo:
    default = MISSING
    for klass in cls.__mro__:
        value = klass.__dict__.get(name, MISSING)
        if value is not MISSING and not isinstance(value, types.MemberDescriptorType):
            default = value
            break
    return FieldInfo(name=name, hint=hint, required=default is MISSING, default=default)


def _slot_names(cls: type) -> list[str]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot not in ("__dict__", "__weakref__") and slot not in names:
                names.append(slot)
    return names


def _is_classvar(hint: object) -> bool:
    return hint is typing.ClassVar or typing.get_origin(hint) is typing.ClassVar


_INSPECTORS: Final[Mapping[str, Callable[[type], RecordInfo]]] = {
    "attrs": _inspect_attrs,
    "dataclass": _inspect_dataclass,
    "namedtuple": _inspect_namedtuple,
    "typeddict": _inspect_typeddict,
    "enum": _inspect_enum,
    "pydantic": _inspect_pydantic,
    "msgspec": _inspect_msgspec,
    "pickle": _inspect_pickle,
}


# --- generics and hint walking ----------------------------------------------


def _substitution(alias: object, origin: type) -> dict[object, object]:
    if alias is origin:
        return {}
    parameters = getattr(origin, "__parameters__", ())
    args = typing.get_args(alias)
    return dict(zip(parameters, args, strict=False))


def _walk_hint(hint: object, found: list[type]) -> None:
    if isinstance(hint, typing.NewType):
        _walk_hint(hint.__supertype__, found)
        return
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        for value in typing.get_args(hint):
            if isinstance(value, enum.Enum):
                _add_found(type(value), found)
        return
    if origin is typing.Annotated:
        _walk_hint(typing.get_args(hint)[0], found)
        return
    if is_record_type(hint):
        _add_found(hint, found)
    if origin is not None:
        for arg in typing.get_args(hint):
            if isinstance(arg, list):  # Callable parameters
                for item in arg:
                    _walk_hint(item, found)
            else:
                _walk_hint(arg, found)


def _add_found(hint: object, found: list[type]) -> None:
    if not any(existing == hint for existing in found):
        found.append(hint)  # type: ignore[arg-type]


# --- stable reprs of defaults -------------------------------------------------


def stable_repr(value: object) -> str:
    """A repr that is the same in every run: no ids, no hash-seed order."""
    if isinstance(value, enum.Enum):
        return f"{qualified_name(type(value))}.{value.name}"
    if value is None or type(value) in (bool, int, float, str, bytes):
        return repr(value)
    if isinstance(value, type):
        return type_name(value)
    if isinstance(value, list | tuple | set | frozenset | dict):
        return _container_repr(value)
    if is_record_type(type(value)) and not isinstance(value, enum.Enum):
        return _record_repr(value)
    if callable(value):
        return f"<function {getattr(value, '__qualname__', type(value).__name__)}>"
    return _plain_repr(value)


def factory_repr(factory: Callable[[], object]) -> str:
    """``<factory list>`` / ``<factory ClassName>`` for a default factory."""
    name = getattr(factory, "__qualname__", None) or type(factory).__name__
    return f"<factory {name}>"


def _container_repr(value: object) -> str:
    if isinstance(value, dict):
        items = ", ".join(f"{stable_repr(k)}: {stable_repr(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, set | frozenset):
        texts = sorted(stable_repr(item) for item in value)
        if not texts:
            return f"{type(value).__name__}()"
        body = "{" + ", ".join(texts) + "}"
        return body if isinstance(value, set) else f"frozenset({body})"
    assert isinstance(value, list | tuple)
    items_text = ", ".join(stable_repr(item) for item in value)
    if isinstance(value, list):
        return f"[{items_text}]"
    if len(value) == 1:
        items_text += ","
    prefix = "" if type(value) is tuple else type(value).__name__
    return f"{prefix}({items_text})"


def _record_repr(value: object) -> str:
    try:
        info = inspect_record(type(value))
        parts = [
            f"{field.name}={stable_repr(_field_value(value, field.name))}" for field in info.fields
        ]
    except Exception:
        return f"<{type(value).__name__} instance>"
    return f"{type(value).__name__}({', '.join(parts)})"


def _field_value(value: object, name: str) -> object:
    if isinstance(value, dict):
        return value.get(name, MISSING)
    return getattr(value, name, MISSING)


def _plain_repr(value: object) -> str:
    if type(value).__repr__ is object.__repr__:
        return f"<{type(value).__name__} instance>"
    text = repr(value)
    if " at 0x" in text or " object at " in text:
        return f"<{type(value).__name__} instance>"
    return text
