"""Serialized bytes as a readable, JSON-compatible tree.

The tree is what a reviewer reads in a recorded serialized form and what
``diff.diff_trees`` compares, so it keeps every distinction the bytes make
(bytes vs str, map key types, extension codes) while staying plain JSON.
"""

from __future__ import annotations

import json
import pickletools
from collections.abc import Callable
from typing import Any

import attrs
import msgpack  # type: ignore[import-untyped]  # ships no type information

from ._framing import find_payload, header_node
from ._pickle_tree import PickleTreeError, pickle_tree
from ._tree import bytes_node, float_node, map_node

__all__ = ["Decoded", "Framing", "FramingError", "decode_bytes", "hex_lines"]


@attrs.frozen
class Decoded:
    """The format the bytes were recognised as, and their readable tree.

    ``header`` is what came before the payload (a tree node: ``{"text": ...}``
    or ``{"$bytes": ...}``), ``trailer`` the bytes after a complete pickle,
    which ``pickle.loads`` ignores; both None when there are none.
    """

    format: str
    tree: object
    header: object = attrs.field(default=None, kw_only=True)
    trailer: object = attrs.field(default=None, kw_only=True)


Framing = Callable[[bytes], tuple[bytes, bytes]]


class FramingError(Exception):
    """The family's ``framing`` hook failed or returned something else than two byte strings."""


def decode_bytes(data: bytes, framing: Framing | None = None) -> Decoded:
    """Recognise and decode ``data``; never raises (unrecognised bytes are "raw").

    Order: pickle (first byte is the PROTO opcode 0x80), msgpack as one object
    using every byte, UTF-8 JSON, a pickle of protocol 0 or 1 (no PROTO
    opcode) using every byte, a payload after a short header (``_framing``),
    msgpack as several objects back to back, raw. Text formats and headers
    are tried before the msgpack *stream* because every ASCII byte is a
    complete msgpack integer: any text would read as a stream.

    With ``framing`` (the family's hook), the hook splits the header off and
    only the payload is recognised; its failures raise ``FramingError``.
    """
    data = bytes(data)
    if framing is not None:
        header, payload = _split(framing, data)
        decoded = decode_bytes(payload)
        return attrs.evolve(decoded, header=header_node(header) if header else decoded.header)
    if data[:1] == b"\x80":
        pickled = _pickle(data)
        if pickled is not None:
            return pickled
    objects = _msgpack_objects(data)
    if objects is not None and len(objects) == 1:
        return Decoded("msgpack", objects[0])
    parsed = _json_tree(data)
    if parsed is not _FAILED:
        return Decoded("json", parsed)
    old_pickle = _old_protocol_pickle(data)
    if old_pickle is not None:
        return old_pickle
    framed = find_payload(
        data,
        pickle_payload=_whole_pickle,
        json_payload=_whole_json,
        msgpack_payload=_whole_msgpack,
    )
    if framed is not None:
        length, fmt, tree = framed
        return Decoded(fmt, tree, header=header_node(data[:length]))
    if objects is not None and len(objects) > 1:
        return Decoded("msgpack-stream", objects)
    return Decoded("raw", None)


def _split(framing: Framing, data: bytes) -> tuple[bytes, bytes]:
    try:
        result = framing(data)
    except Exception as exc:
        raise FramingError(f"raised {type(exc).__name__}: {exc}") from exc
    if (
        not isinstance(result, tuple)
        or len(result) != 2
        or not all(isinstance(part, bytes | bytearray | memoryview) for part in result)
    ):
        raise FramingError(
            f"returned {type(result).__name__}, expected a tuple (header bytes, payload bytes)"
        )
    return bytes(result[0]), bytes(result[1])


def _whole_pickle(data: bytes) -> tuple[object] | None:
    decoded = _pickle(data)
    if decoded is None or decoded.format == "pickle-opcodes" or decoded.trailer is not None:
        return None
    return (decoded.tree,) if decoded.format == "pickle" else None


def _whole_json(data: bytes) -> tuple[object] | None:
    parsed = _json_tree(data)
    return None if parsed is _FAILED else (parsed,)


def _whole_msgpack(data: bytes) -> tuple[object] | None:
    objects = _msgpack_objects(data)
    return (objects[0],) if objects is not None and len(objects) == 1 else None


