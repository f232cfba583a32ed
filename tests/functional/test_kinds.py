"""Every record kind of docs/record-kinds.md, end to end: record, change, run.

Each case is a small project (its own models and its own ``dumps``). It is
recorded with ``--snapshot-update``; then a change that does not reach the
bytes (docstring, method, validator, an equivalent spelling) must pass, and
one breaking change on top of it must fail with a message that explains it.
``docs/record-kinds.md`` says, per kind, why each change counts or not.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import attrs
import pytest

if TYPE_CHECKING:
    from conftest import Project

_CACHE_HEAD = """\
SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass
"""

# dataclasses as maps, NamedTuples and tuples as arrays: msgpack.
MSGPACK = (
    """\
import dataclasses
import enum

import msgpack

"""
    + _CACHE_HEAD
    + """

def _plain(obj):
    if isinstance(obj, enum.Enum):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [_plain(item) for item in obj]
    if isinstance(obj, dict):
        return {key: _plain(value) for key, value in obj.items()}
    return obj


def dumps(obj):
    return msgpack.packb(_plain(obj))


def loads(data):
    try:
        return msgpack.unpackb(data)
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
"""
)

MSGSPEC = (
    """\
import msgspec

"""
    + _CACHE_HEAD
    + """

_encoder = msgspec.msgpack.Encoder()


def dumps(obj):
    return _encoder.encode(obj)


def loads(data):
    try:
        return msgspec.msgpack.decode(data)
    except msgspec.DecodeError as exc:
        raise CacheMiss(str(exc)) from exc
"""
)

PYDANTIC = (
    """\
import msgpack

"""
    + _CACHE_HEAD
    + """

def dumps(model):
    return msgpack.packb(model.model_dump(mode="json", by_alias=True))


def loads(data):
    try:
        return msgpack.unpackb(data)
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
"""
)

PICKLE = (
    """\
import pickle

"""
    + _CACHE_HEAD
    + """

def dumps(obj):
    return pickle.dumps(obj, protocol=4)


def loads(data):
    try:
        return pickle.loads(data)
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
"""
)

# (file, old, new); old == "" writes new as the whole file.
Edit = tuple[str, str, str]
MODELS = "mypkg/models.py"


@attrs.frozen
class Case:
    id: str
    models: str
    cache: str
    records: tuple[str, ...]
    harmless: tuple[Edit, ...]
    breaking: tuple[Edit, ...]
    words: tuple[str, ...]

    def param(self) -> object:
        return pytest.param(self, id=self.id)


def setup(project: Project, case: Case) -> None:
    records = ", ".join(f'"{record}"' for record in case.records)
    project.declare(records)
    project.write(MODELS, case.models)
    project.write("mypkg/cache.py", case.cache)


def apply(project: Project, edits: tuple[Edit, ...]) -> None:
    for path, old, new in edits:
        if old:
            project.edit(path, textwrap.dedent(old), textwrap.dedent(new))
        else:
            project.write(path, new)


def record(project: Project) -> pytest.RunResult:
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    return result


def check(project: Project, expected: int) -> str:
    result = project.run("--cache-compat")
    output = result.stdout.str()
    assert result.ret == expected, output
    return output


DOC_AND_METHOD = '''\
    """A docstring does not reach the bytes."""

    def describe(self):
        return "a method does not reach the bytes either"

'''


def _after_class_line(name: str, base: str = "") -> Edit:
    """Insert a docstring and a method right after ``class name...:``."""
    line = f"class {name}{base}:\n"
    return (MODELS, line, line + DOC_AND_METHOD)


# A plain class that pickles itself through __reduce__ (two cases below).
REDUCING_VERSION = """\
class Version:
    def __init__(self, text: str, epoch: int = 0):
        self.text = text
        self.epoch = epoch

    def __reduce__(self):
        return (Version, (self.text, self.epoch))
"""

CASES = [
    # --- pydantic v2 ---------------------------------------------------------
    Case(
        id="pydantic-aliases",
        models="""\
import pydantic


class Owner(pydantic.BaseModel):
    name: str = pydantic.Field(alias="ownerName")
    size: int = pydantic.Field(serialization_alias="fileSize")
