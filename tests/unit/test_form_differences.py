"""Headers found, positional values named, differences in words (forms._compare and helpers)."""

from __future__ import annotations

import base64
import json
import pickle
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest

from pytest_cachecompat.forms import Decoded, Form, decode_bytes, form_differences

FILE = {
    "record": "pkg:File",
    "kind": "attrs",
    "options": {},
    "fields": [
        {"name": "name", "type": "str", "required": True},
        {"name": "size", "type": "int | None", "required": False, "default": "None"},
        {"name": "body", "type": "bytes", "required": True},
    ],
}
WHEEL = {
    "record": "pkg:Wheel",
    "kind": "attrs",
    "options": {},
    "fields": [
        {"name": "name", "type": "str", "required": True},
        {"name": "files", "type": "list[pkg:File]", "required": True},
    ],
}
LAYOUTS = {"pkg:File": FILE, "pkg:Wheel": WHEEL}


def form(data: bytes, value: object = None) -> Form:
    return Form(value, decode_bytes(data), data)


def differences(old: bytes, new: bytes, record: str = "pkg:Wheel", **kw: Any) -> list[str]:
    return form_differences(
        [form(old, kw.get("value"))],
        [form(new, kw.get("value"))],
        record=record,
        old_layouts=LAYOUTS,
        new_layouts=LAYOUTS,
        same_values_only=kw.get("same_values_only", False),
    )


@pytest.mark.parametrize(
    ("data", "header", "fmt", "tree"),
    [
        (b"pkgcache 3\n" + json.dumps({"a": 1}).encode(), "pkgcache 3\n", "json", {"a": 1}),
        (b"cc=4," + msgpack.packb({"a": b"x"}), "cc=4,", "msgpack", {"a": {"$bytes": "78"}}),
        (b"MAGIC\x02" + pickle.dumps([1], protocol=4), {"$bytes": "4d4147494302"}, "pickle", [1]),
    ],
)
def test_a_short_header_is_found_and_shown_as_such(
    data: bytes, header: object, fmt: str, tree: object
) -> None:
    assert decode_bytes(data) == Decoded(fmt, tree, header=header)


def test_a_version_object_before_the_payload_stays_a_stream() -> None:
    data = msgpack.packb(["pkgindex", 0]) + msgpack.packb(["n", []])
    assert decode_bytes(data) == Decoded("msgpack-stream", [["pkgindex", 0], ["n", []]])


def test_declared_framing_splits_first() -> None:
    data = b"\x00\x00\x00\x05" + json.dumps([1]).encode()
    decoded = decode_bytes(data, lambda raw: (raw[:4], raw[4:]))
    assert decoded == Decoded("json", [1], header={"$bytes": "00000005"})


def test_positional_arrays_are_named_by_field_behind_a_stream_header() -> None:
    old = msgpack.packb(1) + msgpack.packb(["w", [["f", 3, b"x"], ["g", 1577956254.0, b"y"]]])
    new = msgpack.packb(1) + msgpack.packb(["w", [["f", 3, b"x"], ["g", "2020-01-02", b"y"]]])
    assert differences(old, new) == [
        "sample 0: Wheel.files[1].size: 1577956254.0 -> '2020-01-02' (float -> str)"
    ]


def test_the_header_of_a_stream_keeps_its_tree_path() -> None:
    old = msgpack.packb([0]) + msgpack.packb(["w", []])
    new = msgpack.packb([1]) + msgpack.packb(["w", []])
    assert differences(old, new) == ["sample 0: decoded[0][0]: 0 -> 1"]


def test_bytes_as_text_in_another_encoding_is_said_so() -> None:
    raw = b"\x00\xffbody"
    value = {
        "$record": "pkg:File",
        "fields": {"name": "n", "size": None, "body": {"$bytes": raw.hex()}},
    }
    old = json.dumps(["n", None, base64.b85encode(raw).decode()]).encode()
    new = json.dumps(["n", None, base64.b64encode(raw).decode()]).encode()
    assert differences(old, new, "pkg:File", value=value) == [
        "sample 0: File.body: bytes written as base64 text instead of base85 text"
    ]


def test_version_to_version_only_fields_whose_sample_value_is_the_same() -> None:
    raw = b"abc"
    value_old = {
        "$record": "pkg:File",
        "fields": {"name": "n", "size": 1, "body": {"$bytes": raw.hex()}},
    }
    value_new = {
        "$record": "pkg:File",
        "fields": {"name": "n", "size": 2, "body": {"$bytes": raw.hex()}},
    }
    old = b"v1\n" + json.dumps(["n", 1, base64.b85encode(raw).decode()]).encode()
    new = b"v2\n" + json.dumps(["n", 2, base64.b64encode(raw).decode()]).encode()
    lines = form_differences(
        [form(old, value_old)],
        [form(new, value_new)],
        record="pkg:File",
        old_layouts=LAYOUTS,
        new_layouts=LAYOUTS,
        same_values_only=True,
    )
    assert lines == ["sample 0: File.body: bytes written as base64 text instead of base85 text"]


def test_a_format_switch_is_one_line() -> None:
    old = pickle.dumps(["n", None, b"x"], protocol=4)
    new = json.dumps(["n", None, "x"]).encode()
    assert differences(old, new, "pkg:File") == ["sample 0: written as JSON instead of pickle"]


def test_keys_renamed_and_left_out() -> None:
    old = json.dumps({"name": "n", "size": 3, "body": "b"}).encode()
    new = json.dumps({"name": "n", "length": 3}).encode()
    assert differences(old, new, "pkg:File") == [
        "sample 0: File.size: written under key 'length' instead of 'size'",
        "sample 0: File.body: no longer written (was 'b')",
    ]


def test_lines_common_to_samples_are_given_once() -> None:
    old = [form(json.dumps({"name": n, "size": 1, "body": "b"}).encode()) for n in "ab"]
    new = [form(json.dumps({"name": n, "size": "1", "body": "b"}).encode()) for n in "ab"]
    assert form_differences(old, new, record="pkg:File", new_layouts=LAYOUTS) == [
        "every sample: File.size: 1 -> '1' (int -> str)"
    ]
