"""A little real project for pytester sessions: ``mypkg`` with a msgpack cache of attrs records.

It is the package-index case from the README: ``File`` holds ``Hashes`` and a
``Yanked`` enum, written as positional msgpack arrays behind a version header.
Tests edit its sources the way a developer would and run real pytest sessions.
"""

from __future__ import annotations

import hashlib
import importlib
import linecache
import sys
import textwrap
import types
from pathlib import Path

import pytest
from helpers import validate_reports_of

PYPROJECT = """\
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]

[tool.cachecompat.families.simple]
version = "mypkg.cache:SIMPLE_CACHE_VERSION"
records = [{records}]
dumps = "mypkg.cache:dumps"
loads = "mypkg.cache:loads"
rejects = ["mypkg.cache:CacheMiss"]
{extra}
"""

MODELS = """\
from __future__ import annotations

import enum

import attrs


class Yanked(enum.Enum):
    NO = 0
    YES = 1


@attrs.frozen
class Hashes:
    sha256: str | None


@attrs.frozen
class File:
    filename: str
    hashes: Hashes
    requires_python: str | None
    yanked: Yanked
"""

# A careful cache: a version header, and anything unexpected becomes CacheMiss.
CACHE = """\
import attrs
import msgpack

from mypkg.models import File, Hashes, Yanked

SIMPLE_CACHE_VERSION = {version}


class CacheMiss(Exception):
    pass


def _fields(obj):
    if isinstance(obj, Yanked):
        return obj.value
    if attrs.has(type(obj)):
        return [_fields(getattr(obj, f.name)) for f in attrs.fields(type(obj))]
    return obj


def dumps(file):
    return msgpack.packb(SIMPLE_CACHE_VERSION) + msgpack.packb(_fields(file))


def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    try:
        version = next(unpacker)
        payload = next(unpacker)
    except Exception as exc:
        raise CacheMiss(f"unreadable entry: {{exc}}") from exc
    if version != SIMPLE_CACHE_VERSION:
        raise CacheMiss(f"entry written by cache version {{version}}")
    try:
        filename, hashes, requires_python, yanked = payload
        return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))
    except Exception as exc:
        raise CacheMiss(f"bad entry: {{exc}}") from exc
"""


class Project:
    """The project on disk, and the actions a developer takes on it."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.root = pytester.path
        self.store = self.root / "tests" / "cachecompat"
        self.declare()
        self.write("mypkg/__init__.py", "")
        self.write("mypkg/models.py", MODELS)
        self.write("mypkg/cache.py", CACHE.format(version=0))
        self.write("tests/test_plain.py", "def test_plain():\n    assert True\n")

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def edit(self, relative: str, old: str, new: str) -> None:
        text = self.read(relative)
        assert old in text, f"{old!r} not in {relative}"
        self.write(relative, text.replace(old, new))

    def configure(self, extra: str) -> None:
        """Append keys to the family table of pyproject.toml."""
        self.declare(extra=extra)

    def declare(self, records: str = '"mypkg.models:File"', extra: str = "") -> None:
        """Write pyproject.toml declaring family ``simple`` with these roots and extra keys."""
        text = PYPROJECT.format(records=records, extra=textwrap.dedent(extra))
        self.write("pyproject.toml", text)

    def set_version(self, version: object) -> None:
        text = self.read("mypkg/cache.py")
        lines = [
            f"SIMPLE_CACHE_VERSION = {version!r}"
            if line.startswith("SIMPLE_CACHE_VERSION =")
            else line
            for line in text.splitlines()
        ]
        self.write("mypkg/cache.py", "\n".join(lines) + "\n")

    def run(self, *args: str) -> pytest.RunResult:
        _forget_project_modules()
        result = self.pytester.runpytest("-p", "no:cacheprovider", *args)
        validate_reports_of(args, self.root)  # every report a test writes matches the schema
        return result

    def run_subprocess(self, *args: str) -> pytest.RunResult:
        result = self.pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
        validate_reports_of(args, self.root)
        return result

    def store_state(self, *, dotfiles: bool = False) -> dict[str, str]:
        """sha256 of every file in the store, by relative path.

        ``dotfiles`` includes hidden files too (temporary files of atomic writes).
        """
        if not self.store.exists():
            return {}
        return {
            path.relative_to(self.store).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(self.store.rglob("*"))
            if path.is_file() and (dotfiles or not path.name.startswith("."))
        }


def _forget_project_modules() -> None:
    # In-process runs share this interpreter: make the next run import the
    # project's edited sources, never cached modules or stale bytecode.
    for name in [n for n in sys.modules if n == "mypkg" or n.startswith("mypkg.")]:
        del sys.modules[name]
    # pytester drops the modules a run imported from sys.modules, but the
    # package keeps them as attributes, and `from . import store` would hand
    # the next run those stale modules (bound to a stale attrs): forget them.
    import pytest_cachecompat

    for name, value in list(vars(pytest_cachecompat).items()):
        if isinstance(value, types.ModuleType) and sys.modules.get(value.__name__) is not value:
            delattr(pytest_cachecompat, name)
    # Tracebacks quote source lines: never from an earlier version of an edited file.
    linecache.clearcache()
    importlib.invalidate_caches()


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    # Inner runs must not inherit the outer xdist worker's identity: syrupy
    # reads it from the environment and, believing itself a worker, skips its
    # report and its unused-snapshot cleanup (which the safety tests exercise).
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    return Project(pytester)


@pytest.fixture
def recorded(project: Project) -> Project:
    """The project with v0 recorded, as after its first `--snapshot-update`."""
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    return project
