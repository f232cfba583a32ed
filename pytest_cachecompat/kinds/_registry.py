"""The registry of record kinds: the built-in ones and those a project adds.

A project's kinds (from the ``pytest_cachecompat_record_kinds`` hook or the
``pytest_cachecompat.kinds`` entry point group, docs/record-kinds.md) are asked
first, so a kind can claim classes that a built-in kind would take for
something else. The built-in kinds are asked in a fixed order: an enum is
never mistaken for a plain class, a pydantic model never for a pickled one.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final, TypeVar

import attrs

from ._alias import AliasKind
from ._attrs import AttrsKind
from ._dataclass import DataclassKind
from ._enum import EnumKind
from ._hints import origin_class, substitute, substitution, walk_hint
from ._model import MISSING, RecordInfo, UnsupportedType
from ._msgspec import MsgspecKind
from ._namedtuple import NamedTupleKind
from ._pickle import PROJECT_TOPS, PickleKind
from ._protocol import RecordKind
from ._pydantic import PydanticKind
from ._reprs import stable_repr as _stable_repr_of
from ._typeddict import TypedDictKind
from ._typenames import qualified_name, type_name

BUILTIN_KINDS: Final[tuple[RecordKind, ...]] = (
    EnumKind(),
    PydanticKind(),
    MsgspecKind(),
    AttrsKind(),
    DataclassKind(),
    NamedTupleKind(),
    TypedDictKind(),
    AliasKind(),
    PickleKind(),
)
BUILTIN_NAMES: Final = tuple(kind.name for kind in BUILTIN_KINDS)
_T = TypeVar("_T")


class _Registry:
    """The kinds in the order they are asked, and which kind each class was found to be."""

    def __init__(self) -> None:
        self.project: tuple[RecordKind, ...] = ()
        self._by_class: dict[type, RecordKind | None] = {}
        # What each kind said about a class: collection, the layout item and the
        # end-of-run checks all ask for the same classes in one run.
        self._info: dict[type, RecordInfo] = {}

    @property
    def kinds(self) -> tuple[RecordKind, ...]:
        return (*self.project, *BUILTIN_KINDS)

    def use(self, project_kinds: Sequence[RecordKind]) -> None:
        self.project = tuple(project_kinds)
        self._by_class.clear()
        self._info.clear()

    def inspect(self, kind: RecordKind, cls: type) -> RecordInfo:
        return _remembered(self._info, cls, lambda: kind.inspect(cls))

    def kind_of(self, cls: type) -> RecordKind | None:
        return _remembered(self._by_class, cls, lambda: self._detect(cls))

    def _detect(self, cls: type) -> RecordKind | None:
        for kind in self.kinds:
            try:
                if kind.detect(cls):
                    return kind
            except Exception as error:
                if kind in BUILTIN_KINDS:
                    raise
                raise UnsupportedType(
                    f"record kind {kind.name!r} raised {type(error).__name__} while "
                    f"detecting {qualified_name(cls)}: {error}"
                ) from error
        return None

    def named(self, name: object) -> RecordKind | None:
        return next((kind for kind in self.kinds if kind.name == name), None)


def _remembered(cache: dict[type, _T], cls: type, compute: Callable[[], _T]) -> _T:
    """``compute()`` once per class; every time for a class that cannot be a dict key."""
    try:
        return cache[cls]
    except KeyError:
        pass
    except TypeError:  # an unhashable class object
        return compute()
    cache[cls] = value = compute()
    return value


_REGISTRY: Final = _Registry()


def use_project_kinds(kinds: Iterable[RecordKind]) -> None:
    """Make ``kinds`` (a project's own, validated by the caller) the ones asked first."""
    _REGISTRY.use(list(kinds))


def claim_project_modules(modules: Iterable[str]) -> None:
    """Mark the top-level packages of these modules as the project's own (declared roots)."""
    tops = {module.split(".")[0] for module in modules}
    if not tops <= PROJECT_TOPS:
        PROJECT_TOPS.update(tops)
        _REGISTRY.use(_REGISTRY.project)


def project_kinds() -> tuple[RecordKind, ...]:
    return _REGISTRY.project


def kind_of(cls: object) -> RecordKind | None:
    """The kind of a record class (or parametrised generic of one), or None."""
    origin = origin_class(cls)
    return None if origin is None else _REGISTRY.kind_of(origin)


def kind_named(name: object) -> RecordKind | None:
    """The registered kind called ``name`` (a layout's ``kind``), or None."""
    return _REGISTRY.named(name)


def supported_kinds() -> tuple[str, ...]:
    return tuple(kind.name for kind in _REGISTRY.kinds)


def is_record_type(obj: object) -> bool:
    """True for a class (or parametrised generic of one) of a registered kind."""
    return kind_of(obj) is not None


def inspect_record(cls: object) -> RecordInfo:
    """Introspect a record type; raise UnsupportedType for anything else."""
    origin = origin_class(cls)
    kind = None if origin is None else _REGISTRY.kind_of(origin)
    if origin is None or kind is None:
        raise UnsupportedType(_unsupported_message(cls))
    try:
        info = _REGISTRY.inspect(kind, origin)
    except UnsupportedType:
        raise
    except Exception as error:
        if kind in BUILTIN_KINDS:
            raise
        raise UnsupportedType(
            f"record kind {kind.name!r} raised {type(error).__name__} while inspecting "
            f"{qualified_name(origin)}: {error}"
        ) from error
    mapping = substitution(cls, origin)
    if mapping:
        fields = tuple(
            attrs.evolve(field, hint=substitute(field.hint, mapping)) for field in info.fields
        )
        info = attrs.evolve(info, fields=fields)
    return info


def record_name(cls: object) -> str:
    """Qualified name of a record class, or the spelling of a parametrised one."""
    if isinstance(cls, type):
        return qualified_name(cls)
    return type_name(cls)


def referenced_types(hint: object) -> list[type]:
    """Record and enum classes inside a hint, in order of appearance, each once.

    A parametrised generic record appears as its alias (``Box[int]``).
    """
    found: list[object] = []
    walk_hint(hint, found, is_record_type)
    return typing.cast(list[type], found)


def record_fields(value: object) -> list[tuple[str, object]] | None:
    """(name, value) of a record instance's layout fields; None for anything else."""
    kind = kind_of(type(value))
    if kind is None or kind.has_members:
        return None
    info = inspect_record(type(value))
    if isinstance(value, Mapping):
        return [(field.name, value.get(field.name, MISSING)) for field in info.fields]
    return [(field.name, getattr(value, field.name, MISSING)) for field in info.fields]


def stable_repr(value: object) -> str:
    """A repr that is the same in every run: no ids, no hash-seed order; records by field."""
    return _stable_repr_of(value, record_fields)


def _unsupported_message(obj: object) -> str:
    name = record_name(obj) if isinstance(obj, type) else _describe(obj)
    return (
        f"{name} is not a supported record type: expected a class of kind "
        f"{', '.join(supported_kinds())} (pickle: a plain class with __slots__, "
        "class annotations, __getstate__/__setstate__, __reduce__ or attributes set in "
        "__init__; another kind can be added: docs/record-kinds.md)"
    )


def _describe(obj: object) -> str:
    qualname = getattr(obj, "__qualname__", None)
    module = getattr(obj, "__module__", None)
    if isinstance(qualname, str) and isinstance(module, str):
        return f"{module}:{qualname} ({type(obj).__name__})"
    return type_name(obj)
