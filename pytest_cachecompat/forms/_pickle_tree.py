"""A pickle read symbolically: the tree of what it would build, without running any of it.

A small stack machine over ``pickletools.genops`` (which only parses) builds
what ``pickle.loads`` would build, with named references instead of imports
and calls (the opcodes as ``pickletools`` documents them). What the bytes
say but a loaded value cannot show is dropped:
memo numbers (references are resolved), frame lengths, and the iteration
order of sets, which follows the hash seed; a set's items are sorted.

Node shapes (besides the plain JSON of ``_tree``):

- ``{"$global": "module:name"}`` — a class or function named in the bytes;
- ``{"$object": "module:Class", "args": [...], "state": ..., "slots": ...}`` —
  an instance made by ``cls.__new__`` (``NEWOBJ``, ``copyreg._reconstructor``);
- ``{"$call": "module:function", "args": [...], "state": ...}`` — ``REDUCE``;
- ``{"$tuple": [...]}``, ``{"$set": [...]}``, ``{"$frozenset": [...]}``,
  ``{"$bytearray": hex}``, ``{"$datetime" | "$date" | "$time": iso}``;
- ``{"$cycle": what}`` where a value contains itself.

``state`` and ``slots`` are present only when the pickle sets them; ``items``
(list items) and ``dict`` (key/value pairs) only for subclasses of list/dict.
"""

from __future__ import annotations

import io
import pickletools
from collections.abc import Callable
from typing import Any

from ._pickle_convert import Converter
from ._pickle_nodes import (
    Global,
    Leaf,
    Map,
    Obj,
    PickleTreeError,
    Seq,
    Unset,
)

__all__ = ["PickleTreeError", "pickle_tree"]


def pickle_tree(data: bytes, start: int = 0) -> tuple[object, int]:
    """The tree of the pickle at ``data[start:]`` and the offset just after its STOP."""
    machine = _Machine()
    stream = io.BytesIO(data)
    stream.seek(start)
    end = None
    try:
        for opcode, arg, pos in pickletools.genops(stream):
            if opcode.name == "STOP":
                end = (pos or 0) + 1
                break
            machine.step(opcode.name, arg)
    except PickleTreeError:
        raise
    except Exception as exc:  # malformed opcodes, a stack that does not add up
        raise PickleTreeError(f"{type(exc).__name__}: {exc}") from None
    if end is None or len(machine.stack) != 1 or machine.metastack:
        raise PickleTreeError("the pickle does not end in one value")
    try:
        return Converter().convert(machine.stack[0]), end
    except RecursionError:
        raise PickleTreeError("nested too deeply to show") from None


class _Machine:
    """What ``pickle.Unpickler`` does, with nodes instead of objects."""

    def __init__(self) -> None:
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.proto = 0

    def pop_mark(self) -> list[Any]:
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def step(self, name: str, arg: Any) -> None:
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, arg)
        elif name in _SCALARS:
            self.stack.append(_SCALARS[name](arg))
        else:
            raise PickleTreeError(f"opcode {name} is not supported")


def _proto(m: _Machine, arg: Any) -> None:
    m.proto = int(arg)


def _mark(m: _Machine, arg: Any) -> None:
    m.metastack.append(m.stack)
    m.stack = []


def _pop(m: _Machine, arg: Any) -> None:
    if m.stack:
        m.stack.pop()
    else:  # as pickle.Unpickler.load_pop does
        m.pop_mark()


def _append_to(target: Any, items: list[Any]) -> None:
    if (isinstance(target, Seq) and target.kind == "list") or isinstance(target, Obj):
        target.items.extend(items)
    else:
        raise PickleTreeError("APPEND to something that is no list")


def _setitems_on(target: Any, items: list[Any]) -> None:
    pairs = list(zip(items[::2], items[1::2], strict=True))
    if isinstance(target, Map | Obj):
        target.pairs.extend(pairs)
    else:
        raise PickleTreeError("SETITEM on something that is no dict")


