"""Postponed annotations, forward references and recursive types."""

# ruff: noqa: UP045 - the old typing spellings are under test

from __future__ import annotations

import dataclasses
from typing import Optional

import attrs

from .models import Color


@attrs.frozen
class Node:
    name: str
    children: list[Node] = attrs.Factory(list)
    parent: Optional[Node] = None
    leaf: Leaf | None = None


@dataclasses.dataclass
class Leaf:
    color: Color
    weight: float = 1.0


@dataclasses.dataclass
class Tree:
    root: Node
    index: dict[str, Leaf]
    later: Later | None = None


@dataclasses.dataclass
class Later:
    tree: Tree | None
