"""Plain classes written with pickle: the layout is what pickle stores.

Pickle stores an instance's slots and ``__dict__`` (or what ``__getstate__``
returns, or the arguments ``__reduce__`` gives), never its annotations or
class attributes. So the fields are, by how the class pickles:

- ``reduce``: the constructor's parameters (``__reduce__`` usually hands them on);
- ``slots``: the slot names (private ones mangled, as they are stored), plus the
  attributes ``__init__`` assigns when instances also have a ``__dict__``;
- ``dict``: the attributes ``__init__`` assigns (``self.x = ...``), in
  assignment order, else the annotated names;
- ``getstate``: annotated names and slots, else the constructor's parameters.

Pickle writes no types, so the stored fields are ``Any`` (annotations decide
neither the layout nor the default samples) and types are never compared
(``compares_types``; the constructor parameters of ``reduce`` and ``__init__``
classes keep their annotations, which shape the samples): an annotation-only
change is no change.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from ._hints import HintResult, is_classvar, resolve_hints
from ._model import MISSING, FieldInfo, RecordInfo
from ._protocol import RecordKind

# Library types are values, never project records, even when they pickle
# through __reduce__ or __slots__ (datetime, UUID, Path, pydantic's Url...).
_LIBRARY_TOPS: Final = frozenset(
    {"pydantic", "pydantic_core", "msgspec", "attr", "attrs", "typing_extensions"}
)
INIT_SOURCE: Final = "__init__ assignments"
# Top-level packages of the declared roots: the project's own, even when it is
# installed into site-packages (a tox environment of an older release).
PROJECT_TOPS: set[str] = set()
_INSTALLED: dict[str, bool] = {}


class PickleKind(RecordKind):
    name = "pickle"
    compares_types = False

    def detect(self, cls: type) -> bool:
        return pickle_state(cls) is not None

    def inspect(self, cls: type) -> RecordInfo:
        state = pickle_state(cls) or "dict"
        resolved = _hints(cls)
        names, source = _stored_names(cls, state, resolved.hints)
        if names is None:
            fields = init_parameters(cls)
        else:
            # Pickle stores values, not their annotations: a field is Any, so that
            # neither the layout nor the default samples follow an annotation.
            fields = tuple(_field(cls, name, Any) for name in names)
        # Pickle stores no annotations: one that cannot be resolved does not matter.
        return RecordInfo(cls, self.name, {"state": state}, fields, source=source)

    def constructor_fields(self, info: RecordInfo) -> list[FieldInfo]:
        if info.options.get("state") == "reduce" or info.source == INIT_SOURCE:
            return list(init_parameters(info.cls))
        return list(info.fields)

    def build(self, info: RecordInfo, values: Mapping[str, object]) -> object:
        if info.source == INIT_SOURCE:
            # __init__ decides what the instance holds: what pickle then writes.
            return info.cls(**values)
        if info.options.get("state") == "reduce":
            # __reduce__ usually needs what __init__ sets up; fields then come
            # from __init__'s parameters, so the constructor takes them.
            try:
                return info.cls(**values)
            except Exception:
                pass
        # Plain classes may have any __init__; pickle restores state without it.
        instance: object = typing.cast(Any, info.cls).__new__(info.cls)
        for name, value in values.items():
            object.__setattr__(instance, name, value)
        return instance

    def field_values(self, value: Any) -> list[tuple[str, object]]:
        return object_state(value) or []

    def moved_note(self, old_name: str) -> str:
        return (
            f"pickle writes the import path into every entry: entries written before name "
            f"{old_name}, which pickle can no longer find once the class is gone from there"
        )


def pickle_state(cls: type) -> str | None:
    """How instances of a plain project class pickle, or None when it is no pickle record."""
    if not _is_plain_project_class(cls):
        return None
    own = _own_mro(cls)
    if any("__reduce__" in c.__dict__ or "__reduce_ex__" in c.__dict__ for c in own):
        return "reduce"
    if any("__getstate__" in c.__dict__ or "__setstate__" in c.__dict__ for c in own):
        return "getstate"
    if any("__slots__" in c.__dict__ for c in own):
        return "slots"
    if any(_annotated(c) for c in own) or init_assignments(cls):
        return "dict"
    return None


def slot_names(cls: type) -> list[str]:
    """Slots of ``cls`` and its bases (bases first), as stored: private ones mangled."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot in ("__dict__", "__weakref__"):
                continue
            stored = _mangled(klass, slot)
            if stored not in names:
                names.append(stored)
    return names


def object_state(value: object) -> list[tuple[str, object]] | None:
    """(name, value) of an object's slots (bases first) then ``__dict__``, as pickle sees them."""
    has_dict = hasattr(value, "__dict__")
    slots = slot_names(type(value))
    if not has_dict and not slots:
        return None
    pairs: list[tuple[str, object]] = []
    unset = object()
    for name in slots:
        item = getattr(value, name, unset)
        if item is not unset:  # an unassigned slot has no value to record
            pairs.append((name, item))
    if has_dict:
        pairs.extend(vars(value).items())
    return pairs


