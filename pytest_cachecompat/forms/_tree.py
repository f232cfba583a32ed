"""Building blocks of a decoded tree, shared by every decoder.

A decoded tree is plain JSON: str/int/bool/None as themselves, lists, objects
with str keys, and ``{"$tag": ...}`` nodes for everything JSON lacks (bytes,
non-finite floats, maps with other keys, sets, tuples, pickled objects).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

__all__ = ["bytes_node", "float_node", "map_node", "sort_key"]


def float_node(value: float) -> object:
    if math.isfinite(value):
        return value
    return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def bytes_node(value: bytes) -> object:
    return {"$bytes": bytes(value).hex()}


def map_node(items: Sequence[tuple[object, object]]) -> object:
    """A map: a plain object when its keys allow, else every pair in order under ``$map``."""
    plain = all(isinstance(k, str) and not k.startswith("$") for k, _ in items)
    keys = {k for k, _ in items} if plain else set()
    if plain and len(keys) == len(items):
        return dict(items)
    # Non-str keys (ints, arrays...), "$"-keys that would read as our own
    # tags, or repeated keys: keep every pair, in order.
    return {"$map": [[k, v] for k, v in items]}


def sort_key(node: object) -> str:
    """A total, hash-seed independent order of tree nodes (for sets)."""
    return json.dumps(node, sort_keys=True, ensure_ascii=True)
