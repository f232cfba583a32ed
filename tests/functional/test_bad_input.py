"""Every bad input gets a clear error and changes nothing (the table in docs/errors.md).

Each case starts from the ``mypkg`` project with v0 recorded and frozen,
breaks one thing the way it happens in real life, runs a real pytest session
(a writing one where that makes sense: ``--snapshot-update`` and
``--cache-compat-freeze`` must not "repair" anything either), and checks the
exit status, the message, that no traceback from inside the plugin is shown,
and that every file of the store has the same bytes as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs
import pytest

if TYPE_CHECKING:
    from conftest import Project

USAGE = 4  # pytest.ExitCode.USAGE_ERROR
FAILED = 1
OK = 0

V0 = "tests/cachecompat/simple/v0"
LAYOUT = f"{V0}/mypkg.models.File.layout.json"
SAMPLES = f"{V0}/mypkg.models.File.samples.json"
MANIFEST = f"{V0}/MANIFEST.json"
ARCHIVE = f"{V0}/archives/mypkg.models.File-0.bin"
WRITE = ("--cache-compat", "--snapshot-update", "--cache-compat-freeze")
CHECK = ("--cache-compat",)


@attrs.frozen
class Case:
    id: str
    breaks: Callable[[Project], None]
    args: tuple[str, ...]
    status: int
    message: str  # a part of the message the user sees
    kept: str | None = None  # a path that must still exist afterwards (never deleted)


def family_key(old: str, new: str) -> Callable[[Project], None]:
    def breaks(project: Project) -> None:
        project.edit("pyproject.toml", old, new)

    return breaks


def extra(text: str) -> Callable[[Project], None]:
    return lambda project: project.configure(text)


def edit(relative: str, old: str, new: str) -> Callable[[Project], None]:
    return lambda project: project.edit(relative, old, new)


def write(relative: str, text: str) -> Callable[[Project], None]:
    return lambda project: project.write(relative, text) and None


def remove(relative: str) -> Callable[[Project], None]:
    return lambda project: (project.root / relative).unlink()


def flip_byte(relative: str) -> Callable[[Project], None]:
    def breaks(project: Project) -> None:
        path = project.root / relative
        data = bytearray(path.read_bytes())
        data[-1] ^= 0x01
        path.write_bytes(bytes(data))

    return breaks


def top_level(text: str) -> Callable[[Project], None]:
    def breaks(project: Project) -> None:
        project.edit(
            "pyproject.toml",
            "[tool.cachecompat.families.simple]",
            f"[tool.cachecompat]\n{text}\n\n[tool.cachecompat.families.simple]",
        )

    return breaks


NONE_LOADS = """\
def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    if next(unpacker) != SIMPLE_CACHE_VERSION:
        return None
    filename, hashes, requires_python, yanked = next(unpacker)
    return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))