def _additems(m: _Machine, arg: Any) -> None:
    items = m.pop_mark()
    target = m.stack[-1]
    if not (isinstance(target, Seq) and target.kind == "set"):
        raise PickleTreeError("ADDITEMS to something that is no set")
    target.items.extend(items)


def _global(m: _Machine, arg: Any) -> None:
    module, _, name = str(arg).partition(" ")
    m.stack.append(_make_global(m, module, name))


def _stack_global(m: _Machine, arg: Any) -> None:
    name = m.stack.pop()
    module = m.stack.pop()
    if not (isinstance(module, str) and isinstance(name, str)):
        raise PickleTreeError("STACK_GLOBAL without a module and a name")
    m.stack.append(_make_global(m, module, name))


def _make_global(m: _Machine, module: str, name: str) -> Global:
    if m.proto < 3:
        # Python 2 names, as pickle.Unpickler maps them (fix_imports).
        import _compat_pickle

        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
    return Global(module, name)


def _build(m: _Machine, arg: Any) -> None:
    state = m.stack.pop()
    target = m.stack[-1]
    if not isinstance(target, Obj) or not isinstance(target.state, Unset):
        raise PickleTreeError("BUILD on something that is no new object")
    target.state = state


def _inst(m: _Machine, arg: Any) -> None:
    module, _, name = str(arg).partition(" ")
    args = m.pop_mark()
    m.stack.append(Obj(_make_global(m, module, name), Seq("tuple", args), new=True))


def _obj(m: _Machine, arg: Any) -> None:
    items = m.pop_mark()
    if not items:
        raise PickleTreeError("OBJ without a class")
    m.stack.append(Obj(items[0], Seq("tuple", items[1:]), new=True))


def _newobj_ex(m: _Machine, arg: Any) -> None:
    kwargs = m.stack.pop()
    args = m.stack.pop()
    cls = m.stack.pop()
    m.stack.append(Obj(cls, args, new=True, kwargs=kwargs))


def _pop_n(m: _Machine, n: int) -> list[Any]:
    if len(m.stack) < n:
        raise PickleTreeError("stack underflow")
    items = m.stack[len(m.stack) - n :]
    del m.stack[len(m.stack) - n :]
    return items


def _memo_put(m: _Machine, key: int) -> None:
    m.memo[key] = m.stack[-1]


def _memo_get(m: _Machine, key: int) -> None:
    if key not in m.memo:
        raise PickleTreeError(f"memo reference {key} to nothing")
    m.stack.append(m.memo[key])


def _setitem(m: _Machine, arg: Any) -> None:
    value = m.stack.pop()
    key = m.stack.pop()
    _setitems_on(m.stack[-1], [key, value])


def _append(m: _Machine, arg: Any) -> None:
    value = m.stack.pop()
    _append_to(m.stack[-1], [value])


def _reduce(m: _Machine, arg: Any) -> None:
    args = m.stack.pop()
    func = m.stack.pop()
    m.stack.append(Obj(func, args, new=False))


def _newobj(m: _Machine, arg: Any) -> None:
    args = m.stack.pop()
    cls = m.stack.pop()
    m.stack.append(Obj(cls, args, new=True))


def _seq_from(kind: str) -> Callable[[_Machine, Any], None]:
    def handler(m: _Machine, arg: Any) -> None:
        items = m.pop_mark()  # before m.stack is read: popping the mark replaces it
        m.stack.append(Seq(kind, items))

    return handler


def _tuple_n(n: int) -> Callable[[_Machine, Any], None]:
    return lambda m, arg: m.stack.append(Seq("tuple", _pop_n(m, n)))


def _dict_from_mark(m: _Machine, arg: Any) -> None:
    node = Map()
    _setitems_on(node, m.pop_mark())
    m.stack.append(node)


def _leaf(tree: Callable[[Any], object]) -> Callable[[_Machine, Any], None]:
    return lambda m, arg: m.stack.append(Leaf(tree(arg)))


def _binpersid(m: _Machine, arg: Any) -> None:
    m.stack.append(Obj(Leaf({"$persistent": None}), Seq("tuple", [m.stack.pop()]), new=False))


