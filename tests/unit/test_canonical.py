"""canonical(): class-independent value form; compare_shared(); type_label(); render()."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import os
import subprocess
import sys
import textwrap
import uuid
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import NamedTuple, TypedDict

import attrs
import msgspec
import pydantic
import pytest

from pytest_cachecompat.layout import (
    Mismatch,
    canonical,
    compare_shared,
    render,
    strict_equal,
    type_label,
)

ROOT = Path(__file__).resolve().parents[2]
MOD = __name__


@attrs.frozen
class Hashes:
    sha256: str | None = None
    md5: str | None = None


@attrs.define(slots=True)
class File:
    filename: str
    hashes: Hashes
    yanked: bool = False


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Pair(NamedTuple):
    left: int
    right: str


class Movie(TypedDict):
    title: str


class Model(pydantic.BaseModel):
    name: str
    size: int = 0


class Struct(msgspec.Struct):
    b: int
    a: str


class Slotted:
    __slots__ = ("__secret", "first")

    def __init__(self) -> None:
        self.first = 1
        self.__secret = 2


class SlottedChild(Slotted):
    __slots__ = ("second",)

    def __init__(self) -> None:
        super().__init__()
        self.second = "two"


class Plain:
    def __init__(self) -> None:
        self.b = 2
        self.a = 1


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    LOW = 1


class Perm(enum.Flag):
    R = 1
    W = 2


# ---------------------------------------------------------------------------
# canonical()
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (7, 7),
        ("x", "x"),
        (1.5, 1.5),
        (float("nan"), {"$float": "nan"}),
        (float("inf"), {"$float": "inf"}),
        (float("-inf"), {"$float": "-inf"}),
        (b"\x00\xff", {"$bytes": "00ff"}),
        (bytearray(b"ab"), {"$bytes": "6162"}),
        (memoryview(b"ab"), {"$bytes": "6162"}),
        ([1, (2,)], [1, {"$tuple": [2]}]),
        ((), {"$tuple": []}),
        (dt.datetime(2024, 1, 2, 3, 4, 5), {"$datetime": "2024-01-02T03:04:05"}),
        (dt.date(2024, 1, 2), {"$date": "2024-01-02"}),
        (dt.time(3, 4), {"$time": "03:04:00"}),
        (dt.timedelta(seconds=90, microseconds=500000), {"$timedelta": "90.5"}),
        (Decimal("1.10"), {"$decimal": "1.10"}),
        (
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            {"$uuid": "12345678-1234-5678-1234-567812345678"},
        ),
        (PurePosixPath("a/b.txt"), {"$path": "a/b.txt"}),
        (1 + 2j, {"$complex": "(1+2j)"}),
    ],
)
def test_leaf_values(value: object, expected: object) -> None:
    assert canonical(value) == expected


def test_bool_and_int_stay_distinct() -> None:
    # True == 1 in Python; the canonical form must not blur them.
    assert strict_equal(canonical(True), canonical(1)) is False
    assert json.dumps(canonical([True, 1, 1.0])) == "[true, 1, 1.0]"


class _Flag(enum.IntEnum):
    ON = 1


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ({"x": [1, True, 1.5, None, "s"]}, {"x": [1, True, 1.5, None, "s"]}, True),
        # the same keys in another order: not the same bytes, still equal
        ({"x": 1, "y": [2]}, {"y": [2], "x": 1}, True),
        ({"x": [True]}, {"x": [1]}, False),
        ({"x": [1]}, {"x": [1.0]}, False),
        ([0.0], [-0.0], True),
        # an int subclass marshal refuses to write: the walk decides
        ([_Flag.ON], [_Flag.ON], True),
        ([_Flag.ON], [1], False),
    ],
)
def test_strict_equal_tells_types_apart_at_every_depth(a: object, b: object, equal: bool) -> None:
    assert strict_equal(a, b) is equal
    assert strict_equal(b, a) is equal


def test_sets_and_dicts_are_sorted_by_canonical_key() -> None:
    assert canonical({"b", "a", "c"}) == {"$set": ["a", "b", "c"]}
    assert canonical(frozenset({2, 1})) == {"$set": [1, 2]}
    # ordered by the JSON text of the key: '"a"' sorts before '2'
    assert canonical({"b": 1, 2: "x", "a": (1,)}) == {
        "$dict": [["a", {"$tuple": [1]}], ["b", 1], [2, "x"]]
    }


def test_records_of_every_kind_keep_declaration_order() -> None:
    assert canonical(File("f.whl", Hashes(sha256="abc"))) == {
        "$record": f"{MOD}:File",
        "fields": {
            "filename": "f.whl",
            "hashes": {"$record": f"{MOD}:Hashes", "fields": {"sha256": "abc", "md5": None}},
            "yanked": False,
        },
    }
    assert canonical(Point(1, 2)) == {"$record": f"{MOD}:Point", "fields": {"x": 1, "y": 2}}
    assert canonical(Pair(1, "r")) == {
        "$record": f"{MOD}:Pair",
        "fields": {"left": 1, "right": "r"},
    }
    assert canonical(Model(name="n")) == {
        "$record": f"{MOD}:Model",
        "fields": {"name": "n", "size": 0},
    }
    assert canonical(Struct(b=1, a="x")) == {
        "$record": f"{MOD}:Struct",
        "fields": {"b": 1, "a": "x"},
    }
    # field order is declaration order, not alphabetical
    assert list(canonical(Struct(b=1, a="x"))["fields"]) == ["b", "a"]  # type: ignore[index]


def test_typeddict_is_a_plain_dict() -> None:
    movie: Movie = {"title": "Up"}
    assert canonical(movie) == {"$dict": [["title", "Up"]]}


def test_plain_objects_use_slots_then_dict() -> None:
    assert canonical(SlottedChild()) == {
        "$record": f"{MOD}:SlottedChild",
        "fields": {"_Slotted__secret": 2, "first": 1, "second": "two"},
    }
    assert canonical(Plain()) == {"$record": f"{MOD}:Plain", "fields": {"b": 2, "a": 1}}


def test_enums() -> None:
    assert canonical(Color.RED) == {"$enum": f"{MOD}:Color", "name": "RED", "value": "red"}
    # IntEnum is an int, but it is written as an enum member
    assert canonical(Level.LOW) == {"$enum": f"{MOD}:Level", "name": "LOW", "value": 1}
    assert canonical(Perm.R | Perm.W) == {"$enum": f"{MOD}:Perm", "name": "R|W", "value": 3}


def test_unknown_values_are_repr_without_addresses() -> None:
    result = canonical(object())
    assert result == {"$repr": "builtins:object", "value": "<object object>"}
    assert canonical(ValueError("bad")) == {
        "$repr": "builtins:ValueError",
        "value": "ValueError('bad')",
    }


def test_cycles_do_not_recurse_forever() -> None:
    loop: list[object] = [1]
    loop.append(loop)
    assert canonical(loop) == [1, {"$cycle": "builtins:list"}]


def test_result_is_json_round_trippable() -> None:
    value = canonical([File("f", Hashes()), {1: {2.5, float("nan")}}, Color.RED, b"x"])
    assert json.loads(json.dumps(value, allow_nan=False)) == value


def test_deterministic_across_hash_seeds() -> None:
    # String hashing is randomised per process, which changes set and dict
    # iteration order; the canonical form must not follow it.
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pytest_cachecompat.layout import canonical
        words = {{"w%d" % i for i in range(40)}}
        value = {{"set": words, "frozen": frozenset(words), "map": {{w: 1 for w in words}}}}
        print(json.dumps([list(words), canonical(value)]))
        """
    )
    runs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        runs.append(json.loads(done.stdout))
    raw_orders = {json.dumps(raw) for raw, _ in runs}
    assert len(raw_orders) > 1, "the seeds did not change set order; the test proves nothing"
    assert runs[0][1] == runs[1][1] == runs[2][1]
    frozen, mapping, words = runs[0][1]["$dict"]
    assert [frozen[0], mapping[0], words[0]] == ["frozen", "map", "set"]
    assert words[1]["$set"][:3] == ["w0", "w1", "w10"]
    assert mapping[1]["$dict"][:2] == [["w0", 1], ["w1", 1]]


