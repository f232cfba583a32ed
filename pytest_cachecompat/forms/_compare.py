"""Comparing a recorded serialized form with the current one, on decoded trees.

The trees are decoded again from the recorded bytes (the samples file keeps
them as hex), never taken from the recorded ``decoded`` key: a file recorded
by an older plugin, whose decoder showed pickles as an opcode listing, is
compared on the same tree the current decoder makes. Byte differences that
no decoded tree shows (pickle memo numbers, set order that follows the hash
seed) are therefore no difference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from pytest_cachecompat.layout import diff_trees, render, strict_equal

from ._decode import Decoded, decode_bytes

__all__ = ["Form", "form_differences", "format_words", "forms_of", "same_forms"]

Decoder = Callable[[bytes], Decoded]


@attrs.frozen
class Form:
    """One sample's serialized form, as decoded now."""

    value: object
    decoded: Decoded
    data: bytes | None  # None when the recorded entry holds no readable bytes

    def key(self) -> tuple[object, ...]:
        d = self.decoded
        return (d.format, d.header, d.tree, d.trailer)


def forms_of(document: object, decode: Decoder = decode_bytes) -> list[Form]:
    """The samples of a serialized-form document, decoded from their bytes."""
    entries = document.get("samples") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        return []
    return [_form(entry, decode) for entry in entries if isinstance(entry, Mapping)]


def _form(entry: Mapping[str, Any], decode: Decoder) -> Form:
    data = _bytes_of(entry.get("bytes"))
    if data is not None:
        return Form(entry.get("value"), decode(data), data)
    # Hand-edited or damaged: what the file says is all there is to compare.
    recorded = Decoded(
        str(entry.get("format")),
        entry.get("decoded"),
        header=entry.get("header"),
        trailer=entry.get("trailer"),
    )
    return Form(entry.get("value"), recorded, None)


def _bytes_of(lines: object) -> bytes | None:
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        return None
    try:
        return bytes.fromhex("".join(lines))
    except ValueError:
        return None


def same_forms(old: Sequence[Form], new: Sequence[Form]) -> bool:
    """Whether every sample decodes to the same tree (the bytes may still differ)."""
    return len(old) == len(new) and all(
        strict_equal(_plain(a.key()), _plain(b.key())) for a, b in zip(old, new, strict=True)
    )


def _plain(key: tuple[object, ...]) -> list[object]:
    return list(key)


def form_differences(old: Sequence[Form], new: Sequence[Form]) -> list[str]:
    """In words, how the current forms differ from the recorded ones (one line a change)."""
    lines: list[str] = []
    if len(old) != len(new):
        lines.append(f"{len(old)} samples recorded, {len(new)} now")
    for index, (before, after) in enumerate(zip(old, new, strict=False)):
        lines.extend(_sample_differences(f"sample {index}", before.decoded, after.decoded))
    return lines


def _sample_differences(where: str, old: Decoded, new: Decoded) -> list[str]:
    if old.format != new.format:
        return [
            f"{where}: written as {format_words(new.format)} instead of {format_words(old.format)}"
        ]
    lines = []
    if not strict_equal(old.header, new.header):
        lines.append(f"{where} header: {render(old.header, 80)} -> {render(new.header, 80)}")
    lines.extend(diff_trees(old.tree, new.tree, root=f"{where} decoded"))
    if not strict_equal(old.trailer, new.trailer):
        before, after = render(old.trailer, 80), render(new.trailer, 80)
        lines.append(f"{where} bytes after the pickle: {before} -> {after}")
    return lines


_FORMAT_WORDS = {
    "msgpack": "msgpack",
    "msgpack-stream": "several msgpack objects",
    "json": "JSON",
    "pickle": "pickle",
    "pickle-stream": "several pickles",
    "pickle-opcodes": "pickle",
    "raw": "bytes of no known format",
}


def format_words(fmt: str) -> str:
    return _FORMAT_WORDS.get(fmt, fmt)