_Handler = Callable[[_Machine, Any], None]

_HANDLERS: dict[str, _Handler] = {
    "PROTO": _proto,
    "FRAME": lambda m, arg: None,
    "MARK": _mark,
    "POP": _pop,
    "POP_MARK": lambda m, arg: _discard(m.pop_mark()),
    "DUP": lambda m, arg: m.stack.append(m.stack[-1]),
    "EMPTY_LIST": lambda m, arg: m.stack.append(Seq("list", [])),
    "EMPTY_TUPLE": lambda m, arg: m.stack.append(Seq("tuple", [])),
    "EMPTY_DICT": lambda m, arg: m.stack.append(Map()),
    "EMPTY_SET": lambda m, arg: m.stack.append(Seq("set", [])),
    "LIST": _seq_from("list"),
    "TUPLE": _seq_from("tuple"),
    "FROZENSET": _seq_from("frozenset"),
    "DICT": _dict_from_mark,
    "TUPLE1": _tuple_n(1),
    "TUPLE2": _tuple_n(2),
    "TUPLE3": _tuple_n(3),
    "APPEND": _append,
    "APPENDS": lambda m, arg: _appends(m),
    "SETITEM": _setitem,
    "SETITEMS": lambda m, arg: _setitems(m),
    "ADDITEMS": _additems,
    "PUT": lambda m, arg: _memo_put(m, int(arg)),
    "BINPUT": lambda m, arg: _memo_put(m, int(arg)),
    "LONG_BINPUT": lambda m, arg: _memo_put(m, int(arg)),
    "MEMOIZE": lambda m, arg: _memo_put(m, len(m.memo)),
    "GET": lambda m, arg: _memo_get(m, int(arg)),
    "BINGET": lambda m, arg: _memo_get(m, int(arg)),
    "LONG_BINGET": lambda m, arg: _memo_get(m, int(arg)),
    "GLOBAL": _global,
    "STACK_GLOBAL": _stack_global,
    "REDUCE": _reduce,
    "NEWOBJ": _newobj,
    "NEWOBJ_EX": _newobj_ex,
    "BUILD": _build,
    "INST": _inst,
    "OBJ": _obj,
    "EXT1": _leaf(lambda code: {"$extension": code}),
    "EXT2": _leaf(lambda code: {"$extension": code}),
    "EXT4": _leaf(lambda code: {"$extension": code}),
    "PERSID": _leaf(lambda pid: {"$persistent": str(pid)}),
    "BINPERSID": _binpersid,
    "NEXT_BUFFER": _leaf(lambda arg: {"$buffer": "out-of-band"}),
    "READONLY_BUFFER": lambda m, arg: None,
}


def _discard(items: list[Any]) -> None:
    pass


def _appends(m: _Machine) -> None:
    items = m.pop_mark()
    _append_to(m.stack[-1], items)


def _setitems(m: _Machine) -> None:
    items = m.pop_mark()
    if len(items) % 2:
        raise PickleTreeError("SETITEMS with a key but no value")
    _setitems_on(m.stack[-1], items)


def _string(arg: Any) -> Any:
    # Python 2 str: pickle.Unpickler decodes it as ASCII text by default.
    return arg if isinstance(arg, str) else bytes(arg)


def _int(arg: Any) -> Any:
    # Protocol 0 writes True/False as INT "01"/"00"; pickletools gives them as bools.
    return arg if isinstance(arg, bool) else int(arg)


_SCALARS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(("INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"), _int),
    **dict.fromkeys(("STRING", "BINSTRING", "SHORT_BINSTRING"), _string),
    **dict.fromkeys(("BINBYTES", "SHORT_BINBYTES", "BINBYTES8"), bytes),
    "BYTEARRAY8": bytearray,
    "NONE": lambda arg: None,
    "NEWTRUE": lambda arg: True,
    "NEWFALSE": lambda arg: False,
    **dict.fromkeys(("UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8"), str),
    **dict.fromkeys(("FLOAT", "BINFLOAT"), float),
}
