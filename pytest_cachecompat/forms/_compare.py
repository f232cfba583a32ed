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

from pytest_cachecompat.layout import render, strict_equal

from ._decode import Decoded, decode_bytes
from ._formdiff import TreeDiff
from ._positional import Schema

__all__ = [
    "Form",
    "changed_samples",
    "form_differences",
    "format_words",
    "forms_of",
    "same_forms",
]

Decoder = Callable[[bytes], Decoded]
Layouts = Mapping[str, Mapping[str, Any]]


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


def form_differences(
    old: Sequence[Form],
    new: Sequence[Form],
    *,
    record: str | None = None,
    old_layouts: Layouts | None = None,
    new_layouts: Layouts | None = None,
    same_values_only: bool = False,
) -> list[str]:
    """In words, how the ``new`` forms differ from the ``old`` ones, one line a change.

    Fields are named through the layouts (``old_layouts`` for the old trees).
    ``same_values_only`` (comparing two versions): only what a sample with
    the same value writes differently, never the header (it holds the
    version) or fields whose sample values differ (layout changes say those).
    """
    old_schema = Schema(old_layouts or new_layouts or {})
    new_schema = Schema(new_layouts or old_layouts or {})
    per_sample: list[list[str]] = []
    for before, after in zip(old, new, strict=False):
        walk = TreeDiff(old_schema, new_schema, same_values_only=same_values_only)
        per_sample.append(_sample_differences(walk, before, after, record))
    lines = _grouped(per_sample, len(new))
    if len(old) != len(new) and not same_values_only:
        lines.insert(0, f"{len(old)} samples recorded, {len(new)} now")
    return lines


def _sample_differences(walk: TreeDiff, old: Form, new: Form, record: str | None) -> list[str]:
    before, after = old.decoded, new.decoded
    if before.format != after.format:
        return [f"written as {format_words(after.format)} instead of {format_words(before.format)}"]
    lines = []
    if not walk.same_values_only and not strict_equal(before.header, after.header):
        lines.append(f"header {render(before.header, 80)} -> {render(after.header, 80)}")
    stream = after.format.endswith("-stream")
    walk.compare(before.tree, after.tree, record, (old.value, new.value), stream=stream)
    lines.extend(walk.result())
    if not strict_equal(before.trailer, after.trailer):
        was, now = render(before.trailer, 80), render(after.trailer, 80)
        lines.append(f"bytes after the pickle: {was} -> {now}")
    return lines


def _grouped(per_sample: list[list[str]], count: int) -> list[str]:
    """One line per distinct text, saying in which samples it occurs."""
    where: dict[str, list[int]] = {}
    for index, lines in enumerate(per_sample):
        for line in lines:
            where.setdefault(line, []).append(index)
    out = []
    for line, indices in where.items():
        if len(indices) == 1:
            label = f"sample {indices[0]}"
        elif len(indices) == count:
            label = "every sample"
        else:
            label = "samples " + ", ".join(str(i) for i in indices)
        out.append(f"{label}: {line}")
    return out


def changed_samples(old: Sequence[Form], new: Sequence[Form]) -> list[int]:
    """Indices of samples whose value is not the recorded one (the samples changed)."""
    return [
        index
        for index, (a, b) in enumerate(zip(old, new, strict=False))
        if not strict_equal(a.value, b.value)
    ]


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
