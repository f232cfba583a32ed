"""Recorded documents as text: exactly what ``json.dumps(doc, indent=2, ensure_ascii=False)`` gives.

The standard library's C encoder is used only without ``indent``; with it,
``json`` encodes through nested Python generators, which made writing the
text the largest single cost of a layout item (docs/performance.md). The
documents the plugin records hold only plain JSON values, and for those this
module builds the same text directly. Anything else (a subclass, a non-string
key) goes to ``json.dumps`` itself, so the text never differs from it.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C function where available, as json uses
from typing import Any

INDENT = "  "


class _NotPlain(Exception):
    """A value this module leaves to ``json.dumps``."""


def json_text(document: Any) -> str:
    """``json.dumps(document, indent=2, ensure_ascii=False)``."""
    parts: list[str] = []
    try:
        _encode(document, parts, "\n")
    except _NotPlain:
        return json.dumps(document, indent=2, ensure_ascii=False)
    return "".join(parts)


def _encode(value: Any, parts: list[str], newline: str) -> None:
    kind = type(value)
    if kind is str:
        parts.append(encode_basestring(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif kind is int:
        parts.append(int.__repr__(value))
    elif kind is float:
        parts.append(_float(value))
    elif kind is list or kind is tuple:
        if not value:
            parts.append("[]")
            return
        inner = newline + INDENT
        separator = "[" + inner
        for item in value:
            parts.append(separator)
            _encode(item, parts, inner)
            separator = "," + inner
        parts.append(newline + "]")
    elif kind is dict:
        if not value:
            parts.append("{}")
            return
        inner = newline + INDENT
        separator = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            parts.append(separator)
            parts.append(encode_basestring(key))
            parts.append(": ")
            _encode(item, parts, inner)
            separator = "," + inner
        parts.append(newline + "}")
    else:
        raise _NotPlain


def _float(value: float) -> str:
    # As json.encoder.floatstr with allow_nan=True.
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)
