"""A cache with no record class: a formatter's ``dict[str, tuple[float, int]]``, as a root."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

CACHE = """\
import pickle
from typing import TypeAlias

SIMPLE_CACHE_VERSION = 0

Cache: TypeAlias = dict[str, tuple[float, int]]


class CacheMiss(Exception):
    pass


def dumps(cache):
    return pickle.dumps(cache, protocol=4)


def loads(data):
    try:
        value = pickle.loads(data)
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
    if not isinstance(value, dict):
        raise CacheMiss("not a dict")
    return value
"""


def _alias_project(project: Project) -> Project:
    project.write("mypkg/cache.py", CACHE)
    project.declare(records='"mypkg.cache:Cache"')
    return project


def test_an_alias_root_is_recorded_and_its_archives_load(project: Project) -> None:
    _alias_project(project)

    first = project.run("--cache-compat", "--snapshot-update", "--cache-compat-freeze")

    assert first.ret == 0, first.stdout.str()
    layout = project.read("tests/cachecompat/simple/v0/mypkg.cache.Cache.layout.json")
    assert '"kind": "alias"' in layout
    assert '"type": "dict[str, tuple[float, int]]"' in layout
    again = project.run("--cache-compat")
    assert again.ret == 0, again.stdout.str()
    assert "archives v0 (current): 2 loaded" in again.stdout.str()


def test_changing_the_alias_without_a_bump_names_it_and_the_change(project: Project) -> None:
    _alias_project(project)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    project.edit("mypkg/cache.py", "tuple[float, int]]", "tuple[float, int, str]]")

    result = project.run("--cache-compat")

    assert result.ret == 1
    out = result.stdout.str()
    assert "layout of mypkg.cache:Cache changed but SIMPLE_CACHE_VERSION is still 0" in out
    assert (
        "mypkg.cache:Cache: field value type changed: dict[str, tuple[float, int]] -> "
        "dict[str, tuple[float, int, str]]"
    ) in out


def test_an_alias_given_as_an_object_must_be_a_reference(project: Project) -> None:
    _alias_project(project)
    project.declare(records='"mypkg.cache:Cache"')
    project.write(
        "conftest.py",
        "import pytest_cachecompat\n\n\n"
        "def pytest_cachecompat_families(config):\n"
        "    return [pytest_cachecompat.Family(\n"
        "        name='direct', version='mypkg.cache:SIMPLE_CACHE_VERSION',\n"
        "        records=[dict[str, int]], dumps='mypkg.cache:dumps', loads='mypkg.cache:loads',\n"
        "    )]\n",
    )

    result = project.run("--cache-compat")

    assert result.ret == 4
    err = result.stderr.str()
    assert "family 'direct'" in err
    assert "a type alias must be given by reference ('module:Name')" in err
