"""`pytest --cache-compat-discover` (docs/record-kinds.md): every type reaching `dumps` is declared.

The project's normal test suite runs with every family's ``dumps`` watched.
Watching goes by the function's *code object*, not by the module attribute,
so a call is seen however ``dumps`` was imported (``from mypkg.cache import
dumps``, a method, a ``functools.partial``): ``sys.monitoring`` on Python
3.12+, ``sys.setprofile`` (and ``threading.setprofile``) on 3.11. A ``dumps``
implemented in C has no code object and cannot be watched: the run stops
with a usage error that says how to wrap it.

Every argument of every call is walked (records, containers, plain objects;
recursion-safe and bounded); each class that ``kinds.is_record_type``
accepts and that the family does not cover (its roots and everything
reachable from them, ``layout.collect_types``) is remembered with the first
test that wrote it. At the end of the session the run fails, listing them.
Under pytest-xdist the workers send what they found to the controller.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import inspect
import sys
import threading
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Final

import attrs

from pytest_cachecompat.errors import CacheCompatError
from pytest_cachecompat.kinds import is_record_type

if TYPE_CHECKING:
    from pytest_cachecompat.config import ResolvedFamily

WORKER_KEY: Final = "cachecompat_discover"
SECTION: Final = "cache-compat discover"
# Bounds of one walk: a dumps argument is data, not an object graph to explore fully.
MAX_NODES: Final = 10_000
MAX_DEPTH: Final = 64
MAX_TESTS: Final = 1000  # tests remembered per finding (for "and N more tests")

_LEAVES: Final = (str, bytes, bytearray, memoryview, int, float, complex, bool, type(None))
_NOT_DATA: Final = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    types.FrameType,
    BaseException,
    threading.Thread,
)


class WatchError(CacheCompatError):
    """A dumps that cannot be watched; the message says why and what to do."""


# --- which code to watch ------------------------------------------------------------


@attrs.frozen
class Target:
    """One watched code object: the families that write through it."""

    code: types.CodeType
    skip_first: bool  # a method: its first parameter is the serializer, not data
    families: tuple[str, ...]
    refs: tuple[str, ...]


def code_of(dumps: object, ref: str, family: str) -> tuple[types.CodeType, bool]:
    """The Python code object that runs on every ``dumps`` call, and whether to skip ``self``."""
    function: object = dumps
    while isinstance(function, functools.partial):
        function = function.func
    with contextlib.suppress(ValueError):  # a cycle of __wrapped__
        function = inspect.unwrap(function)  # type: ignore[arg-type]
    if inspect.ismethod(function):
        return _code(function.__func__, dumps, ref, family), True
    if isinstance(getattr(function, "__code__", None), types.CodeType):
        return _code(function, dumps, ref, family), False
    call = inspect.getattr_static(type(function), "__call__", None)
    if isinstance(call, types.FunctionType):
        return call.__code__, True
    raise WatchError(_c_message(dumps, ref, family))


def _code(function: object, dumps: object, ref: str, family: str) -> types.CodeType:
    code = getattr(function, "__code__", None)
    if not isinstance(code, types.CodeType):
        raise WatchError(_c_message(dumps, ref, family))
    return code


def _c_message(dumps: object, ref: str, family: str) -> str:
    return (
        f"family {family!r}: dumps = {ref} is {dumps!r}, which has no Python code object "
        "(it is implemented in C): --cache-compat-discover watches calls by the function's "
        "code, so it cannot see calls to it. Point dumps at a Python function that calls it, "
        "e.g. `def dumps(obj): return _encoder.encode(obj)`."
    )


def targets_of(families: Iterable[ResolvedFamily]) -> dict[types.CodeType, Target]:
    """One target per distinct code object; families sharing a dumps share a target."""
    targets: dict[types.CodeType, Target] = {}
    for family in families:
        code, skip_first = code_of(family.dumps, family.dumps_ref, family.name)
        known = targets.get(code)
        if known is None:
            targets[code] = Target(code, skip_first, (family.name,), (family.dumps_ref,))
        else:
            targets[code] = attrs.evolve(
                known,
                families=(*known.families, family.name),
                refs=tuple(dict.fromkeys((*known.refs, family.dumps_ref))),
            )
    return targets


def call_arguments(frame: types.FrameType, skip_first: bool) -> list[object]:
    """The values of every parameter of the call that starts in ``frame``."""
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    names = code.co_varnames[:count]
    if skip_first:
        names = names[1:]
    local = frame.f_locals
    return [local[name] for name in names if name in local]


# --- watching -------------------------------------------------------------------


class Watcher:
    """Calls ``on_call(code, frame)`` whenever one of ``codes`` starts running."""

    def __init__(
        self,
        codes: Iterable[types.CodeType],
        on_call: Callable[[types.CodeType, types.FrameType], None],
    ) -> None:
        self.codes = frozenset(codes)
        self.on_call = on_call
        self._tool: int | None = None
        self._previous: Any = None
        self._previous_threading: Any = None
        self._active = False

    def start(self) -> None:
        if self._active:
            return
        if hasattr(sys, "monitoring"):
            self._start_monitoring()
        else:
            self._start_profile()
        self._active = True

    def stop(self) -> None:
        if not self._active:
            return
        if self._tool is not None:
            self._stop_monitoring()
        else:
            sys.setprofile(self._previous)
            threading.setprofile(self._previous_threading)
        self._active = False

    # sys.monitoring (3.12+): events only for the watched code objects.
    def _start_monitoring(self) -> None:
        monitoring: Any = getattr(sys, "monitoring")  # noqa: B009 - absent on 3.11
        for tool in (4, 3, 5, 2):  # free ids first; 0-2 are debugger, coverage, profiler
            if monitoring.get_tool(tool) is None:
                monitoring.use_tool_id(tool, "pytest-cachecompat discover")
                break
        else:
            raise WatchError("no free sys.monitoring tool id: another tool uses all of them")
        self._tool = tool
        start = monitoring.events.PY_START
        monitoring.register_callback(tool, start, self._on_start)
        for code in self.codes:
            monitoring.set_local_events(tool, code, start)

    def _stop_monitoring(self) -> None:
        monitoring: Any = getattr(sys, "monitoring")  # noqa: B009 - absent on 3.11
        tool = self._tool
        for code in self.codes:
            monitoring.set_local_events(tool, code, 0)
        monitoring.register_callback(tool, monitoring.events.PY_START, None)
        monitoring.free_tool_id(tool)
        self._tool = None

    def _on_start(self, code: types.CodeType, offset: int) -> object:
        frame = sys._getframe(1)
        if frame.f_code is code:
            self.on_call(code, frame)
        return None

    # sys.setprofile (3.11): every call event, filtered to the watched codes.
    def _start_profile(self) -> None:
        self._previous = sys.getprofile()
        self._previous_threading = threading.getprofile()
        previous = self._previous
        codes = self.codes
        on_call = self.on_call

        def profile(frame: types.FrameType, event: str, arg: object) -> None:
            if event == "call" and frame.f_code in codes:
                on_call(frame.f_code, frame)
            if previous is not None:
                previous(frame, event, arg)

        sys.setprofile(profile)
        threading.setprofile(profile)


# --- walking what reached dumps ---------------------------------------------------


def walk(value: object, found: Callable[[type, str], None]) -> None:
    """Call ``found(cls, path)`` for every record-type instance inside ``value``.

    Depth-first, each object once, at most ``MAX_NODES`` objects and
    ``MAX_DEPTH`` levels: a cyclic or huge argument cannot hang the suite.
    """
    seen: set[int] = set()
    stack: list[tuple[object, str, int]] = [(value, "", 0)]
    nodes = 0
    while stack and nodes < MAX_NODES:
        obj, path, depth = stack.pop()
        if isinstance(obj, _LEAVES) or id(obj) in seen:
            continue
        seen.add(id(obj))
        nodes += 1
        cls = type(obj)
        if isinstance(obj, _NOT_DATA):
            continue
        if _is_record_class(cls):
            found(cls, path or "<argument>")
        if isinstance(obj, enum.Enum) or depth >= MAX_DEPTH:
            continue
        children = list(_children(obj))
        for step, child in reversed(children):
            stack.append((child, path + step, depth + 1))


def _is_record_class(cls: type) -> bool:
    try:
        return is_record_type(cls)
    except Exception:
        return False


def _children(obj: object) -> Iterator[tuple[str, object]]:
    """(path step, value) of everything an object holds that a serializer could write."""
    try:
        if isinstance(obj, dict):
            for index, (key, item) in enumerate(list(obj.items())):
                yield f"[key {index}]", key
                yield f"[{key!r}]" if isinstance(key, str | int) else f"[value {index}]", item
            return
        if isinstance(obj, list | tuple | set | frozenset):
            items = list(obj)
            if isinstance(obj, set | frozenset):
                items.sort(key=lambda item: (type(item).__name__, repr(item)))
            fields = getattr(type(obj), "_fields", None)
            if isinstance(obj, tuple) and isinstance(fields, tuple):
                yield from ((f".{name}", item) for name, item in zip(fields, items, strict=False))
                return
            yield from ((f"[{index}]", item) for index, item in enumerate(items))
            return
        yield from _attribute_children(obj)
    except Exception:
        return  # a value that cannot be looked into is simply not walked


def _attribute_children(obj: object) -> Iterator[tuple[str, object]]:
    names: list[str] = []
    fields = getattr(type(obj), "__struct_fields__", None)  # msgspec
    if isinstance(fields, tuple):
        names.extend(fields)
    if attrs.has(type(obj)):
        names.extend(a.name for a in attrs.fields(typing.cast(Any, type(obj))))
    dataclass_fields = getattr(type(obj), "__dataclass_fields__", None)
    if isinstance(dataclass_fields, dict):
        names.extend(dataclass_fields)
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict):
        names.extend(str(name) for name in attributes)
    extra = getattr(obj, "__pydantic_extra__", None)
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend((slots,) if isinstance(slots, str) else slots)
    for name in dict.fromkeys(names):
        if name in ("__dict__", "__weakref__") or name.startswith("__pydantic"):
            continue
        try:
            value = getattr(obj, name)
        except Exception:
            continue
        yield f".{name}", value
    if isinstance(extra, dict):
        yield from ((f".{key}", value) for key, value in extra.items())


# --- what was found ------------------------------------------------------------------


@attrs.define
class Finding:
    """One undeclared record type, where it was first seen and by whom."""

    record: str
    family: str
    dumps: str
    path: str
    first_index: int  # collection index of the first test that wrote it (-1: outside tests)
    first_test: str | None
    tests: list[str] = attrs.field(factory=list)

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(**data)

    def merge(self, other: Finding) -> None:
        if _order(other.first_index) < _order(self.first_index):
            self.first_index, self.first_test, self.path = (
                other.first_index,
                other.first_test,
                other.path,
            )
        self.tests = sorted(set(self.tests) | set(other.tests))


def _order(index: int) -> float:
    return float("inf") if index < 0 else index