"""


def none_loads_after_bump(project: Project) -> None:
    """v1 recorded (md5 added); its loads returns None for v0 entries, without miss = "none"."""
    project.edit(
        "mypkg/models.py",
        "class Hashes:\n    sha256",
        "class Hashes:\n    md5: str | None\n    sha256",
    )
    project.set_version(1)
    result = project.run("--cache-compat", "--snapshot-update", "-m", "cachecompat_layout")
    assert result.ret == 0, result.stdout.str()
    text = project.read("mypkg/cache.py")
    project.write("mypkg/cache.py", text[: text.index("def loads(data):")] + NONE_LOADS)


def rename_record(project: Project) -> None:
    """The class was renamed; the cache code follows, the declaration was forgotten."""
    project.edit("mypkg/models.py", "class File:", "class FileEntry:")
    project.edit("mypkg/cache.py", "import File,", "import FileEntry as File,")


def move_models(project: Project) -> None:
    """The module was renamed; the cache code follows, the declaration was forgotten."""
    (project.root / "mypkg/models.py").rename(project.root / "mypkg/entries.py")
    project.edit("mypkg/cache.py", "from mypkg.models import", "from mypkg.entries import")


def conftest_duplicate(project: Project) -> None:
    project.write(
        "conftest.py",
        """\
        from pytest_cachecompat import Family


        def pytest_cachecompat_families(config):
            return [Family(name="simple", version="mypkg.cache:SIMPLE_CACHE_VERSION",
                           records=["mypkg.models:File"], dumps="mypkg.cache:dumps",
                           loads="mypkg.cache:loads")]
        """,
    )


CASES = [
    # --- configuration: usage errors, before anything is read or written ----------------------
    Case(
        "missing-key",
        family_key('loads = "mypkg.cache:loads"\n', ""),
        WRITE,
        USAGE,
        "[tool.cachecompat.families.simple]: missing required key 'loads'",
    ),
    Case(
        "unknown-family-key",
        family_key("records =", "recods ="),
        WRITE,
        USAGE,
        "unknown key 'recods' (did you mean 'records'?)",
    ),
    Case(
        "unknown-top-key",
        top_level('stor = "elsewhere"'),
        WRITE,
        USAGE,
        "[tool.cachecompat]: unknown key 'stor' (did you mean 'store'?)",
    ),
    Case("invalid-miss", extra('miss = "nil"'), WRITE, USAGE, "miss = 'nil': must be one of none"),
    Case(
        "invalid-freeze",
        extra('freeze = "sometimes"'),
        WRITE,
        USAGE,
        "freeze = 'sometimes': must be one of recorded, released",
    ),
    Case(
        "invalid-expect",
        extra('expect = { "0" = "maybe" }'),
        WRITE,
        USAGE,
        "expect.0 = 'maybe': must be one of reject, load",
    ),
    Case(
        "invalid-timeout",
        extra("timeout = -1"),
        WRITE,
        USAGE,
        "timeout: must be a positive number of seconds, not -1",
    ),
    Case(
        "invalid-isolate",
        top_level('isolate = "yes"'),
        WRITE,
        USAGE,
        "isolate: must be true or false",
    ),
    Case(
        "invalid-family-isolate",
        extra('isolate = "yes"'),
        WRITE,
        USAGE,
        "isolate: must be true or false",
    ),
    Case(
        "invalid-default-samples",
        extra('default_samples = "no"'),
        WRITE,
        USAGE,
        "default_samples: must be true or false",
    ),
    Case(
        "store-in-snapshots",
        top_level('store = "tests/__snapshots__/cachecompat"'),
        WRITE,
        USAGE,
        "must not be inside a syrupy __snapshots__ folder",
    ),
    Case(
        "missing-attribute",
        family_key('dumps = "mypkg.cache:dumps"', 'dumps = "mypkg.cache:dump"'),
        WRITE,
        USAGE,
        "dumps = 'mypkg.cache:dump': 'mypkg.cache' has no attribute 'dump'",
    ),
    Case(
        "module-does-not-import",
        family_key('loads = "mypkg.cache:loads"', 'loads = "mypkg.kache:loads"'),
        WRITE,
        USAGE,
        "loads = 'mypkg.kache:loads': cannot import 'mypkg.kache'",
    ),
    Case(
        "not-callable",
        family_key('dumps = "mypkg.cache:dumps"', 'dumps = "mypkg.cache:SIMPLE_CACHE_VERSION"'),
        WRITE,
        USAGE,
        "dumps = 'mypkg.cache:SIMPLE_CACHE_VERSION': is not callable (int)",
    ),
    Case(
        "not-an-exception",
        family_key('rejects = ["mypkg.cache:CacheMiss"]', 'rejects = ["mypkg.cache:loads"]'),
        WRITE,
        USAGE,
        "rejects = 'mypkg.cache:loads': is not an exception class",
    ),
    Case(
        "version-wrong-kind",
        lambda p: p.set_version(1.5),
        WRITE,
        USAGE,
        "version = 'mypkg.cache:SIMPLE_CACHE_VERSION': the constant",
    ),
    Case(
        "record-no-longer-imports",
        rename_record,
        WRITE,
        USAGE,
        "records = 'mypkg.models:File': 'mypkg.models' has no attribute 'File'",
    ),
    Case(
        "record-module-gone",
        move_models,
        WRITE,
        USAGE,
        "records = 'mypkg.models:File': cannot import 'mypkg.models': ModuleNotFoundError",
    ),
    Case(
        "project-does-not-import",
        edit("mypkg/cache.py", "def dumps(file):", "def dumps(file:"),
        WRITE,
        USAGE,
        "version = 'mypkg.cache:SIMPLE_CACHE_VERSION': cannot import 'mypkg.cache': SyntaxError",
    ),
    Case("declared-twice", conftest_duplicate, WRITE, USAGE, "family 'simple' is declared twice"),
    Case(
        "negative-fuzz-count",
        lambda p: None,
        ("--cache-compat", "--cache-compat-fuzz=-3"),
        USAGE,
        "--cache-compat-fuzz: must be a number of variants (0 or more)",
    ),
    # --- store files edited into invalid content: the item fails, the file stays ------------
    Case(
        "layout-invalid-json",
        write(LAYOUT, "{ edited"),
        WRITE,
        FAILED,
        "mypkg.models.File.layout.json: not valid JSON",
    ),
    Case(
        "samples-invalid-json",
        write(SAMPLES, "[1, 2"),
        WRITE,
        FAILED,
        "mypkg.models.File.samples.json: not valid JSON",
    ),
    Case(
        "layout-not-a-layout",
        write(LAYOUT, '{"fields": []}\n'),
        WRITE,
        FAILED,
        "not a recorded layout (no 'record' key)",
    ),
    Case(
        "manifest-invalid-json",
        write(MANIFEST, "{"),
        WRITE,
        FAILED,
        "MANIFEST.json: not valid JSON",
    ),
    Case(
        "manifest-not-a-manifest",
        write(MANIFEST, '{"archives": []}\n'),
        WRITE,
        FAILED,
        "MANIFEST.json: not a pytest-cachecompat manifest",
    ),
    Case("archive-edited", flip_byte(ARCHIVE), WRITE, FAILED, "mypkg.models.File-0.bin was edited"),
    Case("archive-missing", remove(ARCHIVE), WRITE, FAILED, "mypkg.models.File-0.bin is listed in"),
    Case(
        "regressions-invalid",
        write(f"{V0}/REGRESSIONS.json", "nope"),
        WRITE,
        FAILED,
        "REGRESSIONS.json: not valid JSON",
    ),
    # --- unknown files: reported, never deleted -----------------------------------------------
    Case(
        "unknown-file-in-version",
        write(f"{V0}/notes.txt", "mine\n"),
        WRITE,
        OK,
        "warning: stale: tests/cachecompat/simple/v0/notes.txt: unknown file in family 'simple' v0",
        kept=f"{V0}/notes.txt",
    ),
    Case(
        "unknown-archive",
        write(f"{V0}/archives/extra.bin", "x"),
        WRITE,
        OK,
        "extra.bin: archive not listed in family 'simple' v0's MANIFEST.json",
        kept=f"{V0}/archives/extra.bin",
    ),
    Case(
        "unknown-family-folder",
        write("tests/cachecompat/other/v0/x.layout.json", "{}"),
        WRITE,
        OK,
        "folder of a family named 'other', but no such family is declared",
        kept="tests/cachecompat/other/v0/x.layout.json",
    ),
    Case(
        "unknown-file-release",
        write(f"{V0}/notes.txt", "mine\n"),
        ("--cache-compat", "--cache-compat-release"),
        FAILED,
        "notes.txt",
        kept=f"{V0}/notes.txt",
    ),
    # --- the project's own code -----------------------------------------------------------------
    Case(
        "dumps-not-deterministic",
        edit(
            "mypkg/cache.py",
            "msgpack.packb(_fields(file))",
            "msgpack.packb(_fields(file)) + msgpack.packb(__import__('time').perf_counter_ns())",
        ),
        WRITE,
        FAILED,
        "dumps = mypkg.cache:dumps is not deterministic",
    ),
    Case(
        "dumps-not-bytes",
        edit("mypkg/cache.py", "def dumps(file):\n", "def dumps(file):\n    return 'x'\n"),
        WRITE,
        FAILED,
        "dumps = mypkg.cache:dumps returned str, expected bytes",
    ),
    Case(
        "dumps-raises",
        edit("mypkg/cache.py", "def dumps(file):\n", "def dumps(file):\n    1 / 0\n"),
        WRITE,
        FAILED,
        "dumps = mypkg.cache:dumps raised ZeroDivisionError: division by zero",
    ),
    Case(
        "samples-hook-raises",
        lambda p: (
            p.write("mypkg/testing.py", "def samples():\n    raise RuntimeError('no network')\n"),
            p.configure('samples = "mypkg.testing:samples"'),
        )[-1],
        WRITE,
        FAILED,
        "the samples hook raised RuntimeError: no network",
    ),
    Case(
        "loads-returns-none",
        none_loads_after_bump,
        CHECK,
        FAILED,
        "loads returned None, but the family declares no miss value",
    ),
]


@pytest.fixture
def frozen(recorded: Project) -> Project:
    result = recorded.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    return recorded


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(frozen: Project, case: Case) -> None:
    case.breaks(frozen)
    before = frozen.store_state(dotfiles=True)

    result = frozen.run(*case.args)

    out = result.stdout.str() + result.stderr.str()
    assert result.ret == case.status, out
    assert case.message in out, out
    assert "Traceback" not in out, out
    assert "pytest_cachecompat/" not in out, out  # no frame from inside the plugin
    assert frozen.store_state(dotfiles=True) == before
    if case.kept:
        assert (frozen.root / case.kept).exists()
    if case.status == USAGE:
        assert "ERROR: cachecompat: " in result.stderr.str() or "error: argument" in out


def test_every_row_of_the_docs_table_has_a_case() -> None:
    """docs/errors.md names each case id, so the table and the tests cannot drift apart."""
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "errors.md").read_text(encoding="utf-8")
    missing = [case.id for case in CASES if f"`{case.id}`" not in text]
    assert not missing
