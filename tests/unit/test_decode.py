"""decode_bytes(): serialized bytes -> readable tree; hex_lines()."""

from __future__ import annotations

import json
import pickle

import msgpack  # type: ignore[import-untyped]
import pytest

from pytest_cachecompat.forms import Decoded, decode_bytes, hex_lines


class Rec:
    def __init__(self, a: int, b: str) -> None:
        self.a = a
        self.b = b


def test_single_msgpack_object() -> None:
    data = msgpack.packb({"name": "f.whl", "size": 3, "yanked": None})
    assert decode_bytes(data) == Decoded("msgpack", {"name": "f.whl", "size": 3, "yanked": None})


def test_msgpack_keeps_bytes_ext_floats_and_odd_keys() -> None:
    data = msgpack.packb(
        [
            b"\x00\x01",
            msgpack.ExtType(7, b"ab"),
            float("nan"),
            {1: "one", "s": 2},
            {"$bytes": "looks like a tag"},
        ],
        strict_types=False,
    )
    assert decode_bytes(data).tree == [
        {"$bytes": "0001"},
        {"$ext": 7, "data": "6162"},
        {"$float": "nan"},
        {"$map": [[1, "one"], ["s", 2]]},
        {"$map": [["$bytes", "looks like a tag"]]},
    ]


def test_header_then_payload_is_a_stream() -> None:
    # A version header written before the payload, as many caches do.
    data = msgpack.packb(3) + msgpack.packb(["f.whl", [None, "abc"], 12])
    assert decode_bytes(data) == Decoded("msgpack-stream", [3, ["f.whl", [None, "abc"], 12]])


def test_truncated_msgpack_is_raw() -> None:
    data = msgpack.packb(["abc", 1, 2, 3])
    assert decode_bytes(data[:-2]) == Decoded("raw", None)


def test_json() -> None:
    data = json.dumps({"a": [1, 2.5, "x"], "b": None}).encode()
    assert decode_bytes(data) == Decoded("json", {"a": [1, 2.5, "x"], "b": None})
    # every ASCII byte is also a msgpack fixint: JSON must still win
    assert decode_bytes(b"[1, 2]") == Decoded("json", [1, 2])
    assert decode_bytes(b'{"x": NaN}').tree == {"x": {"$float": "nan"}}


def test_pickle_is_decoded_to_the_value_it_builds() -> None:
    data = pickle.dumps({"a": (1, "x"), "b": [b"\x00", 2.5, None, True]}, protocol=2)
    assert decode_bytes(data) == Decoded(
        "pickle",
        {"a": {"$tuple": [1, "x"]}, "b": [{"$bytes": "00"}, 2.5, None, True]},
    )


def test_pickle_of_a_class_names_its_import_path_and_state() -> None:
    for protocol in range(6):
        tree = decode_bytes(pickle.dumps(Rec(1, "x"), protocol=protocol)).tree
        assert tree == {"$object": f"{__name__}:Rec", "state": {"a": 1, "b": "x"}}, protocol


def test_a_one_value_change_is_one_difference_in_the_tree() -> None:
    # memo numbers and frame lengths shift with the longer string; the tree does not
    before = decode_bytes(pickle.dumps(["a", 1, 2, Rec(3, "a")], protocol=4)).tree
    after = decode_bytes(pickle.dumps(["abcdef", 1, 2, Rec(3, "a")], protocol=4)).tree
    assert isinstance(before, list) and isinstance(after, list)
    assert [(b, a) for b, a in zip(before, after, strict=True) if b != a] == [("a", "abcdef")]


def test_pickle_trailing_bytes_are_shown() -> None:
    data = pickle.dumps(1, protocol=2) + b"\xab"
    assert decode_bytes(data) == Decoded("pickle", 1, trailer={"$bytes": "ab"})


def test_pickles_back_to_back_are_a_stream() -> None:
    data = pickle.dumps(3, protocol=4) + pickle.dumps({"k": "v"}, protocol=4)
    assert decode_bytes(data) == Decoded("pickle-stream", [3, {"k": "v"}])


def test_broken_pickle_falls_back() -> None:
    # 0x80 alone is not a pickle but is an empty msgpack map
    assert decode_bytes(b"\x80") == Decoded("msgpack", {})
    assert decode_bytes(b"\x80\x04\x95") == Decoded("raw", None)


@pytest.mark.parametrize("data", [b"", b"\xc1", b"\xff\xfe\xfd" * 3, bytes(range(256))])
def test_never_raises(data: bytes) -> None:
    result = decode_bytes(data)
    assert result.format in {"msgpack", "msgpack-stream", "json", "pickle", "pickle-opcodes", "raw"}
    json.dumps(result.tree, allow_nan=False)


def test_empty_is_raw() -> None:
    assert decode_bytes(b"") == Decoded("raw", None)


def test_hex_lines() -> None:
    assert hex_lines(bytes(range(5)), width=2) == ["0001", "0203", "04"]
    assert hex_lines(b"") == []
    assert hex_lines(bytes(40)) == ["00" * 32, "00" * 8]
    with pytest.raises(ValueError, match="width must be at least 1, got 0"):
        hex_lines(b"x", width=0)
