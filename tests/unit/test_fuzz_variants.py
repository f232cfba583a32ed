"""Deterministic corrupted variants of archive bytes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import attrs
import msgpack  # type: ignore[import-untyped]
import pytest

from pytest_cachecompat.golden._fuzz import KINDS, Variant, variant, variants

# A realistic archive: a version header, then a record, as a msgpack stream.
ARCHIVE = msgpack.packb(3) + msgpack.packb(
    {"filename": "pkg-1.0.tar.gz", "size": 123456, "tags": ["a", "b", "c"], "ratio": 1.5}
)
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def _digest(items: list[Variant]) -> str:
    h = hashlib.sha256()
    for v in items:
        h.update(f"{v.seed}|{v.kind}|{v.description}|".encode())
        h.update(v.data)
    return h.hexdigest()


def test_seed_0_is_the_empty_input() -> None:
    assert variant(ARCHIVE, 0) == Variant(0, "empty", b"", "empty input")


def test_seed_1_raises_a_leading_version_header() -> None:
    v = variant(ARCHIVE, 1)
    assert v.kind == "future-header"
    assert v.data == b"\x04" + ARCHIVE[1:]
    assert "3" in v.description and "4" in v.description


def test_seed_1_raises_the_first_item_of_a_top_level_array() -> None:
    data = msgpack.packb([7, {"a": 1}])
    assert msgpack.unpackb(variant(data, 1).data) == [8, {"a": 1}]


@pytest.mark.parametrize("header", [127, 200, 255, 65535, 70000])
def test_future_header_grows_the_encoding_when_needed(header: int) -> None:
    data = msgpack.packb(header) + msgpack.packb("payload")
    unpacker = msgpack.Unpacker()
    unpacker.feed(variant(data, 1).data)
    assert list(unpacker) == [header + 1, "payload"]


def test_future_header_falls_back_to_a_larger_first_byte() -> None:
    # A pickle starts with PROTO (0x80), not with a msgpack int.
    data = b"\x80\x05K\x03."
    v = variant(data, 1)
    assert v.data == b"\x81" + data[1:]
    assert v.description == "first byte 0x80 replaced by 0x81"


def test_future_header_of_empty_data_is_not_empty() -> None:
    assert variant(b"", 1).data != b""


def test_same_data_and_seed_give_the_same_variant() -> None:
    for seed in range(300):
        assert variant(ARCHIVE, seed) == variant(ARCHIVE, seed)


def test_variants_equals_variant_per_seed() -> None:
    assert list(variants(ARCHIVE, 300)) == [variant(ARCHIVE, seed) for seed in range(300)]


def test_other_data_gives_other_variants() -> None:
    other = ARCHIVE[:-1] + bytes([ARCHIVE[-1] ^ 1])
    mine = [variant(ARCHIVE, seed).description for seed in range(2, 50)]
    theirs = [variant(other, seed).description for seed in range(2, 50)]
    assert mine != theirs


def test_pinned_output() -> None:
    # Seeds are reported to users, who rerun them with a later plugin
    # release: a change here breaks every reported seed. Update only on
    # purpose, and say so in the changelog.
    data = bytes(range(256)) * 2
    assert variant(data, 2) == Variant(2, "truncate", data[:502], "truncated to 502 of 512 bytes")
    assert _digest(list(variants(data, 1000))) == PINNED_DIGEST


PINNED_DIGEST = "7debed5ac69ba6771e359bd3079add3ce3fe96f9d8ecbf3ef087d7624cd522d0"


@pytest.mark.parametrize("hash_seed", ["1", "12345"])
def test_variants_do_not_depend_on_the_interpreter_hash_seed(hash_seed: str) -> None:
    script = (
        "import sys, msgpack, hashlib\n"
        "from pytest_cachecompat.golden import variants\n"
        f"data = {ARCHIVE!r}\n"
        "h = hashlib.sha256()\n"
        "for v in variants(data, 500):\n"
        "    h.update(f'{v.seed}|{v.kind}|{v.description}|'.encode()); h.update(v.data)\n"
        "print(h.hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": PACKAGE_ROOT}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == _digest(list(variants(ARCHIVE, 500)))


def test_every_kind_shows_up_in_a_realistic_run() -> None:
    kinds = Counter(v.kind for v in variants(ARCHIVE, 100))
    assert set(kinds) == set(KINDS)
    # Truncations are the most frequent kind after the two fixed seeds.
    assert kinds.most_common(1)[0][0] == "truncate"


def test_every_variant_differs_from_the_archive() -> None:
    assert all(v.data != ARCHIVE for v in variants(ARCHIVE, 2000))


def test_truncations_cover_many_points() -> None:
    sizes = {len(v.data) for v in variants(ARCHIVE, 2000) if v.kind == "truncate"}
    assert len(sizes) > len(ARCHIVE) * 0.9


def test_descriptions_say_what_changed() -> None:
    for v in variants(ARCHIVE, 400):
        if v.kind == "truncate":
            assert ARCHIVE.startswith(v.data)
            assert v.description == f"truncated to {len(v.data)} of {len(ARCHIVE)} bytes"
        elif v.kind == "bitflip":
            diff = [i for i, (a, b) in enumerate(zip(ARCHIVE, v.data, strict=True)) if a != b]
            assert len(diff) == 1
            bit = (ARCHIVE[diff[0]] ^ v.data[diff[0]]).bit_length() - 1
            assert v.description == f"bit {bit} of byte {diff[0]} flipped"
        elif v.kind == "trailing":
            assert v.data.startswith(ARCHIVE) and len(v.data) > len(ARCHIVE)
            assert v.description.startswith(f"{len(v.data) - len(ARCHIVE)} ")
        elif v.kind == "duplicate-chunk":
            first, last = (int(n) for n in v.description.split()[1].split(".."))
            chunk = ARCHIVE[first : last + 1]
            assert v.data == ARCHIVE[: last + 1] + chunk + ARCHIVE[last + 1 :]
        elif v.kind == "byteset":
            assert len(v.data) == len(ARCHIVE)
            assert "set to 0x" in v.description


def test_empty_archive_still_gets_variants() -> None:
    kinds = {v.kind for v in variants(b"", 20)}
    assert kinds == {"empty", "future-header", "trailing"}


def test_negative_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="seeds start at 0"):
        variant(ARCHIVE, -1)


def test_variant_is_frozen_and_hashable() -> None:
    v = variant(ARCHIVE, 5)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        v.seed = 6  # type: ignore[misc]
    assert len({v, variant(ARCHIVE, 5)}) == 1