def test_pydantic_and_msgspec_are_not_imported() -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pytest_cachecompat.layout import canonical
        class P:
            def __init__(self):
                self.a = 1
        print(canonical(P())["fields"], "pydantic" in sys.modules, "msgspec" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "{'a': 1} False False"


# ---------------------------------------------------------------------------
# compare_shared()
# ---------------------------------------------------------------------------


@attrs.frozen
class HashesV2:
    md5: str | None = None
    sha256: str | None = None
    blake2: str | None = None


def test_equal_values_have_no_mismatch() -> None:
    assert (
        compare_shared(canonical(File("a", Hashes("x"))), canonical(File("a", Hashes("x")))) == []
    )


def test_fields_only_one_side_has_are_ignored() -> None:
    # a new class (other name, extra field, other order) equal on shared fields
    old = canonical(Hashes(sha256="abc", md5=None))
    new = canonical(HashesV2(md5=None, sha256="abc", blake2="zzz"))
    assert compare_shared(old, new) == []


def test_swapped_fields_are_caught() -> None:
    # the silent misread: positional decoding put sha256 into md5
    old = canonical(Hashes(sha256="abc", md5=None))
    new = canonical(HashesV2(md5="abc", sha256=None))
    mismatches = compare_shared(old, new)
    assert [m.describe() for m in mismatches] == [
        "Hashes.sha256: expected 'abc', got None",
        "Hashes.md5: expected None, got 'abc'",
    ]


def test_nested_paths_and_root() -> None:
    old = canonical(File("a", Hashes("abc"), yanked=False))
    new = canonical(File("a", Hashes(None), yanked=True))
    assert compare_shared(old, new) == [
        Mismatch("File.hashes.sha256", "abc", None),
        Mismatch("File.yanked", False, True),
    ]
    assert [m.path for m in compare_shared(old, new, root="archive")] == [
        "archive.hashes.sha256",
        "archive.yanked",
    ]


def test_sequences() -> None:
    assert compare_shared(canonical([1, 2, 3]), canonical([1, 2, 4])) == [Mismatch("[2]", 3, 4)]
    short = compare_shared(canonical([1, 2]), canonical([1, 2, 3]))
    assert [m.describe() for m in short] == ["<value>: expected [1, 2], got [1, 2, 3]"]
    assert compare_shared(canonical((1, "a")), canonical((1, "b"))) == [Mismatch("[1]", "a", "b")]
    # a list is not a tuple
    assert [m.describe() for m in compare_shared(canonical((1,)), canonical([1]))] == [
        "<value>: expected (1,), got [1]"
    ]


def test_dicts_and_sets() -> None:
    same_keys = compare_shared(canonical({"a": 1, "b": 2}), canonical({"a": 1, "b": 3}))
    assert same_keys == [Mismatch("['b']", 2, 3)]
    other_keys = compare_shared(canonical({"a": 1}), canonical({"b": 1}))
    assert [m.describe() for m in other_keys] == ["<value>: expected {'a': 1}, got {'b': 1}"]
    sets = compare_shared(canonical({1, 2}), canonical({1, 3}))
    assert [m.describe() for m in sets] == ["<value>: expected {1, 2}, got {1, 3}"]


class Shade(enum.Enum):
    RED = "red"
    BLUE = "blue"


def test_enums_compare_name_and_value_not_class() -> None:
    assert compare_shared(canonical(Color.RED), canonical(Shade.RED)) == []
    assert [m.describe() for m in compare_shared(canonical(Color.RED), canonical(Shade.BLUE))] == [
        "<value>: expected Color.RED='red', got Shade.BLUE='blue'"
    ]


def test_type_and_shape_differences() -> None:
    assert [m.describe() for m in compare_shared(canonical(True), canonical(1))] == [
        "<value>: expected True, got 1"
    ]
    got = compare_shared(canonical(File("a", Hashes())), canonical(None))
    assert [m.describe() for m in got] == [
        "File: expected File(filename='a', hashes=Hashes(sha256=None, md5=None), yanked=False),"
        " got None"
    ]


# ---------------------------------------------------------------------------
# type_label() and render()
# ---------------------------------------------------------------------------


def test_type_label() -> None:
    values = [
        File("a", Hashes()),
        Color.RED,
        [1],
        (1,),
        {1},
        {1: 2},
        1,
        1.5,
        float("nan"),
        "s",
        None,
        True,
        b"x",
        Decimal(1),
        object(),
    ]
    assert [type_label(canonical(v)) for v in values] == [
        f"{MOD}:File",
        f"{MOD}:Color",
        "list",
        "tuple",
        "set",
        "dict",
        "int",
        "float",
        "float",
        "str",
        "None",
        "bool",
        "bytes",
        "Decimal",
        "builtins:object",
    ]


def test_render_is_python_like() -> None:
    value = canonical(
        [Hashes("a"), Color.RED, (1,), set(), {"k": b"\x00"}, float("inf"), Decimal("2.5")]
    )
    assert render(value) == (
        "[Hashes(sha256='a', md5=None), Color.RED='red', (1,), set(), {'k': b'\\x00'}, inf,"
        " Decimal('2.5')]"
    )


def test_render_is_bounded() -> None:
    big = canonical([list(range(1000)) for _ in range(1000)])
    text = render(big, limit=40)
    assert len(text) == 40
    assert text == "[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1..."
    assert render(canonical(b"\x01" * 10_000), limit=20) == "b'\\x01\\x01\\x01\\x0..."
