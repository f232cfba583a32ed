"""The nodes a pickle read symbolically is made of, before they become a tree."""

from __future__ import annotations

from typing import Any

__all__ = [
    "MAX_NODES",
    "UNSET",
    "Global",
    "Leaf",
    "Map",
    "Node",
    "Obj",
    "PickleTreeError",
    "Seq",
    "Unset",
]

MAX_NODES = 500_000  # shared references are expanded; this bounds a pathological pickle


class PickleTreeError(ValueError):
    """The bytes are no pickle this reader can follow (the caller tries other formats)."""


class Node:
    __slots__ = ()


class Seq(Node):
    __slots__ = ("items", "kind")

    def __init__(self, kind: str, items: list[Any]) -> None:
        self.kind = kind  # list | tuple | set | frozenset
        self.items = items


class Map(Node):
    __slots__ = ("pairs",)

    def __init__(self) -> None:
        self.pairs: list[tuple[Any, Any]] = []


class Global(Node):
    __slots__ = ("ref",)

    def __init__(self, module: str, name: str) -> None:
        self.ref = f"{module}:{name}"


class Obj(Node):
    __slots__ = ("args", "func", "items", "kwargs", "new", "pairs", "state")

    def __init__(self, func: Any, args: Any, *, new: bool, kwargs: Any = None) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.new = new  # cls.__new__(cls, *args) rather than func(*args)
        self.state: Any = UNSET
        self.items: list[Any] = []
        self.pairs: list[tuple[Any, Any]] = []


class Leaf(Node):
    """A node that is already a finished tree (extension codes, persistent ids, buffers)."""

    __slots__ = ("tree",)

    def __init__(self, tree: object) -> None:
        self.tree = tree


class Unset:
    pass


UNSET = Unset()