""",
        cache=PYDANTIC,
        records=("mypkg.models:Owner",),
        harmless=(
            (
                MODELS,
                "class Owner(pydantic.BaseModel):\n",
                "class Owner(pydantic.BaseModel):\n"
                + DOC_AND_METHOD
                + '    @pydantic.field_validator("size")\n'
                "    @classmethod\n"
                "    def _check_size(cls, value):\n"
                "        return value\n\n",
            ),
        ),
        breaking=((MODELS, 'serialization_alias="fileSize"', 'serialization_alias="file_size"'),),
        words=(
            "field size alias changed: fileSize -> file_size",
            "SIMPLE_CACHE_VERSION is still 0",
        ),
    ),
    Case(
        id="pydantic-discriminated-union",
        models="""\
from typing import Literal

import pydantic


class Cat(pydantic.BaseModel):
    kind: Literal["cat"] = "cat"
    lives: int


class Dog(pydantic.BaseModel):
    kind: Literal["dog"] = "dog"
    good: bool


class Owner(pydantic.BaseModel):
    pet: Cat | Dog = pydantic.Field(discriminator="kind")
""",
        cache=PYDANTIC,
        records=("mypkg.models:Owner",),
        harmless=(_after_class_line("Cat", "(pydantic.BaseModel)"),),
        breaking=((MODELS, 'kind: Literal["dog"] = "dog"', 'kind: Literal["hound"] = "hound"'),),
        words=("mypkg.models:Dog: field kind type changed: Literal['dog'] -> Literal['hound']",),
    ),
    Case(
        id="pydantic-default-plugin-cannot-know",
        models="""\
import pydantic


class Job(pydantic.BaseModel):
    name: str
    retries: int = 3
""",
        cache=PYDANTIC,
        records=("mypkg.models:Job",),
        harmless=(_after_class_line("Job", "(pydantic.BaseModel)"),),
        breaking=((MODELS, "retries: int = 3", "retries: int = 5"),),
        words=("field retries default changed: 3 -> 5", "cannot tell", "exclude_defaults"),
    ),
    # --- msgspec -------------------------------------------------------------
    Case(
        id="msgspec-array-like",
        models="""\
import msgspec


class Point(msgspec.Struct, array_like=True):
    x: int
    y: int
    label: str = ""
""",
        cache=MSGSPEC,
        records=("mypkg.models:Point",),
        # Without omit_defaults msgspec writes every field: the default never reaches the bytes.
        harmless=(
            _after_class_line("Point", "(msgspec.Struct, array_like=True)"),
            (MODELS, 'label: str = ""', 'label: str = "unnamed"'),
        ),
        breaking=((MODELS, "x: int\n    y: int\n", "y: int\n    x: int\n"),),
        words=("fields reordered: x, y, label -> y, x, label",),
    ),
    Case(
        id="msgspec-rename",
        models="""\
import msgspec


class Event(msgspec.Struct, rename="camel"):
    event_id: int
    created_by: str
""",
        cache=MSGSPEC,
        records=("mypkg.models:Event",),
        # The same wire names spelled as a mapping.
        harmless=(
            (
                MODELS,
                'rename="camel"',
                'rename={"event_id": "eventId", "created_by": "createdBy"}',
            ),
        ),
        breaking=((MODELS, 'rename={"event_id": "eventId", ', 'rename={"event_id": "event", '),),
        words=("field event_id alias changed: eventId -> event",),
    ),
    Case(
        id="msgspec-tagged-union",
        models="""\
import msgspec


class Get(msgspec.Struct, tag="get"):
    key: str


class Put(msgspec.Struct, tag="put"):
    key: str
    value: bytes


class Request(msgspec.Struct):
    op: Get | Put
""",
        cache=MSGSPEC,
        records=("mypkg.models:Request",),
        # tag=str.lower computes the same tag "get" from the class name.
        harmless=((MODELS, 'tag="get"', "tag=str.lower"),),
        breaking=((MODELS, 'tag="put"', 'tag="set"'),),
        words=("mypkg.models:Put: option tag changed: 'put' -> 'set'",),
    ),
    Case(
        id="msgspec-omit-defaults",
        models="""\
