"""Deterministic corrupted variants of golden archive bytes.

``variant(data, seed)`` is a pure function of its arguments, so a failure
found by ``--cache-compat-fuzz=N`` is reproduced from the archive and the seed
alone. Seed 0 is the empty input, seed 1 a version header from the future;
later seeds cycle through truncations, bit flips, trailing garbage, byte
overwrites and duplicated chunks with positions drawn from a hash stream.

Randomness comes from BLAKE2b in counter mode keyed by ``"{seed}:{crc32}"``
rather than ``random.Random``: it is stable across Python versions by
construction, independent of ``PYTHONHASHSEED``, and about five times cheaper
to seed (seeding a Mersenne Twister costs ~7 us, which alone would use a third
of the 20,000-variants budget).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable, Iterator

import attrs

__all__ = ["KINDS", "Variant", "variant", "variants"]

KINDS = (
    "empty",
    "truncate",
    "bitflip",
    "trailing",
    "future-header",
    "duplicate-chunk",
    "byteset",
)


@attrs.frozen
class Variant:
    """One corrupted input: ``data`` is what the loader is fed."""

    seed: int
    kind: str
    data: bytes
    description: str


def variant(data: bytes, seed: int) -> Variant:
    """The variant of ``data`` for ``seed``; the same bytes on every run."""
    if seed < 0:
        raise ValueError(f"fuzz seeds start at 0, got {seed}")
    return _make(data, seed, zlib.crc32(data))


def variants(data: bytes, count: int) -> Iterator[Variant]:
    """Variants for seeds ``0 .. count - 1``, identical to calling ``variant`` per seed."""
    checksum = zlib.crc32(data)  # once per archive, not once per variant
    for seed in range(count):
        yield _make(data, seed, checksum)


def _make(data: bytes, seed: int, checksum: int) -> Variant:
    if seed == 0:
        return Variant(seed, "empty", b"", "empty input")
    if seed == 1:
        new, description = _future_header(data)
        return Variant(seed, "future-header", new, description)
    draws = _Draws(f"{seed}:{checksum}".encode())
    # Cycling the kinds (rather than drawing them) guarantees every kind shows
    # up in any run of 10+ seeds; truncations get the most slots because
    # readers most often trip over input that ends early.
    kind = _SCHEDULE[(seed - 2) % len(_SCHEDULE)] if data else "trailing"
    new, description = _MUTATORS[kind](data, draws)
    return Variant(seed, kind, new, description)


class _Draws:
    """A deterministic stream of pseudo-random numbers derived from a key."""

    __slots__ = ("_block", "_buffer", "_key", "_pos")

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._block = 0
        self._buffer = hashlib.blake2b(key, digest_size=64).digest()
        self._pos = 0

    def take(self, count: int) -> bytes:
        while self._pos + count > len(self._buffer):
            self._block += 1
            more = hashlib.blake2b(self._key + b"#%d" % self._block, digest_size=64).digest()
            self._buffer = self._buffer[self._pos :] + more
            self._pos = 0
        chunk = self._buffer[self._pos : self._pos + count]
        self._pos += count
        return chunk

    def below(self, bound: int) -> int:
        """An int in ``range(bound)``; the modulo bias of 64 bits is irrelevant here."""
        value: int = struct.unpack(">Q", self.take(8))[0]
        return value % bound

    def between(self, low: int, high: int) -> int:
        """An int in ``low .. high`` inclusive."""
        return low + self.below(high - low + 1)


# --- the version header from the future ------------------------------------------


def _future_header(data: bytes) -> tuple[bytes, str]:
    if not data:
        return b"\x01", "a lone header byte 0x01 instead of empty input"
    # Caches write the version either as the first object of a stream
    # (``3, payload``) or as the first item of a top-level array
    # (``[3, payload]``); bump the int in both layouts.
    prefix = _array_prefix(data)
    header = _leading_uint(data, prefix)
    if header is not None:
        value, end = header
        where = "first item of the top-level array" if prefix else "first object"
        return data[:prefix] + _pack_uint(value + 1) + data[end:], (
            f"version header {value} ({where}) raised to {value + 1}"
        )
    first = data[0]
    # 0xff cannot grow within a byte; wrapping to 0x00 still yields a header
    # the loader has never written.
    new_first = (first + 1) & 0xFF
    return bytes([new_first]) + data[1:], f"first byte 0x{first:02x} replaced by 0x{new_first:02x}"


def _array_prefix(data: bytes) -> int:
    """Size of a leading non-empty msgpack array header, 0 when there is none."""
    first = data[0]
    if 0x91 <= first <= 0x9F:
        return 1
    if first == 0xDC and len(data) > 3 and data[1:3] != b"\0\0":
        return 3
    if first == 0xDD and len(data) > 5 and data[1:5] != b"\0\0\0\0":
        return 5
    return 0


def _leading_uint(data: bytes, start: int) -> tuple[int, int] | None:
    """(value, end offset) of a msgpack unsigned int up to 32 bits at ``start``."""
    if start >= len(data):
        return None
    marker = data[start]
    if marker <= 0x7F:
        return marker, start + 1
    width = {0xCC: 1, 0xCD: 2, 0xCE: 4}.get(marker)
    end = start + 1 + (width or 0)
    if width is None or len(data) < end:
        return None
    return int.from_bytes(data[start + 1 : end], "big"), end


def _pack_uint(value: int) -> bytes:
    """The shortest msgpack encoding of ``value``, as msgpack writers produce it."""
    if value <= 0x7F:
        return bytes([value])
    for marker, width in ((0xCC, 1), (0xCD, 2), (0xCE, 4)):
        if value < 1 << (8 * width):
            return bytes([marker]) + value.to_bytes(width, "big")
    return b"\xcf" + value.to_bytes(8, "big")


# --- the other kinds ------------------------------------------------------------------

# Bytes that mean something to common formats: msgpack type markers with big
# lengths (bin32, str32, array32, map32), the never-used 0xc1, pickle's PROTO
# and STOP opcodes, and the extremes.
_INTERESTING = bytes([0x00, 0xFF, 0x7F, 0x80, 0xC1, 0xC6, 0xDB, 0xDD, 0xDF, 0x2E, 0x7B, 0x22])


def _truncate(data: bytes, draws: _Draws) -> tuple[bytes, str]:
    size = draws.below(len(data))
    return data[:size], f"truncated to {size} of {len(data)} bytes"


def _bitflip(data: bytes, draws: _Draws) -> tuple[bytes, str]:
    position = draws.below(len(data))
    bit = draws.below(8)
    flipped = data[position] ^ (1 << bit)
    new = data[:position] + bytes([flipped]) + data[position + 1 :]
    return new, f"bit {bit} of byte {position} flipped"


def _trailing(data: bytes, draws: _Draws) -> tuple[bytes, str]:
    if data and draws.below(4) == 0:
        # A second copy of the archive's start looks like a further record,
        # which catches readers that ignore everything after the first one.
        size = draws.between(1, min(len(data), 16))
        extra = data[:size]
        return data + extra, f"{size} bytes of the archive's start appended"
    size = draws.between(1, 16)
    extra = draws.take(size)
    return data + extra, f"{size} trailing bytes appended ({extra.hex(' ')})"


def _duplicate_chunk(data: bytes, draws: _Draws) -> tuple[bytes, str]:
    start = draws.below(len(data))
    size = draws.between(1, min(32, len(data) - start))
    end = start + size
    new = data[:end] + data[start:end] + data[end:]
    return new, f"bytes {start}..{end - 1} ({size} bytes) repeated after themselves"


def _byteset(data: bytes, draws: _Draws) -> tuple[bytes, str]:
    new = bytearray(data)
    changes = []
    for _ in range(draws.between(1, 4)):
        position = draws.below(len(new))
        value = _INTERESTING[draws.below(len(_INTERESTING))] if draws.below(2) else draws.below(256)
        if value == new[position]:
            value ^= 0xFF  # always change the byte: an unchanged input tests nothing
        new[position] = value
        changes.append(f"byte {position} set to 0x{value:02x}")
    return bytes(new), ", ".join(changes)


_Mutator = Callable[[bytes, _Draws], tuple[bytes, str]]

_MUTATORS: dict[str, _Mutator] = {
    "truncate": _truncate,
    "bitflip": _bitflip,
    "trailing": _trailing,
    "duplicate-chunk": _duplicate_chunk,
    "byteset": _byteset,
}

_SCHEDULE = (
    "truncate",
    "bitflip",
    "truncate",
    "trailing",
    "byteset",
    "truncate",
    "bitflip",
    "duplicate-chunk",
)