def hex_lines(data: bytes, width: int = 32) -> list[str]:
    """``data`` as lowercase hex, ``width`` bytes per line (no offsets: they shift noisily)."""
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    return [bytes(data[i : i + width]).hex() for i in range(0, len(data), width)]


# ---------------------------------------------------------------------------
# pickle
# ---------------------------------------------------------------------------


def _pickle(data: bytes) -> Decoded | None:
    """The symbolic tree of one pickle, or of several written back to back.

    A pickle this reader cannot follow is shown as its opcode listing.
    """
    trees: list[object] = []
    end = 0
    while end < len(data) and data[end : end + 1] == b"\x80":
        try:
            tree, end = pickle_tree(data, end)
        except PickleTreeError:
            if trees:
                break  # bytes after a complete pickle: a trailer
            lines = _pickle_lines(data)
            return None if lines is None else Decoded("pickle-opcodes", lines)
        trees.append(tree)
    trailer = bytes_node(data[end:]) if end < len(data) else None
    if len(trees) == 1:
        return Decoded("pickle", trees[0], trailer=trailer)
    return Decoded("pickle-stream", trees, trailer=trailer)


def _old_protocol_pickle(data: bytes) -> Decoded | None:
    if not data.endswith(b"."):  # STOP: a pickle ends there
        return None
    try:
        tree, end = pickle_tree(data)
    except PickleTreeError:
        return None
    return Decoded("pickle", tree) if end == len(data) else None


def _pickle_lines(data: bytes) -> list[str] | None:
    """pickletools disassembly, one opcode a line, without byte offsets."""
    lines: list[str] = []
    end = 0
    try:
        for opcode, arg, pos in pickletools.genops(data):
            lines.append(_opcode_line(opcode.name, arg))
            end = (pos or 0) + 1  # genops stops after STOP, a one-byte opcode
    except Exception:  # any malformed pickle: let the other formats try
        return None
    if end < len(data):
        # pickle.loads ignores bytes after STOP; still show that they are there.
        lines.append(f"TRAILING {data[end:].hex()}")
    return lines


def _opcode_line(name: str, arg: object) -> str:
    if arg is None or name == "FRAME":
        # A FRAME's argument is a byte count: like an offset, it shifts with
        # every change before it and would only add noise to a diff.
        return name
    return f"{name} {arg!r}"


# ---------------------------------------------------------------------------
# msgpack
# ---------------------------------------------------------------------------


class _Pairs(list[tuple[Any, Any]]):
    """A msgpack map as decoded, before it is turned into a tree node."""


def _msgpack_objects(data: bytes) -> list[object] | None:
    """Every object in ``data`` when the bytes are exactly a sequence of msgpack objects."""
    if not data:
        return None
    unpacker = msgpack.Unpacker(
        raw=False,
        strict_map_key=False,
        object_pairs_hook=_Pairs,
        max_buffer_size=max(len(data), 1024),
    )
    objects: list[object] = []
    end = 0
    try:
        unpacker.feed(data)
        for obj in unpacker:
            objects.append(_msgpack_tree(obj))
            # tell() also counts a truncated object's bytes, so note where
            # each complete one ends.
            end = unpacker.tell()
    except Exception:  # malformed, invalid UTF-8, too deep: not msgpack
        return None
    if end != len(data):
        return None  # a truncated last object
    return objects


def _msgpack_tree(obj: object) -> object:
    if isinstance(obj, _Pairs):
        return _map_tree(obj)
    if isinstance(obj, list):
        return [_msgpack_tree(item) for item in obj]
    if isinstance(obj, bytes):
        return bytes_node(obj)
    if isinstance(obj, float):
        return float_node(obj)
    if isinstance(obj, msgpack.ExtType):
        return {"$ext": obj.code, "data": obj.data.hex()}
    if isinstance(obj, msgpack.Timestamp):
        return {"$ext": -1, "data": obj.to_bytes().hex()}
    return obj


def _map_tree(pairs: _Pairs) -> object:
    return map_node([(_msgpack_tree(k), _msgpack_tree(v)) for k, v in pairs])


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


class _Failed:
    pass


_FAILED = _Failed()

_JSON_CONSTANTS = {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}


def _json_tree(data: bytes) -> object:
    try:
        text = data.decode("utf-8")
        return json.loads(text, parse_constant=lambda name: {"$float": _JSON_CONSTANTS[name]})
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        return _FAILED