import msgspec


class Entry(msgspec.Struct, omit_defaults=True):
    name: str
    retries: int = 3
""",
        cache=MSGSPEC,
        records=("mypkg.models:Entry",),
        harmless=(_after_class_line("Entry", "(msgspec.Struct, omit_defaults=True)"),),
        breaking=((MODELS, "retries: int = 3", "retries: int = 5"),),
        words=("field retries default changed: 3 -> 5", "omit_defaults"),
    ),
    Case(
        id="annotated-msgspec-meta",
        models="""\
from typing import Annotated

import msgspec


class Limits(msgspec.Struct):
    count: Annotated[int, msgspec.Meta(ge=0)]
""",
        cache=MSGSPEC,
        records=("mypkg.models:Limits",),
        # Documentation in Meta is no constraint.
        harmless=((MODELS, "msgspec.Meta(ge=0)", 'msgspec.Meta(ge=0, description="how many")'),),
        breaking=((MODELS, "msgspec.Meta(ge=0,", "msgspec.Meta(ge=0, le=10,"),),
        words=(
            "field count type changed: Annotated[int, Meta(ge=0)] -> "
            "Annotated[int, Meta(ge=0, le=10)]",
        ),
    ),
    # --- plain classes through pickle -----------------------------------------
    Case(
        id="pickle-slots",
        models="""\
class Token:
    __slots__ = ("kind", "text")

    def __init__(self, kind, text):
        self.kind = kind
        self.text = text
""",
        cache=PICKLE,
        records=("mypkg.models:Token",),
        harmless=(_after_class_line("Token"),),
        breaking=((MODELS, '__slots__ = ("kind", "text")', '__slots__ = ("kind", "value")'),),
        words=("field renamed text -> value",),
    ),
    Case(
        id="pickle-getstate",
        models="""\
class Counter:
    name: str
    hits: int

    def __init__(self, name, hits):
        self.name = name
        self.hits = hits

    def __getstate__(self):
        return (self.name, self.hits)

    def __setstate__(self, state):
        self.name, self.hits = state
""",
        cache=PICKLE,
        records=("mypkg.models:Counter",),
        # Pickle stores no field types: an annotation-only change is harmless.
        harmless=(_after_class_line("Counter"), (MODELS, "hits: int\n", "hits: float\n")),
        breaking=((MODELS, "hits: float\n", "count: float\n"),),
        words=("field renamed hits -> count",),
    ),
    Case(
        id="pickle-dict-annotations",
        models="""\
class Settings:
    path: str
    level: int = 0
""",
        cache=PICKLE,
        records=("mypkg.models:Settings",),
        # A ClassVar lives on the class, not in the pickled __dict__.
        harmless=(
            (
                MODELS,
                "class Settings:\n",
                "from typing import ClassVar\n\n\n"
                "class Settings:\n    registry: ClassVar[dict] = {}\n",
            ),
            _after_class_line("Settings"),
        ),
        breaking=((MODELS, "level: int = 0", "verbosity: int = 0"),),
        words=("field renamed level -> verbosity",),
    ),
    Case(
        id="pickle-reduce",
        models=REDUCING_VERSION,
        cache=PICKLE,
        records=("mypkg.models:Version",),
        harmless=(_after_class_line("Version"),),
        breaking=(
            (MODELS, "epoch: int = 0):\n", 'epoch: int = 0, local: str = ""):\n'),
            (MODELS, "self.epoch = epoch\n", "self.epoch = epoch\n        self.local = local\n"),
        ),
        words=("field local (str, default '') added at position 2",),
    ),
    Case(
        # The plugin cannot see inside __reduce__: the serialized form catches it.
        id="pickle-reduce-payload",
        models=REDUCING_VERSION,
        cache=PICKLE,
        records=("mypkg.models:Version",),
        harmless=(_after_class_line("Version"),),
        breaking=(
            (MODELS, "return (Version, (self.text, self.epoch))", "return (Version, (self.text,))"),
        ),
        words=(
            "serialized form of mypkg.models:Version changed",
            "SIMPLE_CACHE_VERSION is still 0",
        ),
    ),
    # --- dataclass, NamedTuple, TypedDict ----------------------------------------
    Case(
        id="dataclass-kw-only-initvar-init-false",
        models="""\
