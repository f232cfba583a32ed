"""A project's own record kind, through the public protocol (docs/record-kinds.md).

The project's records are a home-grown schema class that no built-in kind
handles: fields declared in a ``FIELDS`` mapping, set from keyword
arguments. A ``RecordKind`` registered by the conftest hook gives them
layouts, samples, a failing gate on a change and golden checks, like any
built-in kind.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from helpers import outcomes

if TYPE_CHECKING:
    from conftest import Project

SCHEMA = """\
class Record:
    FIELDS: dict = {}

    def __init__(self, **values):
        for name in self.FIELDS:
            setattr(self, name, values[name])

    def __eq__(self, other):
        return type(other) is type(self) and vars(other) == vars(self)


class Package(Record):
    FIELDS = {"name": str, "size": int}
"""

KINDS = """\
from pytest_cachecompat import FieldInfo, RecordKind

from mypkg.schema import Record


class SchemaKind(RecordKind):
    name = "schema"

    def detect(self, cls):
        return issubclass(cls, Record) and cls is not Record

    def fields(self, cls, hints):
        return [FieldInfo(name, hint, required=True) for name, hint in cls.FIELDS.items()]
"""

CACHE = """\
import json

from mypkg.schema import Package

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def dumps(package):
    return json.dumps({name: getattr(package, name) for name in Package.FIELDS}).encode()


def loads(data):
    try:
        return Package(**json.loads(data))
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
"""

CONFTEST = """\
from mypkg.kinds import SchemaKind


def pytest_cachecompat_record_kinds(config):
    return [SchemaKind]
"""


def _schema_project(project: Project) -> Project:
    project.write("mypkg/schema.py", SCHEMA)
    project.write("mypkg/kinds.py", KINDS)
    project.write("mypkg/cache.py", CACHE)
    project.write("conftest.py", CONFTEST)
    project.declare(records='"mypkg.schema:Package"')
    return project


def test_a_project_kind_records_layouts_and_samples(project: Project) -> None:
    _schema_project(project)

    result = project.run("--cache-compat", "--snapshot-update")

    assert result.ret == 0, result.stdout.str()
    v0 = "tests/cachecompat/simple/v0"
    layout = json.loads(project.read(f"{v0}/mypkg.schema.Package.layout.json"))
    assert layout["kind"] == "schema"
    assert [(f["name"], f["type"]) for f in layout["fields"]] == [("name", "str"), ("size", "int")]
    samples = project.read(f"{v0}/mypkg.schema.Package.samples.json")
    assert '"name"' in samples and '"size"' in samples


def test_a_project_kind_fails_the_gate_on_a_change_without_a_bump(project: Project) -> None:
    _schema_project(project)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    project.edit("mypkg/schema.py", '"size": int}', '"size": int, "version": str}')

    result = project.run("--cache-compat")

    assert result.ret == 1
    out = result.stdout.str()
    assert "layout of mypkg.schema:Package changed but SIMPLE_CACHE_VERSION is still 0" in out
    assert "mypkg.schema:Package: field version (str) added at position 2" in out


def test_a_project_kind_gets_golden_checks(project: Project) -> None:
    _schema_project(project)
    assert project.run("--cache-compat", "--snapshot-update", "--cache-compat-freeze").ret == 0
    manifest = json.loads(project.read("tests/cachecompat/simple/v0/MANIFEST.json"))
    expected = manifest["archives"][0]["expected"]
    # The kind's field_values give the canonical form: a record with its fields.
    assert expected["$record"] == "mypkg.schema:Package"
    assert set(expected["fields"]) == {"name", "size"}
    assert outcomes(project.run("--cache-compat", "-rA", "-m", "cachecompat")) == {
        "tests/cachecompat/simple::golden[v0]": "PASSED",
        "tests/cachecompat/simple::layout[mypkg.schema:Package]": "PASSED",
    }

    # A loader that swaps two fields now misreads every archive.
    project.edit(
        "mypkg/cache.py",
        "return Package(**json.loads(data))",
        (
            "values = json.loads(data)\n"
            "        return Package(name=str(values['size']), size=len(values['name']))"
        ),
    )
    result = project.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = result.stdout.str()
    assert "golden archive" in out and "mypkg.schema:Package" in out
    assert "name" in out and "size" in out


def test_a_kind_named_like_a_built_in_kind_is_a_usage_error(project: Project) -> None:
    _schema_project(project)
    project.edit("mypkg/kinds.py", 'name = "schema"', 'name = "attrs"')

    result = project.run("--cache-compat")

    assert result.ret == 4  # pytest's usage error
    err = result.stderr.str()
    assert "conftest hook pytest_cachecompat_record_kinds" in err
    assert "record kind name 'attrs' is a built-in kind's" in err
    assert "Traceback" not in err


def test_a_kind_that_raises_names_itself_and_the_class(project: Project) -> None:
    _schema_project(project)
    project.edit(
        "mypkg/kinds.py",
        "        return [FieldInfo(",
        "        raise LookupError('no FIELDS table')\n        return [FieldInfo(",
    )

    result = project.run("--cache-compat")

    assert result.ret == 4
    err = result.stderr.str()
    assert "record kind 'schema' raised LookupError while inspecting mypkg.schema:Package" in err
    assert "no FIELDS table" in err
