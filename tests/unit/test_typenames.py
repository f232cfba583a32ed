"""Canonical spelling of type hints."""

# ruff: noqa: UP006, UP007, UP035, UP045 - the old typing spellings are under test

import collections.abc
import datetime
import decimal
import pathlib
import typing
import uuid
from typing import (
    Annotated,
    Any,
    Dict,
    FrozenSet,
    List,
    Literal,
    NewType,
    Optional,
    Set,
    Tuple,
    Union,
)

import annotated_types
import msgspec
import pytest
from layout_cases.models import Color, GenericBox

from pytest_cachecompat.kinds import qualified_name, type_name

UserId = NewType("UserId", int)


def test_qualified_name_is_module_colon_qualname() -> None:
    assert qualified_name(Color) == "layout_cases.models:Color"
    assert qualified_name(datetime.datetime) == "datetime:datetime"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (int, "int"),
        (None, "None"),
        (type(None), "None"),
        (Any, "Any"),
        (bytes, "bytes"),
        (list[int], "list[int]"),
        (dict[str, list[int]], "dict[str, list[int]]"),
        (tuple[int, str], "tuple[int, str]"),
        (tuple[int, ...], "tuple[int, ...]"),
        (tuple[()], "tuple[()]"),
        (set[str], "set[str]"),
        (frozenset[int], "frozenset[int]"),
        (list, "list"),
        (Literal["a", 1, None], "Literal['a', 1, None]"),
        (Literal[Color.RED], "Literal[layout_cases.models:Color.RED]"),
        (Color, "layout_cases.models:Color"),
        (int | str | None, "int | str | None"),
        (datetime.datetime, "datetime:datetime"),
        (datetime.date, "datetime:date"),
        (decimal.Decimal, "decimal:Decimal"),
        (uuid.UUID, "uuid:UUID"),
        (pathlib.Path, "pathlib:Path"),
        (collections.abc.Sequence[int], "collections.abc:Sequence[int]"),
        (typing.Sequence[int], "collections.abc:Sequence[int]"),
        (GenericBox[int], "layout_cases.models:GenericBox[int]"),
        (typing.TypeVar("T"), "~T"),
        (UserId, "UserId(int)"),
        (list[UserId], "list[UserId(int)]"),
        (type[Color], "type[layout_cases.models:Color]"),
    ],
)
def test_spelling(hint: object, expected: str) -> None:
    assert type_name(hint) == expected


@pytest.mark.parametrize(
    "hint",
    [Optional[int], Union[int, None], int | None, Union[None, int], None | int],
)
def test_optional_spellings_are_equal(hint: object) -> None:
    assert type_name(hint) == "int | None"


def test_none_goes_last_and_order_is_kept() -> None:
    assert type_name(Union[None, str, int]) == "str | int | None"
    assert type_name(Optional[Union[bytes, str]]) == "bytes | str | None"


@pytest.mark.parametrize(
    ("typing_form", "builtin_form"),
    [
        (List[int], list[int]),
        (Dict[str, int], dict[str, int]),
        (Tuple[int, ...], tuple[int, ...]),
        (Set[int], set[int]),
        (FrozenSet[str], frozenset[str]),
        (List, list),
        (Optional[List[Dict[str, int]]], list[dict[str, int]] | None),
    ],
)
def test_typing_aliases_equal_builtins(typing_form: object, builtin_form: object) -> None:
    assert type_name(typing_form) == type_name(builtin_form)


def test_annotated_without_byte_metadata_is_dropped() -> None:
    assert type_name(Annotated[int, "some doc"]) == "int"
    assert type_name(Annotated[str, msgspec.Meta(description="doc")]) == "str"


def test_annotated_keeps_constraints() -> None:
    assert type_name(Annotated[str, annotated_types.MaxLen(3)]) == (
        "Annotated[str, MaxLen(max_length=3)]"
    )
    assert type_name(Annotated[int, msgspec.Meta(ge=0, title="t")]) == "Annotated[int, Meta(ge=0)]"
    assert type_name(Annotated[str, annotated_types.MaxLen(3)]) != type_name(
        Annotated[str, annotated_types.MaxLen(4)]
    )