import dataclasses


@dataclasses.dataclass(kw_only=True)
class Job:
    name: str
    scale: dataclasses.InitVar[int]
    priority: int = 0
    cost: int = dataclasses.field(init=False, default=0)

    def __post_init__(self, scale):
        self.cost = scale * 2
""",
        cache=MSGPACK,
        records=("mypkg.models:Job",),
        # kw_only changes __init__, not the fields or their order.
        harmless=(
            (MODELS, "@dataclasses.dataclass(kw_only=True)", "@dataclasses.dataclass"),
            _after_class_line("Job"),
        ),
        breaking=((MODELS, "dataclasses.field(init=False, default=0)", "0"),),
        words=("field cost init changed: False -> (none)",),
    ),
    Case(
        id="namedtuple",
        models="""\
from typing import NamedTuple


class Span(NamedTuple):
    start: int
    end: int
    label: str = ""
""",
        cache=MSGPACK,
        records=("mypkg.models:Span",),
        harmless=(_after_class_line("Span", "(NamedTuple)"),),
        breaking=((MODELS, "start: int\n", "start: int\n    line: int\n"),),
        words=("field line (int) added at position 1 (before end)",),
    ),
    Case(
        id="typeddict-total-required-notrequired",
        models="""\
from typing import NotRequired, Required, TypedDict


class Movie(TypedDict, total=False):
    title: Required[str]
    year: int
""",
        cache=MSGPACK,
        records=("mypkg.models:Movie",),
        # The same required keys, spelled the other way round.
        harmless=(
            (
                MODELS,
                "class Movie(TypedDict, total=False):\n    title: Required[str]\n    year: int\n",
                "class Movie(TypedDict):\n    title: str\n    year: NotRequired[int]\n",
            ),
        ),
        breaking=((MODELS, "year: NotRequired[int]", "year: int"),),
        words=("field year is now required (was optional, no default)",),
    ),
    # --- typing constructs ----------------------------------------------------
    Case(
        id="newtype",
        models="""\
import dataclasses
from typing import NewType

UserId = NewType("UserId", int)


@dataclasses.dataclass
class Account:
    user: UserId
""",
        cache=MSGPACK,
        records=("mypkg.models:Account",),
        # Where the NewType is defined does not reach the bytes.
        harmless=(
            ("mypkg/ids.py", "", 'from typing import NewType\n\nUserId = NewType("UserId", int)\n'),
            (MODELS, 'UserId = NewType("UserId", int)', "from mypkg.ids import UserId"),
        ),
        breaking=(("mypkg/ids.py", 'NewType("UserId", int)', 'NewType("UserId", str)'),),
        words=("field user type changed: UserId(int) -> UserId(str)",),
    ),
    Case(
        id="literal",
        models="""\
import dataclasses
from typing import Literal


@dataclasses.dataclass
class Order:
    status: Literal["open", "closed"]
""",
        cache=MSGPACK,
        records=("mypkg.models:Order",),
        harmless=(
            (
                MODELS,
                'status: Literal["open", "closed"]',
                "status: Status",
            ),
            (
                MODELS,
                "@dataclasses.dataclass",
                'Status = Literal["open", "closed"]\n\n\n@dataclasses.dataclass',
            ),
        ),
        breaking=((MODELS, 'Literal["open", "closed"]', 'Literal["open", "closed", "held"]'),),
        words=(
            "field status type changed: Literal['open', 'closed'] -> "
            "Literal['open', 'closed', 'held']",
        ),
    ),
    Case(
        id="generic-parametrised",
        models="""\
import dataclasses
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclasses.dataclass
class Box(Generic[T]):
    item: T
    items: list[T]


@dataclasses.dataclass
class Shelf:
    box: Box[int]
