"""Deterministic samples that cover the variants a cache can confuse."""

import dataclasses
import enum
import pickle
from typing import Annotated, Any, Literal, NotRequired, TypedDict

import attrs
import msgspec
import pydantic
import pytest
from layout_cases import future, models

from pytest_cachecompat.layout import default_samples


def _values(samples: list[Any], name: str) -> list[Any]:
    return [
        sample[name] if isinstance(sample, dict) else getattr(sample, name, "<absent>")
        for sample in samples
    ]


class Shade(enum.Enum):
    LIGHT = 1
    DARK = 2
    NEUTRAL = 3


@dataclasses.dataclass
class Mixed:
    shade: Shade
    maybe: str | None
    choice: int | str | bytes
    tags: list[str]
    index: dict[str, int]
    flags: frozenset[Shade]
    mode: Literal["r", "w", "a", "x", "rb"]
    pair: tuple[int, str]
    rest: tuple[int, ...]


def test_every_variant_is_covered() -> None:
    samples = default_samples(Mixed)
    assert {s.shade for s in samples} == set(Shade)
    assert None in _values(samples, "maybe")
    assert any(isinstance(v, str) for v in _values(samples, "maybe"))
    assert {type(v) for v in _values(samples, "choice")} == {int, str, bytes}
    for name in ("tags", "index", "flags", "rest"):
        values = _values(samples, name)
        assert any(len(v) == 0 for v in values), name
        assert any(len(v) > 0 for v in values), name
    assert {s.mode for s in samples} == {"r", "w", "a", "x", "rb"}
    assert all(isinstance(s.pair[0], int) and isinstance(s.pair[1], str) for s in samples)


def test_sample_count_is_largest_variant_count() -> None:
    # Literal with five values is the widest field of Mixed.
    assert len(default_samples(Mixed)) == 5


def test_samples_are_deterministic() -> None:
    for cls in (Mixed, future.Tree, models.Owner, models.Packet, models.Movie):
        assert repr(default_samples(cls)) == repr(default_samples(cls))


def test_fields_of_same_type_get_distinct_values() -> None:
    @dataclasses.dataclass
    class Two:
        first: str
        second: str
        left: int
        right: int

    (sample,) = default_samples(Two)
    assert sample.first != sample.second
    assert sample.left != sample.right


def test_swapped_fields_give_different_samples() -> None:
    @dataclasses.dataclass
    class A:
        name: str
        title: str

    @dataclasses.dataclass
    class B:
        title: str
        name: str

    assert dataclasses.astuple(default_samples(A)[0]) != dataclasses.astuple(default_samples(B)[0])


def test_enum_samples_are_members() -> None:
    assert default_samples(models.Perm) == [models.Perm.R, models.Perm.W, models.Perm.X]
    assert default_samples(models.Mode) == list(models.Mode)


def test_recursive_type_terminates_with_none_and_empty() -> None:
    samples = default_samples(future.Node)
    assert samples
    depth = 0
    node: Any = samples[0]
    while node.parent is not None:
        node = node.parent
        depth += 1
    assert 1 <= depth <= 3
    assert any(s.children for s in samples)
    assert any(not s.children for s in samples)


def test_mutually_recursive_future_types() -> None:
    samples = default_samples(future.Tree)
    assert {type(s.root) for s in samples} == {future.Node}
    assert None in _values(samples, "later")
    assert any(isinstance(v, future.Later) for v in _values(samples, "later"))


@pytest.mark.parametrize(
    "cls",
    [
        models.AttrsRecord,
        models.DataRecord,
        models.Point,
        models.Movie,
        models.Owner,
        models.Packet,
        models.Holder,
        models.Slotted,
        models.Annotated_,
        models.WithState,
        models.Reduced,
        models.Shapes,
        future.Tree,
    ],
)
def test_samples_buildable_and_picklable_for_every_kind(cls: type) -> None:
    samples = default_samples(cls)
    assert samples
    expected = dict if cls is models.Movie else cls
    assert all(isinstance(s, expected) for s in samples)
    for sample in samples:
        pickle.dumps(sample)


def test_attrs_samples_use_aliases_and_skip_init_false() -> None:
    samples = default_samples(models.AttrsRecord)
    assert all(s.cached is False for s in samples)
    assert {s.color for s in samples} == {*models.Color, None}
    assert all(isinstance(s.size, int) for s in samples)


def test_dataclass_initvar_is_passed() -> None:
    sample = default_samples(models.DataRecord)[0]
    assert sample.computed != 0
    assert {s.level for s in default_samples(models.DataRecord)} == set(models.Level)


def test_typeddict_not_required_keys_are_sometimes_absent() -> None:
    samples = default_samples(models.Movie)
    assert all("title" in s for s in samples)
    assert any("year" not in s for s in samples)
    assert any("year" in s for s in samples)
    assert None in [s.get("rating", "<absent>") for s in samples]


def test_pydantic_samples_cover_discriminated_union_and_dump_by_alias() -> None:
    samples = default_samples(models.Owner)
    assert {type(s.pet) for s in samples} == {models.Cat, models.Dog}
    dumped = samples[0].model_dump(by_alias=True)
    assert "ownerName" in dumped
    assert len(samples[0].code) <= 3
    models.Owner.model_validate(dumped)


def test_msgspec_samples_round_trip() -> None:
    samples = default_samples(models.Packet)
    assert {s.perm for s in samples} == set(models.Perm)
    for sample in samples:
        data = msgspec.msgpack.encode(sample)
        assert msgspec.msgpack.decode(data, type=models.Packet) == sample


def test_constraints_are_respected() -> None:
    class Bounded(msgspec.Struct):
        small: Annotated[int, msgspec.Meta(ge=1, le=5)]
        short: Annotated[str, msgspec.Meta(min_length=2, max_length=4)]

    for sample in default_samples(Bounded):
        assert 1 <= sample.small <= 5
        assert 2 <= len(sample.short) <= 4
        msgspec.msgpack.decode(msgspec.msgpack.encode(sample), type=Bounded)


def test_pydantic_constraints_validate() -> None:
    class P(pydantic.BaseModel):
        n: int = pydantic.Field(gt=10, lt=12)

    (sample,) = default_samples(P)
    assert sample.n == 11


def test_generic_fields_use_substituted_types() -> None:
    samples = default_samples(models.Holder)
    assert all(isinstance(s.box.item, int) for s in samples)
    assert any(
        isinstance(s.maybe, models.GenericBox) and isinstance(s.maybe.item, str) for s in samples
    )


def test_namedtuple_and_typeddict_required_only() -> None:
    class TD(TypedDict):
        a: int
        b: NotRequired[list[int]]

    samples = default_samples(TD)
    assert [] in [s.get("b") for s in samples]
    assert any("b" not in s for s in samples)
    (point,) = default_samples(models.Point)
    assert point.x != point.y


def test_attrs_slots_frozen_kw_only() -> None:
    @attrs.frozen(kw_only=True)
    class Frozen:
        a: int
        b: str | None = None

    samples = default_samples(Frozen)
    assert [s.b is None for s in samples] == [False, True]
