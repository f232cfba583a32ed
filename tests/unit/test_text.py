"""Recorded text is exactly ``json.dumps(indent=2, ensure_ascii=False)`` plus a newline."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict
from typing import Any

import pytest

from pytest_cachecompat.forms import to_text


class Color(enum.IntEnum):
    RED = 1


class Name(str):
    pass


DOCUMENTS: list[Any] = [
    None,
    True,
    0,
    -12345678901234567890,
    1.0,
    -0.0,
    1e-300,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    'quote " backslash \\ tab \t newline \n nul \x00',
    "unicode é ✓ 𝄞 and a lone surrogate \ud800",
    [],
    {},
    [[]],
    {"a": {}},
    {"record": "m:A", "fields": [{"name": "x", "type": "int", "required": True}], "b": [1, 2.5]},
    {"samples": [{"bytes": ["00 01", "ff"], "decoded": [1, None, [True, False, {"k": []}]]}]},
    (1, (2, "three")),
    # Left to json.dumps: subclasses and keys that are not strings.
    {3: "int key", None: "none key", 2.5: "float key", True: "bool key"},
    [Color.RED, Name("sub")],
    OrderedDict([("z", 1), ("a", 2)]),
]


@pytest.mark.parametrize("document", DOCUMENTS, ids=[repr(d)[:40] for d in DOCUMENTS])
def test_text_is_what_json_dumps_writes(document: Any) -> None:
    assert to_text(document) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_a_value_json_cannot_write_fails_as_in_json() -> None:
    with pytest.raises(TypeError):
        to_text({"a": [object()]})