""",
        cache=MSGPACK,
        records=("mypkg.models:Shelf",),
        # The type variable's name never reaches the bytes.
        harmless=(
            (MODELS, 'T = TypeVar("T")', 'ItemT = TypeVar("ItemT")'),
            (MODELS, "Generic[T]", "Generic[ItemT]"),
            (MODELS, "item: T\n    items: list[T]", "item: ItemT\n    items: list[ItemT]"),
        ),
        breaking=((MODELS, "box: Box[int]", "box: Box[str]"),),
        words=(
            "field box type changed: mypkg.models:Box[int] -> mypkg.models:Box[str]",
            "mypkg.models:Box[str]: record added (dataclass; fields: item, items)",
        ),
    ),
    Case(
        id="any",
        models="""\
import dataclasses
from typing import Any


@dataclasses.dataclass
class Note:
    payload: Any
""",
        cache=MSGPACK,
        records=("mypkg.models:Note",),
        harmless=(_after_class_line("Note"),),
        breaking=((MODELS, "payload: Any", "payload: str"),),
        words=("field payload type changed: Any -> str",),
    ),
]


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_kind(project: Project, case: Case) -> None:
    setup(project, case)
    record(project)
    apply(project, case.harmless)
    check(project, 0)
    apply(project, case.breaking)
    output = check(project, 1)
    for words in case.words:
        assert words in output


# --- a pickled class that moves ------------------------------------------------


def test_pickled_class_moved_to_another_module_fails_as_moved(project: Project) -> None:
    case = next(case for case in CASES if case.id == "pickle-slots")
    setup(project, case)
    record(project)
    project.write("mypkg/records.py", case.models)
    project.write(MODELS, "")
    project.declare('"mypkg.records:Token"')
    output = check(project, 1)
    assert "mypkg.models:Token moved to mypkg.records:Token" in output
    assert "pickle can no longer find" in output
    assert "SIMPLE_CACHE_VERSION is still 0" in output


# --- records read by position --------------------------------------------------

JSON_MSGSPEC = MSGSPEC.replace("msgspec.msgpack.Encoder()", "msgspec.json.Encoder()").replace(
    "msgspec.msgpack.decode", "msgspec.json.decode"
)

POSITIONAL = [
    pytest.param(
        CASES[3].models,
        JSON_MSGSPEC,
        "mypkg.models:Point",
        "mypkg.models:Point",
        id="msgspec-array-like-json",
    ),
    pytest.param(
        "from typing import NamedTuple\n\n\n"
        "class Span(NamedTuple):\n    start: int\n    end: int\n",
        PICKLE,
        "mypkg.models:Span",
        "mypkg.models:Span",
        id="namedtuple-pickle",
    ),
    pytest.param(
        "import dataclasses\nfrom typing import NamedTuple\n\n\n"
        "class Span(NamedTuple):\n    start: int\n    end: int\n\n\n"
        "@dataclasses.dataclass\nclass Doc:\n    span: Span\n",
        MSGPACK,
        "mypkg.models:Doc",
        "mypkg.models:Span",
        id="namedtuple-nested-in-a-map",
    ),
]


@pytest.mark.parametrize(("models", "cache", "root", "positional"), POSITIONAL)
def test_positional_records_get_a_warning_in_summary_and_report(
    project: Project, models: str, cache: str, root: str, positional: str
) -> None:
    import json

    project.declare(f'"{root}"')
    project.write(MODELS, models)
    project.write("mypkg/cache.py", cache)
    result = project.run("--cache-compat", "--snapshot-update", "--cache-compat-report=report.json")
    assert result.ret == 0, result.stdout.str()
    warning = f"{positional} is written positionally (as an array)"
    assert warning in result.stdout.str()
    report = json.loads((project.root / "report.json").read_text(encoding="utf-8"))
    warnings = [w for family in report["families"] for w in family["warnings"]]
    assert any(w.startswith(warning) for w in warnings), warnings
    # The root that holds it is written as a map: only the positional record is named.
    if root != positional:
        assert f"{root} is written positionally" not in result.stdout.str()


def test_records_written_as_maps_get_no_positional_warning(project: Project) -> None:
    case = next(case for case in CASES if case.id == "dataclass-kw-only-initvar-init-false")
    setup(project, case)
    result = record(project)
    assert "positionally" not in result.stdout.str()
