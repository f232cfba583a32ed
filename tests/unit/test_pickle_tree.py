"""pickle_tree(): a pickle read symbolically, nothing of it executed."""

from __future__ import annotations

import collections
import datetime as dt
import enum
import json
import pickle
import subprocess
import sys
from typing import Any

import pydantic
import pytest

from pytest_cachecompat.forms import decode_bytes

HERE = __name__


class Color(enum.Enum):
    RED = 1


class Plain:
    def __init__(self) -> None:
        self.name = "n"
        self.tags = {"b", "a", "c"}
        self.when = dt.datetime(2020, 1, 2, 9, 10, 54)
        self.color = Color.RED
        self.pair = (1, b"\x00")


class Slotted:
    __slots__ = ("kind", "parent")

    def __init__(self) -> None:
        self.kind = "k"
        self.parent: Any = self


class Reduced:
    def __init__(self, text: str) -> None:
        self.text = text

    def __reduce__(self) -> tuple[Any, ...]:
        return (Reduced, (self.text,))


class Model(pydantic.BaseModel):
    name: str
    size: int = 0


def tree(obj: object, protocol: int = 4) -> object:
    decoded = decode_bytes(pickle.dumps(obj, protocol=protocol))
    assert decoded.format == "pickle"
    return decoded.tree


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_plain_class_is_its_import_path_and_state(protocol: int) -> None:
    assert tree(Plain(), protocol) == {
        "$object": f"{HERE}:Plain",
        "state": {
            "name": "n",
            "tags": {"$set": ["a", "b", "c"]},
            "when": {"$datetime": "2020-01-02T09:10:54"},
            "color": {"$call": f"{HERE}:Color", "args": [1]},
            "pair": {"$tuple": [1, {"$bytes": "00"}]},
        },
    }


def test_slots_and_a_cycle() -> None:
    assert tree(Slotted()) == {
        "$object": f"{HERE}:Slotted",
        "slots": {"kind": "k", "parent": {"$cycle": f"{HERE}:Slotted"}},
    }


def test_reduce_names_the_callable_and_its_arguments() -> None:
    assert tree(Reduced("x")) == {"$call": f"{HERE}:Reduced", "args": ["x"]}


def test_shared_references_are_expanded_not_numbered() -> None:
    shared = ["s"]
    assert tree([shared, shared]) == [["s"], ["s"]]


def test_subclasses_of_dict_and_list_keep_their_items() -> None:
    assert tree(collections.OrderedDict(a=1)) == {
        "$call": "collections:OrderedDict",
        "dict": {"a": 1},
    }
    assert tree({1: "x", "$k": 2}) == {"$map": [[1, "x"], ["$k", 2]]}
    assert tree(frozenset({2, 1})) == {"$frozenset": [1, 2]}
    assert tree(bytearray(b"\x01")) == {"$bytearray": "01"}


def test_a_pydantic_model_shows_its_fields_set_sorted() -> None:
    model = Model(name="m", size=3)
    assert tree(model) == {
        "$object": f"{HERE}:Model",
        "state": {
            "__dict__": {"name": "m", "size": 3},
            "__pydantic_extra__": None,
            "__pydantic_fields_set__": {"$set": ["name", "size"]},
            "__pydantic_private__": None,
        },
    }


def test_nothing_is_imported_or_called() -> None:
    # A pickle that would run os.system: read, never run, and named as what it is.
    data = (
        b"\x80\x04\x95\x1e\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94"
        b"\x93\x94\x8c\x04exit\x94\x85\x94R\x94."
    )
    assert decode_bytes(data).tree == {"$call": "os:system", "args": ["exit"]}


def test_the_tree_does_not_follow_the_hash_seed() -> None:
    script = (
        "import pickle, sys; from pytest_cachecompat.forms import decode_bytes; import json;"
        "data = pickle.dumps({'k': {'alpha', 'beta', 'gamma', 'delta'}, 'f': frozenset('xyzw')});"
        "print(data.hex(), json.dumps(decode_bytes(data).tree))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split(" ", 1)
        for seed in range(8)
    ]
    assert len({data for data, _ in runs}) > 1  # the bytes follow the seed
    trees = {text for _, text in runs}
    assert len(trees) == 1  # the tree does not
    assert json.loads(trees.pop()) == {
        "k": {"$set": ["alpha", "beta", "delta", "gamma"]},
        "f": {"$frozenset": ["w", "x", "y", "z"]},
    }


@pytest.mark.parametrize(
    "data",
    [b"\x80\x04", b"\x80\x04N", b"\x80\x04h\x05.", b"\x80\x04(.", b"\x80\x02cos\nsystem\nb."],
)
def test_broken_pickles_are_not_trees(data: bytes) -> None:
    assert decode_bytes(data).format != "pickle"
