"""One record type of every supported kind, with known layouts."""

# ruff: noqa: UP007 - the old typing spellings are under test

import dataclasses
import datetime
import enum
import typing
from typing import (
    Annotated,
    Generic,
    Literal,
    NamedTuple,
    NewType,
    NotRequired,
    Required,
    TypedDict,
    TypeVar,
)

import attrs
import msgspec
import pydantic

T = TypeVar("T")
UserId = NewType("UserId", int)


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Perm(enum.Flag):
    R = 4
    W = 2
    X = 1


class Mode(enum.StrEnum):
    FAST = enum.auto()
    SAFE = enum.auto()


def _to_int(value: object) -> int:
    return int(value)  # type: ignore[call-overload]


@attrs.define(kw_only=True)
class AttrsRecord:
    """Docstrings never reach the bytes."""

    filename: str
    size: int = attrs.field(alias="file_size")
    count: int = attrs.field(converter=_to_int, default=0)
    tags: list[str] = attrs.Factory(list)
    color: Color | None = None
    cached: bool = attrs.field(init=False, default=False)

    def describe(self) -> str:
        return self.filename


@dataclasses.dataclass
class DataRecord:
    name: str
    when: datetime.datetime
    scale: dataclasses.InitVar[int]
    level: Level = Level.LOW
    extra: dict[str, int] = dataclasses.field(default_factory=dict)
    computed: int = dataclasses.field(init=False, default=0)

    def __post_init__(self, scale: int) -> None:
        self.computed = scale * 2


class Point(NamedTuple):
    x: int
    y: int = 0


class Movie(TypedDict, total=False):
    title: Required[str]
    year: int
    rating: NotRequired[float | None]


class Strict(TypedDict):
    key: str
    note: NotRequired[str]


class Cat(pydantic.BaseModel):
    kind: Literal["cat"] = "cat"
    lives: int = 9


class Dog(pydantic.BaseModel):
    kind: Literal["dog"] = "dog"
    good: bool = True


class Owner(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    name: str = pydantic.Field(alias="ownerName")
    code: Annotated[str, pydantic.Field(max_length=3)]
    pet: Cat | Dog = pydantic.Field(discriminator="kind")
    tags: set[Mode] = pydantic.Field(default_factory=set)

    @pydantic.field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class Packet(msgspec.Struct, array_like=True, rename="camel", tag=True, omit_defaults=True):
    packet_id: UserId
    payload: bytes
    label: Annotated[str, msgspec.Meta(max_length=8, description="doc")] = "x"
    perm: Perm = Perm.R


class Box(Generic[T]):
    pass


@dataclasses.dataclass
class GenericBox(Generic[T]):
    item: T
    items: list[T]


@dataclasses.dataclass
class Holder:
    box: GenericBox[int]
    maybe: GenericBox[str] | None = None


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a: int, b: str) -> None:
        self.a = a
        self.b = b


class Annotated_:  # a plain __dict__ class with annotations
    path: str
    hits: int = 0


class WithState:
    value: int

    def __getstate__(self) -> object:
        return {"value": self.value}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.value = state["value"]


class Reduced:
    def __init__(self, token: str) -> None:
        self.token = token

    def __reduce__(self) -> tuple[object, ...]:
        return (Reduced, (self.token,))


class NoAnnotations:
    def method(self) -> None:
        pass


def a_function() -> None:
    pass


class Shapes(pydantic.BaseModel):
    value: typing.Union[int, str, None] = None
