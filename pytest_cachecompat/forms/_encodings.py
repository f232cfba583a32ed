"""How a bytes value was written, when a serializer writes it as text.

Serializers without a bytes type (JSON) or with a habit (an HTTP cache
writing bodies as base85) write bytes as text. Comparing the text with the
sample's bytes says which encoding it is, so a change reads as "bytes
written as base64 text instead of base85 text".
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

__all__ = ["bytes_encoding"]

_TEXT_ENCODINGS: tuple[tuple[str, Callable[[bytes], bytes]], ...] = (
    ("base64 text", base64.b64encode),
    ("base64 text without padding", lambda raw: base64.b64encode(raw).rstrip(b"=")),
    ("URL-safe base64 text", base64.urlsafe_b64encode),
    ("base85 text", base64.b85encode),
    ("Ascii85 text", base64.a85encode),
    ("base32 text", base64.b32encode),
    ("hex text", binascii.hexlify),
)


def bytes_encoding(node: object, raw: bytes) -> str | None:
    """The name of the encoding by which the decoded ``node`` holds ``raw``, if one fits."""
    if isinstance(node, dict) and set(node) == {"$bytes"}:
        return "bytes" if node["$bytes"] == raw.hex() else None
    if not isinstance(node, str):
        return None
    try:
        text = node.encode("ascii")
    except UnicodeEncodeError:
        text = b""
    if text:
        for name, encode in _TEXT_ENCODINGS:
            if encode(raw) == text:
                return name
    try:
        if raw.decode("utf-8") == node:
            return "UTF-8 text"
    except UnicodeDecodeError:
        pass
    if raw.decode("latin-1") == node:
        return "Latin-1 text"
    return None