def init_parameters(cls: type) -> tuple[FieldInfo, ...]:
    """The parameters of the class's own ``__init__`` (after ``self``), as fields."""
    init = _own_init(cls)
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


def init_assignments(cls: type) -> list[str]:
    """Attributes that ``__init__`` assigns on ``self``, in order (empty when unknown)."""
    init = _own_init(cls)
    if init is None:
        return []
    try:
        source = textwrap.dedent(inspect.getsource(init))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return []
    function = tree.body[0] if tree.body else None
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or not function.args.args:
        return []
    self_name = function.args.args[0].arg
    names: list[str] = []
    for target in _assigned(function):
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == self_name
        ):
            stored = _mangled(cls, target.attr)
            if stored not in names:
                names.append(stored)
    return names


def _assigned(function: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                yield from _unpacked(target)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            yield node.target


def _unpacked(target: ast.expr) -> Iterator[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _unpacked(element)
    else:
        yield target


def _stored_names(
    cls: type, state: str, hints: Mapping[str, Any]
) -> tuple[list[str] | None, str | None]:
    """The names pickle stores for ``state``, and where they came from (None: the default)."""
    if state == "reduce":
        return None, None
    annotated = [name for name, hint in hints.items() if not is_classvar(hint)]
    if state == "slots":
        names = slot_names(cls)
        if _has_instance_dict(cls):
            names += [n for n in init_assignments(cls) if n not in names]
        return names, None
    if state == "dict":
        assigned = init_assignments(cls)
        if assigned:
            return assigned, INIT_SOURCE
        # Annotated names with a class-level value are defaults that instances
        # may override; the samples set them, so they are in __dict__ too.
        return annotated, None
    names = annotated + [slot for slot in slot_names(cls) if slot not in annotated]
    return (names or None), None


def _field(cls: type, name: str, hint: object) -> FieldInfo:
    default = MISSING
    for klass in cls.__mro__:
        value = klass.__dict__.get(name, MISSING)
        if value is not MISSING and not isinstance(value, types.MemberDescriptorType):
            default = value
            break
    return FieldInfo(name=name, hint=hint, required=default is MISSING, default=default)


def _hints(cls: type) -> HintResult:
    """Annotations keyed by the name pickle stores (``__token`` of ``Cls`` is ``_Cls__token``)."""
    resolved = resolve_hints(cls)
    owners = {
        name: klass for klass in reversed(cls.__mro__) for name in inspect.get_annotations(klass)
    }
    hints = {
        _mangled(owners[name], name) if name in owners else name: hint
        for name, hint in resolved.hints.items()
    }
    return HintResult(hints, resolved.unresolved)


def _mangled(klass: type, name: str) -> str:
    if name.startswith("__") and not name.endswith("__"):
        return f"_{klass.__name__.lstrip('_')}{name}"
    return name


def _has_instance_dict(cls: type) -> bool:
    return any(
        "__dict__" in (klass.__dict__.get("__slots__", ()) or ()) for klass in cls.__mro__
    ) or any("__slots__" not in klass.__dict__ for klass in _own_mro(cls))


def _annotated(cls: type) -> bool:
    return bool(inspect.get_annotations(cls))


def _own_init(cls: type) -> Callable[..., object] | None:
    for klass in _own_mro(cls):
        init = klass.__dict__.get("__init__")
        if callable(init):
            return typing.cast("Callable[..., object]", init)
    return None


def _is_plain_project_class(cls: type) -> bool:
    top = cls.__module__.split(".")[0]
    if top in sys.stdlib_module_names or top in _LIBRARY_TOPS:
        return False
    if top not in PROJECT_TOPS and _installed(top):
        # Another distribution's class (a case-insensitive dict, a cookie jar): it
        # is named in the layout, not guessed into one; what it contributes to the
        # bytes is guarded by the serialized form.
        return False
    if getattr(cls, "_is_protocol", False) or issubclass(cls, BaseException):
        return False
    # Subclasses of builtin containers/scalars pickle as those builtins.
    return all(base.__module__ != "builtins" or base is object for base in cls.__mro__)


def _own_mro(cls: type) -> list[type]:
    return [c for c in cls.__mro__ if c is not object and c.__module__ != "typing"]


def _installed(top: str) -> bool:
    """Whether a top-level package lies in site-packages: another distribution's code."""
    if top not in _INSTALLED:
        _INSTALLED[top] = _in_site_packages(sys.modules.get(top))
    return _INSTALLED[top]


def _in_site_packages(module: object) -> bool:
    import site
    import sysconfig

    location = getattr(module, "__file__", None)
    if not isinstance(location, str):
        return False
    paths = sysconfig.get_paths()
    roots = {paths["purelib"], paths["platlib"], *site.getsitepackages()}
    with contextlib.suppress(AttributeError):
        roots.add(site.getusersitepackages())
    resolved = Path(location).resolve()
    return any(resolved.is_relative_to(Path(root).resolve()) for root in roots if root)
