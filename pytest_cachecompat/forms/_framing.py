"""A short header before the payload: found, or split off by the family's own hook.

Caches put a few bytes before what their serializer wrote: a magic prefix
and a version byte, a text line (``pkgcache 3\\n``), a ``cc=4,`` prefix as
an HTTP cache writes. ``find_payload`` looks for the shortest such header
after which the rest is a whole pickle, a JSON object or array, or (after a
text header) a msgpack map or array; a family whose framing detection
cannot tell declares ``framing``, a callable ``bytes -> (header, payload)``.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["MAX_HEADER", "find_payload", "header_node"]

MAX_HEADER = 64  # bytes of a binary header
MAX_TEXT_HEADER = 256  # bytes of a header that is a text line

# First bytes of a msgpack map or array: fixmap, fixarray, array 16/32, map 16/32.
_MSGPACK_CONTAINERS = {*range(0x80, 0xA0), 0xDC, 0xDD, 0xDE, 0xDF}

# A decoder of a payload: ``(tree,)``, or None when the bytes are not one whole payload.
Payload = Callable[[bytes], tuple[object] | None]


def header_node(header: bytes) -> object:
    """A header as shown: its text when it is printable text, else its bytes."""
    try:
        text = header.decode("ascii")
    except UnicodeDecodeError:
        return {"$bytes": header.hex()}
    if text and all(char.isprintable() or char in "\n\r\t" for char in text):
        return text
    return {"$bytes": header.hex()}


def _is_text(header: bytes) -> bool:
    return isinstance(header_node(header), str) and len(header) >= 2


def find_payload(
    data: bytes,
    *,
    pickle_payload: Payload,
    json_payload: Payload,
    msgpack_payload: Payload,
) -> tuple[int, str, object] | None:
    """``(header length, payload format, payload tree)`` of the shortest header that fits."""
    limit = min(len(data) - 1, MAX_TEXT_HEADER)
    for offset in range(1, limit + 1):
        header = data[:offset]
        if offset > MAX_HEADER and not (header.endswith(b"\n") and _is_text(header)):
            continue
        first = data[offset]
        if first == 0x80 and data[offset + 1 : offset + 2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
            found = pickle_payload(data[offset:])
            if found is not None:
                return offset, "pickle", found[0]
        if first in b"{[":
            found = json_payload(data[offset:])
            if found is not None and isinstance(found[0], dict | list):
                return offset, "json", found[0]
        # Every ASCII byte is a msgpack integer: a msgpack payload is believed
        # only after a text header, whose bytes no msgpack writer would produce.
        if first in _MSGPACK_CONTAINERS and _is_text(header):
            found = msgpack_payload(data[offset:])
            if found is not None:
                return offset, "msgpack", found[0]
    return None
