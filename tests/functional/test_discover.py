"""`pytest --cache-compat-discover` (docs/record-kinds.md): each type reaching dumps is declared."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

# Entry is declared; its ``extra`` is typed Any, so nothing tells the plugin
# that an Extra (with its own Source) is written inside it.
MODELS = """\
import dataclasses
import enum
from typing import Any


class Source(enum.Enum):
    INDEX = "index"
    LOCAL = "local"


@dataclasses.dataclass
class Hashes:
    sha256: str


@dataclasses.dataclass
class Extra:
    note: str
    source: Source


@dataclasses.dataclass
class Entry:
    name: str
    hashes: Hashes
    extra: Any = None
"""

CACHE = """\
import dataclasses
import enum

import msgpack

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def _plain(obj):
    if isinstance(obj, enum.Enum):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [_plain(item) for item in obj]
    return obj


def dumps(obj):
    return msgpack.packb(_plain(obj))


def loads(data):
    try:
        return msgpack.unpackb(data)
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
"""

# The suite imports dumps by name: a wrapped module attribute would miss it.
TESTS = """\
from mypkg.cache import dumps
from mypkg.models import Entry, Extra, Hashes, Source


def test_plain_entry():
    assert dumps(Entry("a", Hashes("00")))


def test_entry_with_extra():
    assert dumps(Entry("b", Hashes("11"), extra=[Extra("n", Source.LOCAL)]))


def test_entry_with_extra_again():
    assert dumps(Entry("c", Hashes("22"), extra=Extra("m", Source.INDEX)))


def test_not_caching():
    assert Extra("x", Source.INDEX).note == "x"
"""

ROOT = '"mypkg.models:Entry"'


def make(project: Project, records: str = ROOT, tests: str = TESTS, cache: str = CACHE) -> None:
    project.declare(records)
    project.write("mypkg/models.py", MODELS)
    project.write("mypkg/cache.py", cache)
    project.write("tests/test_plain.py", "")
    project.write("tests/test_cache.py", tests)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_undeclared_nested_record_fails_naming_it_and_the_test(
    project: Project, workers: list[str]
) -> None:
    make(project)
    result = project.run("--cache-compat-discover", *workers)
    output = result.stdout.str()
    assert result.ret == 1, output
    # The four tests themselves passed: the discovery fails the run.
    assert "4 passed" in output
    assert "2 undeclared record type(s) reached dumps" in output
    assert (
        "mypkg.models:Extra (family 'simple', mypkg.cache:dumps)\n"
        "    first written by tests/test_cache.py::test_entry_with_extra "
        "(and 1 more test), at .extra[0]"
    ) in output
    assert (
        "mypkg.models:Source (family 'simple', mypkg.cache:dumps)\n"
        "    first written by tests/test_cache.py::test_entry_with_extra (and 1 more test), "
        "at .extra[0].source"
    ) in output
    assert "Fix: add each to records of family 'simple'" in output
    assert "or make it reachable from a declared root" in output
    # Declared roots and what is reachable from them are covered.
    assert "mypkg.models:Entry (" not in output
    assert "mypkg.models:Hashes (" not in output
    assert "mypkg.cache:dumps called 3 times" in output

    make(project, records=f'{ROOT}, "mypkg.models:Extra"')
    result = project.run("--cache-compat-discover", *workers)
    output = result.stdout.str()
    assert result.ret == 0, output
    assert "every record type that reached dumps is declared" in output


def test_calls_through_a_module_attribute_and_a_wrapper_are_seen(project: Project) -> None:
    tests = """\
import functools

import mypkg.cache
from mypkg.models import Entry, Extra, Hashes, Source

write = functools.partial(mypkg.cache.dumps)


def test_through_module():
    mypkg.cache.dumps(Entry("a", Hashes("0"), extra={"k": Extra("x", Source.INDEX)}))


def test_through_partial():
    write((Extra("y", Source.INDEX),))
"""
    make(project, tests=tests)
    result = project.run("--cache-compat-discover")
    output = result.stdout.str()
    assert result.ret == 1, output
    assert "first written by tests/test_cache.py::test_through_module (and 1 more test)" in output
    assert "at .extra['k']" in output
    assert "mypkg.cache:dumps called 2 times" in output


def test_dumps_implemented_in_c_is_a_usage_error(project: Project) -> None:
    make(
        project, cache=CACHE.replace("def dumps(obj):", "dumps = pickle.dumps\n\n\ndef _old(obj):")
    )
    project.edit("mypkg/cache.py", "import msgpack\n", "import msgpack\nimport pickle\n")
    result = project.run("--cache-compat-discover")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert "family 'simple': dumps = mypkg.cache:dumps" in errors
    assert "implemented in C" in errors
    assert "Point dumps at a Python function that calls it" in errors


def test_a_family_whose_dumps_is_never_called_gets_a_warning(project: Project) -> None:
    make(project, tests="def test_nothing():\n    pass\n")
    result = project.run("--cache-compat-discover")
    output = result.stdout.str()
    assert result.ret == 0, output
    assert "the test suite never called dumps of family 'simple'" in output


def test_a_failing_test_still_fails_the_run(project: Project) -> None:
    make(
        project,
        records=f'{ROOT}, "mypkg.models:Extra"',
        tests=TESTS + "\n\ndef test_bad():\n    assert False\n",
    )
    result = project.run("--cache-compat-discover")
    assert result.ret == 1
    assert "every record type that reached dumps is declared" in result.stdout.str()


def test_without_the_option_nothing_is_watched(project: Project) -> None:
    make(project)
    result = project.run()
    output = result.stdout.str()
    assert result.ret == 0, output
    assert "cache-compat discover" not in output


# --- the walk itself, without a pytest session ---------------------------------------


def test_walk_reaches_records_of_every_kind_and_survives_cycles() -> None:
    import dataclasses
    import enum
    from typing import NamedTuple

    import attrs
    import msgspec
    import pydantic

    from pytest_cachecompat.discover import walk

    class Color(enum.Enum):
        RED = 1

    class Point(NamedTuple):
        x: int
        color: Color

    class Leaf(msgspec.Struct):
        point: Point

    class Model(pydantic.BaseModel):
        leaf: object

    @attrs.define
    class Node:
        model: object
        children: list[object]

    class Plain:
        __slots__ = ("cycle", "node")

    @dataclasses.dataclass
    class Root:
        items: dict[str, object]

    plain = Plain()
    node = Node(Model(leaf=Leaf(Point(1, Color.RED))), [])
    node.children.append(node)  # a cycle
    plain.node = node
    plain.cycle = plain
    found: list[tuple[str, str]] = []
    walk(Root({"p": plain}), lambda cls, path: found.append((cls.__name__, path)))
    assert found == [
        ("Root", "<argument>"),
        ("Plain", ".items['p']"),
        ("Node", ".items['p'].node"),
        ("Model", ".items['p'].node.model"),
        ("Leaf", ".items['p'].node.model.leaf"),
        ("Point", ".items['p'].node.model.leaf.point"),
        ("Color", ".items['p'].node.model.leaf.point.color"),
    ]


def test_walk_is_bounded() -> None:
    from pytest_cachecompat import discover

    deep: list[object] = []
    for _ in range(10 * discover.MAX_NODES):
        deep = [deep]
    calls: list[type] = []
    discover.walk(deep, lambda cls, path: calls.append(cls))  # returns, no RecursionError
    assert calls == []
