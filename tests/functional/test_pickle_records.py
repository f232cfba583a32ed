"""Pickled plain classes as real caches have them (issues of real projects, end to end).

- a stats object that sets its attributes in ``__init__`` (no slots, no annotations);
- tree nodes with ``__slots__`` that later gain annotations and a class attribute,
  which pickle never stores;
- a record whose third-party base class has annotations that do not resolve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from test_kinds import PICKLE

if TYPE_CHECKING:
    from conftest import Project

STATS = """\
class Stats:
    def __init__(self, path: str, lines: int, errors: int = 0):
        self.path = path
        self.lines = lines
        self.errors = errors
"""

NODES = """\
class Node:
    __slots__ = ("children", "parent")

    def __init__(self, children, parent=None):
        self.children = children
        self.parent = parent
"""

THIRD_PARTY_BASE = """\
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from http.cookiejar import CookieJar


class BaseResponse:
    jar: CookieJar
"""

RESPONSE = """\
import attrs

from vendorlib.base import BaseResponse


@attrs.define
class Response(BaseResponse):
    status: int
    jar: "CookieJar | None" = None
"""


def _pickled(project: Project, models: str, record: str) -> Project:
    project.write("mypkg/models.py", models)
    project.write("mypkg/cache.py", PICKLE)
    project.declare(records=f'"{record}"')
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    return project


def test_a_class_setting_attributes_in_init_is_recorded_and_a_rename_fails(
    project: Project,
) -> None:
    _pickled(project, STATS, "mypkg.models:Stats")
    layout = project.read("tests/cachecompat/simple/v0/mypkg.models.Stats.layout.json")
    assert '"fields_from": "__init__ assignments"' in layout
    project.edit("mypkg/models.py", "self.lines = lines", "self.line_count = lines")

    result = project.run("--cache-compat")

    assert result.ret == 1
    out = result.stdout.str()
    assert "layout of mypkg.models:Stats changed but SIMPLE_CACHE_VERSION is still 0" in out
    assert (
        "mypkg.models:Stats: field renamed lines -> line_count (Any at position 1) "
        "(fields taken from __init__ assignments)"
    ) in out


def test_slots_that_gain_only_annotations_are_no_change(project: Project) -> None:
    _pickled(project, NODES, "mypkg.models:Node")
    project.edit(
        "mypkg/models.py",
        '    __slots__ = ("children", "parent")\n',
        '    __slots__ = ("children", "parent")\n'
        '    type = "file_input"\n'
        '    children: "list[Node]"\n'
        '    parent: "Node | None"\n',
    )

    result = project.run("--cache-compat")

    assert result.ret == 0, result.stdout.str()


def test_a_renamed_slot_still_fails(project: Project) -> None:
    _pickled(project, NODES, "mypkg.models:Node")
    project.edit("mypkg/models.py", '("children", "parent")', '("kids", "parent")')
    project.edit("mypkg/models.py", "self.children = children", "self.kids = children")

    result = project.run("--cache-compat")

    assert result.ret == 1
    assert "mypkg.models:Node: field renamed children -> kids" in result.stdout.str()


def test_unresolvable_annotations_of_a_third_party_base_are_a_warning(
    project: Project,
) -> None:
    project.write("vendorlib/__init__.py", "")
    project.write("vendorlib/base.py", THIRD_PARTY_BASE)

    _pickled(project, RESPONSE, "mypkg.models:Response")
    result = project.run("--cache-compat")

    assert result.ret == 0, result.stdout.str()
    out = result.stdout.str()
    assert (
        "mypkg.models:Response: field jar of mypkg.models:Response: its annotation "
        "'CookieJar | None' cannot be resolved (NameError: name 'CookieJar' is not defined)"
    ) in out


SESSION_MODELS = """\
from http.cookiejar import CookieJar

import attrs


@attrs.frozen
class Session:
    user: str
    jar: CookieJar
"""

SESSION_CACHE = """\
import json
import time
from http.cookiejar import CookieJar

from mypkg.models import Session

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def samples():
    jar = CookieJar()
    jar._now = time.time_ns()  # a clock in someone else's private state
    return [Session("ada", jar)]


def dumps(session):
    return json.dumps({"user": session.user, "cookies": [c.name for c in session.jar]}).encode()


def loads(data):
    raise CacheMiss("never read in this test")
"""


def test_a_clock_inside_a_third_party_sample_object_is_no_change(project: Project) -> None:
    project.write("mypkg/models.py", SESSION_MODELS)
    project.write("mypkg/cache.py", SESSION_CACHE)
    project.declare(
        records='"mypkg.models:Session"',
        extra='samples = "mypkg.cache:samples"\ndefault_samples = false\n',
    )
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    recorded = project.read("tests/cachecompat/simple/v0/mypkg.models.Session.samples.json")

    later = project.run("--cache-compat")

    assert later.ret == 0, later.stdout.str()
    # What the file shows beside the bytes is what reaches them: the jar is named.
    assert '"$object": "http.cookiejar:CookieJar"' in recorded
    assert "_now" not in recorded
