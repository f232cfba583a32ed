"""Nodes of a pickle read symbolically, as the readable tree a samples file shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pytest_cachecompat.layout import without_cycles

from . import _pickle_nodes as nodes
from ._tree import bytes_node, float_node, map_node, sort_key

__all__ = ["Converter"]


class Converter:
    """Nodes to a JSON tree; shared references are expanded, a cycle is named."""

    def __init__(self) -> None:
        self._active: set[int] = set()
        self._count = 0

    def convert(self, node: Any) -> object:
        self._count += 1
        if self._count > nodes.MAX_NODES:
            raise nodes.PickleTreeError(f"more than {nodes.MAX_NODES} values")
        if node is None or isinstance(node, bool | int | str):
            return node
        if isinstance(node, float):
            return float_node(node)
        if isinstance(node, bytearray):
            return {"$bytearray": bytes(node).hex()}
        if isinstance(node, bytes):
            return bytes_node(node)
        if isinstance(node, nodes.Leaf):
            return node.tree
        if isinstance(node, nodes.Global):
            return {"$global": node.ref}
        return without_cycles(self._active, node, self._container, _label)

    def _container(self, node: Any) -> object:
        if isinstance(node, nodes.Seq):
            items = [self.convert(item) for item in node.items]
            if node.kind == "list":
                return items
            if node.kind == "tuple":
                return {"$tuple": items}
            return {f"${node.kind}": sorted(items, key=sort_key)}
        if isinstance(node, nodes.Map):
            return self._map(node.pairs)
        if isinstance(node, nodes.Obj):
            return self._object(node)
        raise nodes.PickleTreeError(f"unexpected node {type(node).__name__}")

    def _map(self, pairs: list[tuple[Any, Any]]) -> object:
        return map_node([(self.convert(k), self.convert(v)) for k, v in pairs])

    def _args(self, args: Any) -> list[object]:
        if isinstance(args, nodes.Seq) and args.kind == "tuple":
            return [self.convert(item) for item in args.items]
        return [self.convert(args)]

    def _object(self, node: nodes.Obj) -> object:
        func = node.func
        args = self._args(node.args) if node.args is not None else []
        special = None if node.new else _special_call(func, args)
        if special is not None and isinstance(node.state, nodes.Unset) and not node.items:
            return special
        if not node.new and isinstance(func, nodes.Global) and func.ref == "copyreg:_reconstructor":
            # Protocols 0 and 1: copyreg._reconstructor(cls, base, state) is cls.__new__.
            tree: dict[str, object] = {"$object": _ref_text(args[0]) if args else "?"}
            if len(args) == 3 and args[1] != {"$global": "builtins:object"}:
                tree["base"] = args[1]
                if args[2] is not None:
                    tree["base_state"] = args[2]
        else:
            tree = {"$object" if node.new else "$call": self._callable(func)}
            if args:
                tree["args"] = args
        if node.kwargs is not None:
            kwargs = self.convert(node.kwargs)
            if kwargs != {}:
                tree["kwargs"] = kwargs
        if not isinstance(node.state, nodes.Unset):
            tree.update(self._state(node.state))
        if node.items:
            tree["items"] = [self.convert(item) for item in node.items]
        if node.pairs:
            tree["dict"] = self._map(node.pairs)
        return tree

    def _callable(self, func: Any) -> object:
        if isinstance(func, nodes.Global):
            return func.ref
        return self.convert(func)

    def _state(self, state: Any) -> dict[str, object]:
        # (dict state or None, slot state): what object.__reduce_ex__ gives a
        # class with __slots__ (pickle.md, "What reaches the bytes").
        if (
            isinstance(state, nodes.Seq)
            and state.kind == "tuple"
            and len(state.items) == 2
            and (state.items[0] is None or isinstance(state.items[0], nodes.Map))
            and isinstance(state.items[1], nodes.Map)
        ):
            parts: dict[str, object] = {}
            if state.items[0] is not None:
                parts["state"] = self.convert(state.items[0])
            parts["slots"] = self.convert(state.items[1])
            return parts
        return {"state": self.convert(state)}


def _ref_text(tree: object) -> object:
    if isinstance(tree, dict) and set(tree) == {"$global"}:
        return tree["$global"]
    return tree


def _label(node: Any) -> str:
    if isinstance(node, nodes.Seq):
        return node.kind
    if isinstance(node, nodes.Map):
        return "dict"
    if isinstance(node, nodes.Obj) and isinstance(node.func, nodes.Global):
        return node.func.ref
    return "object"


_DATETIME_TYPES: dict[str, tuple[type, str, int]] = {
    "datetime:datetime": (dt.datetime, "$datetime", 10),
    "datetime:date": (dt.date, "$date", 4),
    "datetime:time": (dt.time, "$time", 6),
}


def _special_call(func: Any, args: list[object]) -> object | None:
    """Calls that are how pickle writes a plain value: shown as that value."""
    if not isinstance(func, nodes.Global):
        return None
    ref = func.ref
    if ref in ("builtins:set", "builtins:frozenset") and len(args) <= 1:
        items = args[0] if args else []
        if isinstance(items, list):
            return {f"${ref.partition(':')[2]}": sorted(items, key=sort_key)}
    if ref == "_codecs:encode" and len(args) == 2 and args[1] == "latin1":
        # Protocols 0-2 write bytes as codecs.encode(text, "latin1").
        return bytes_node(args[0].encode("latin-1")) if isinstance(args[0], str) else None
    if ref == "builtins:bytearray" and len(args) == 1:
        arg = args[0]
        if isinstance(arg, dict) and set(arg) == {"$bytes"}:
            return {"$bytearray": arg["$bytes"]}
    if ref in _DATETIME_TYPES and len(args) == 1:
        return _datetime_value(ref, args[0])
    return None


def _datetime_value(ref: str, arg: object) -> object | None:
    """A naive datetime/date/time pickles as its packed bytes: shown as ISO text."""
    cls, tag, size = _DATETIME_TYPES[ref]
    if not (isinstance(arg, dict) and set(arg) == {"$bytes"}):
        return None
    packed = bytes.fromhex(str(arg["$bytes"]))
    if len(packed) != size:
        return None
    try:
        # The types' own constructors read the packed form; stdlib value types
        # from plain bytes, nothing of the project runs.
        value = cls(packed)
    except (TypeError, ValueError):
        return None
    return {tag: value.isoformat()}
