"""What gets recorded for a record type: its layout text and its serialized forms.

Pure functions over a resolved family; they raise ``CheckError`` with a
message that names the family, the reference and the sample at fault.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from pytest_cachecompat import store
from pytest_cachecompat.config import ResolvedFamily
from pytest_cachecompat.errors import CacheCompatError
from pytest_cachecompat.kinds import kind_named, qualified_name
from pytest_cachecompat.layout import (
    Layout,
    canonical,
    default_samples,
    layout_of,
    render,
    strict_equal,
)

from ._compare import Form
from ._decode import Decoded, FramingError, decode_bytes, hex_lines
from ._text import json_text
from ._written import dump_to_path, listing_bytes, written_difference

# 2: pickles decoded symbolically (1 listed their opcodes), "header" and
# "trailer" beside "decoded". Files of format 1 are still read: comparisons
# decode their bytes again (``_compare``).
FORMAT_VERSION = 2


class CheckError(CacheCompatError):
    """A check could not run; the message says what to fix."""


def to_text(document: Any) -> str:
    """The stored text of a recorded document: stable, readable, diff-friendly.

    ``json.dumps(document, indent=2, ensure_ascii=False)`` and a newline, built faster.
    """
    return json_text(document) + "\n"


def layout_text(cls: type) -> tuple[Layout, str]:
    layout = layout_of(cls)
    return layout, to_text(layout)


def parse_recorded(text: str, path: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); it was probably edited "
            "by hand. Restore it from version control (git checkout -- <file>)."
        ) from None


def samples_for(family: ResolvedFamily, cls: type, user_samples: Sequence[object]) -> list[object]:
    """Default samples of ``cls`` (unless turned off), then the user's samples of that type."""
    chosen: list[object] = []
    if family.default_samples:
        try:
            chosen.extend(default_samples(cls))
        except Exception as exc:
            raise CheckError(
                f"family {family.name!r}: cannot build default samples of {qualified_name(cls)}: "
                f"{type(exc).__name__}: {exc}. Provide them with the family's `samples` hook "
                "and set default_samples = false."
            ) from None
    chosen.extend(s for s in user_samples if type(s) is cls)
    return chosen


def dump_sample(family: ResolvedFamily, sample: object, index: int, record: str) -> bytes:
    """``dumps(sample)``, twice: the bytes must be bytes and the same both times.

    For ``io = "path"``: the bytes of the file ``dumps`` wrote, or the listing
    of the folder it wrote (each file's path, size and sha256).
    """
    content = dump_content(family, sample, index, record)
    return content if isinstance(content, bytes) else listing_bytes(content)


def dump_content(family: ResolvedFamily, sample: object, index: int, record: str) -> store.Content:
    """What one sample's archive holds: the bytes ``dumps`` returned, or the file or folder
    it wrote (``io = "path"``); the same on two calls."""
    if family.io != "path":
        first = _call_dumps(family, sample, index, record)
        second = _call_dumps(family, sample, index, record)
        return _same_bytes(family, first, second, index, record)
    written = dump_to_path(family, sample, index, record, CheckError)
    again = dump_to_path(family, sample, index, record, CheckError)
    if isinstance(written, bytes) and isinstance(again, bytes):
        return _same_bytes(family, written, again, index, record)
    if isinstance(written, bytes) or isinstance(again, bytes) or written != again:
        raise CheckError(
            f"family {family.name!r}: dumps = {family.dumps_ref} is not deterministic: "
            f"two calls on sample {index} of {record} {written_difference(written, again)}. "
            "A cache format must write the same bytes for the same value: sort sets and dict "
            "keys, drop timestamps."
        )
    return written


def _same_bytes(
    family: ResolvedFamily, first: bytes, second: bytes, index: int, record: str
) -> bytes:
    if first != second and not _same_tree(family, first, second):
        raise CheckError(
            f"family {family.name!r}: dumps = {family.dumps_ref} is not deterministic: "
            f"two calls on sample {index} of {record} gave different bytes "
            f"({len(first)} and {len(second)} bytes, "
            f"first difference at byte {_first_difference(first, second)}). A cache format must "
            "write the same bytes for the same value: sort sets and dict keys, drop timestamps."
        )
    return first


