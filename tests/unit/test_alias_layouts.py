"""Type aliases as records, and default samples for bare containers."""

from __future__ import annotations

import collections.abc
from typing import Any

import attrs
import pytest

from pytest_cachecompat.kinds import alias_record, is_type_alias
from pytest_cachecompat.layout import collect_layouts, default_samples, diff_layouts


@attrs.frozen
class Entry:
    name: str


def test_an_alias_is_a_record_named_by_its_reference() -> None:
    cache = alias_record("pkg.cache", "Cache", dict[str, tuple[float, int]])

    layouts = collect_layouts([cache])

    assert layouts == {
        "pkg.cache:Cache": {
            "record": "pkg.cache:Cache",
            "kind": "alias",
            "options": {},
            "fields": [{"name": "value", "type": "dict[str, tuple[float, int]]", "required": True}],
        }
    }
    samples = default_samples(cache)
    assert {} in samples
    filled = next(s for s in samples if s)
    assert all(isinstance(v, tuple) and len(v) == 2 for v in filled.values())


def test_records_inside_an_alias_are_collected() -> None:
    entries = alias_record("pkg.cache", "Entries", list[Entry])

    assert list(collect_layouts([entries])) == ["pkg.cache:Entries", f"{__name__}:Entry"]


def test_a_changed_alias_names_the_alias_and_the_types() -> None:
    old = collect_layouts([alias_record("pkg.cache", "Cache", dict[str, tuple[float, int]])])
    new = collect_layouts([alias_record("pkg.cache", "Cache", dict[str, tuple[float, int, str]])])

    (change,) = diff_layouts(old, new)

    assert change.text == (
        "pkg.cache:Cache: field value type changed: dict[str, tuple[float, int]] -> "
        "dict[str, tuple[float, int, str]]"
    )


def test_the_same_alias_gives_the_same_record() -> None:
    first = alias_record("pkg.cache", "Cache", dict[str, int])
    assert alias_record("pkg.cache", "Cache", dict[str, int]) is first


@pytest.mark.parametrize(
    "obj", [dict[str, int], list[Entry], int | None, collections.abc.Sequence[int]]
)
def test_generic_types_are_type_aliases(obj: object) -> None:
    assert is_type_alias(obj)


@pytest.mark.parametrize("obj", [Entry, dict, 3])
def test_classes_and_values_are_no_type_alias(obj: object) -> None:
    assert not is_type_alias(obj)


@attrs.frozen
class Bare:
    tags: set  # type: ignore[type-arg]
    frozen: frozenset  # type: ignore[type-arg]
    items: list  # type: ignore[type-arg]
    table: dict  # type: ignore[type-arg]
    pair: tuple  # type: ignore[type-arg]
    seq: collections.abc.Sequence  # type: ignore[type-arg]
    anything: Any


def test_bare_containers_get_empty_and_filled_samples() -> None:
    samples = default_samples(Bare)

    assert len(samples) == 2
    for name, kind in (("tags", set), ("frozen", frozenset), ("items", list), ("table", dict)):
        values = [getattr(sample, name) for sample in samples]
        assert all(type(value) is kind for value in values)
        assert sorted(len(value) for value in values) == [0, 1]
    assert sorted(len(sample.pair) for sample in samples) == [0, 1]