def _same_tree(family: ResolvedFamily, first: bytes, second: bytes) -> bool:
    """Bytes that differ only where no reader sees it (pickle memo numbers) are deterministic."""
    decode = decoder_for(family)
    a, b = decode(first), decode(second)
    return a.format != "raw" and strict_equal(
        [a.format, a.header, a.tree, a.trailer], [b.format, b.header, b.tree, b.trailer]
    )


def _first_difference(a: bytes, b: bytes) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _call_dumps(family: ResolvedFamily, sample: object, index: int, record: str) -> bytes:
    try:
        data = family.dumps(*family.dumps_args(sample))
    except Exception as exc:
        raise CheckError(
            f"family {family.name!r}: dumps = {family.dumps_ref} raised "
            f"{type(exc).__name__}: {exc} "
            f"on sample {index} of {record}: {render(canonical(sample))}"
        ) from exc
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise CheckError(
            f"family {family.name!r}: dumps = {family.dumps_ref} returned {type(data).__name__}, "
            f"expected bytes (sample {index} of {record})"
        )
    return data


@attrs.frozen
class SerializedForms:
    document: dict[str, Any]
    text: str
    positional: bool
    forms: list[Form] = attrs.field(factory=list)


def serialized_forms(
    family: ResolvedFamily, cls: type, samples: Sequence[object]
) -> SerializedForms:
    record = qualified_name(cls)
    decoder = decoder_for(family)
    entries = []
    found: list[Form] = []
    positional = False
    for index, sample in enumerate(samples):
        data = dump_sample(family, sample, index, record)
        decoded = decoder(data)
        positional = positional or _is_positional(decoded.format, decoded.tree)
        value = canonical(sample, records_only=True)
        entries.append(_entry(value, data, decoded))
        found.append(Form(value, decoded, data))
    document = {"record": record, "format_version": FORMAT_VERSION, "samples": entries}
    return SerializedForms(
        document=document, text=to_text(document), positional=positional, forms=found
    )


def decoder_for(family: ResolvedFamily) -> Callable[[bytes], Decoded]:
    """The family's decoder: detection, or its declared ``framing`` first."""
    framing = family.framing
    if framing is None:
        return decode_bytes

    def decode(data: bytes) -> Decoded:
        try:
            return decode_bytes(data, framing)
        except FramingError as exc:
            raise CheckError(
                f"family {family.name!r}: framing = {family.framing_ref} {exc} "
                f"(on {len(data)} bytes that dumps = {family.dumps_ref} wrote)"
            ) from None

    return decode


def _entry(value: object, data: bytes, decoded: Decoded) -> dict[str, Any]:
    entry: dict[str, Any] = {"value": value, "format": decoded.format}
    if decoded.header is not None:
        entry["header"] = decoded.header
    entry["bytes"] = hex_lines(data)
    entry["decoded"] = decoded.tree
    if decoded.trailer is not None:
        entry["trailer"] = decoded.trailer
    return entry


def positional_warning(record: str) -> str:
    return (
        f"{record} is written positionally (as an array): inserting or reordering fields "
        "is misread by old readers unless the version is bumped"
    )


def is_positional_layout(layout: Layout) -> bool:
    """Kinds that every serializer writes by position: NamedTuples and array_like Structs."""
    kind = kind_named(layout.get("kind"))
    return kind is not None and kind.is_positional_layout(layout)


def _is_positional(fmt: str, tree: object) -> bool:
    """A record written as an array (after an optional version header) is read by position."""
    if fmt == "msgpack-stream" and isinstance(tree, list) and tree:
        tree = tree[-1]
    return fmt.startswith("msgpack") and isinstance(tree, list)


def is_frozen(family: ResolvedFamily) -> bool:
    """Whether ``--snapshot-update`` must leave the current version's recorded files alone.

    Asked once per process at the start of the run (``Run``), so
    that files this very run records do not freeze their own siblings.
    """
    folder = family.version_folder
    if family.freeze == "released":
        return (folder / store.MANIFEST_NAME).exists()
    return bool(store.read_layouts(folder))
