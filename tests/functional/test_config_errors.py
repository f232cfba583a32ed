"""Bad declarations and bad store files: a usage error or a failing item that says what to fix.

Never a traceback from inside the plugin, and never a change to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from helpers import assert_clean, family_hook_conftest

if TYPE_CHECKING:
    from conftest import Project


FAMILY = {
    "version": '"mypkg.cache:SIMPLE_CACHE_VERSION"',
    "records": '["mypkg.models:File"]',
    "dumps": '"mypkg.cache:dumps"',
    "loads": '"mypkg.cache:loads"',
    "rejects": '["mypkg.cache:CacheMiss"]',
}

# Things a cache module might also hold, for references of the wrong kind.
EXTRAS = """

FLOAT_VERSION = 1.5
LIST_VERSION = [1, 2]


def make_file():
    return None


class NotARecord:
    # No fields, no slots, no state set in __init__: nothing pickle would store.
    def describe(self):
        return "not a record"


def dumps_as_text(file):
    return repr(file)


def dumps_that_raises(file):
    if file.requires_python is None:
        raise ValueError("requires_python must be set")
    return dumps(file)
"""


def declare(project: Project, **keys: str | None) -> None:
    """Write pyproject.toml declaring family ``simple`` with these keys changed (None drops one)."""
    body = {**FAMILY, **keys}
    lines = [f"{key} = {value}" for key, value in body.items() if value is not None]
    project.write(
        "pyproject.toml",
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["."]\n\n'
        "[tool.cachecompat.families.simple]\n" + "\n".join(lines) + "\n",
    )


def output(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


@pytest.fixture
def broken(recorded: Project) -> Project:
    """The recorded project, with extra objects in mypkg/cache.py to point references at."""
    recorded.write("mypkg/cache.py", recorded.read("mypkg/cache.py") + EXTRAS)
    return recorded


# --- usage errors at start-up --------------------------------------------------------------------

USAGE_CASES = [
    pytest.param(
        {"records": '["mypkg.nomodule:File"]'},
        [
            "family 'simple'",
            "records = 'mypkg.nomodule:File'",
            "cannot import 'mypkg.nomodule'",
            "ModuleNotFoundError",
        ],
        id="unimportable-record-module",
    ),
    pytest.param(
        {"dumps": '"mypkg.cache:dump"'},
        ["family 'simple'", "dumps = 'mypkg.cache:dump'", "'mypkg.cache' has no attribute 'dump'"],
        id="missing-dumps-attribute",
    ),
    pytest.param(
        {"framing": '"mypkg.cache:split"'},
        [
            "family 'simple'",
            "framing = 'mypkg.cache:split'",
            "'mypkg.cache' has no attribute 'split'",
        ],
        id="missing-framing-attribute",
    ),
    pytest.param(
        {"framing": '"mypkg.cache:FLOAT_VERSION"'},
        ["family 'simple'", "framing = 'mypkg.cache:FLOAT_VERSION'", "is not callable (float)"],
        id="framing-not-callable",
    ),
    pytest.param(
        {"version": '"mypkg.cache:FLOAT_VERSION"'},
        [
            "family 'simple'",
            "version = 'mypkg.cache:FLOAT_VERSION'",
            "must be an int or a str, not float (1.5)",
        ],
        id="float-version",
    ),
    pytest.param(
        {"version": '"mypkg.cache:LIST_VERSION"'},
        [
            "family 'simple'",
            "version = 'mypkg.cache:LIST_VERSION'",
            "must be an int or a str, not list",
        ],
        id="list-version",
    ),
    pytest.param(
        {"version": "3"},
        ["family 'simple'", "version", "'module:CONSTANT' reference string"],
        id="version-not-a-reference",
    ),
    pytest.param(
        {"records": '["mypkg.cache:make_file"]'},
        [
            "family 'simple'",
            "records = 'mypkg.cache:make_file'",
            "is neither a class nor a type alias (function)",
        ],
        id="record-is-a-function",
    ),
    pytest.param(
        {"records": '["mypkg.cache:NotARecord"]'},
        [
            "family 'simple'",
            "records = 'mypkg.cache:NotARecord'",
            "is not a supported record type",
        ],
        id="record-is-a-plain-class",
    ),
    pytest.param(
        {"dumps": '"mypkg.cache:SIMPLE_CACHE_VERSION"'},
        ["family 'simple'", "dumps = 'mypkg.cache:SIMPLE_CACHE_VERSION'", "is not callable (int)"],
        id="dumps-not-callable",
    ),
    pytest.param(
        {"recods": '["mypkg.models:File"]'},
        [
            "[tool.cachecompat.families.simple]",
            "unknown key 'recods'",
            "did you mean 'records'?",
        ],
        id="unknown-key",
    ),
    pytest.param(
        {"loads": None},
        ["[tool.cachecompat.families.simple]", "missing required key 'loads'"],
        id="missing-required-key",
    ),
    pytest.param(
        {"dumps": '"mypkg.cache"'},
        ["family 'simple'", "dumps = 'mypkg.cache'", "expected 'module:attribute'"],
        id="reference-without-colon",
    ),
    pytest.param(
        {"freeze": '"always"'},
        ["family 'simple'", "freeze = 'always'", "must be one of recorded, released"],
        id="bad-freeze",
    ),
]


@pytest.mark.parametrize(("keys", "words"), USAGE_CASES)
def test_bad_declaration_is_a_usage_error(
    broken: Project, keys: dict[str, str | None], words: list[str]
) -> None:
    before = broken.store_state()
    declare(broken, **keys)

    result = broken.run("--cache-compat", "--snapshot-update")
    text = output(result)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, text
    assert "cachecompat:" in result.stderr.str()
    for word in words:
        assert word in result.stderr.str(), (word, text)
    assert_clean(text)
    assert broken.store_state() == before


def test_bad_declaration_from_a_conftest_hook_is_a_usage_error(broken: Project) -> None:
    broken.write(
        "pyproject.toml",
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["."]\n',
    )
    broken.write(
        "tests/conftest.py", family_hook_conftest(dumps='"mypkg.cache:SIMPLE_CACHE_VERSION"')
    )
    result = broken.run("--cache-compat")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "conftest hook pytest_cachecompat_families family 'simple'" in err
    assert "dumps = 'mypkg.cache:SIMPLE_CACHE_VERSION': is not callable (int)" in err
    assert_clean(output(result))


def test_family_declared_twice_is_a_usage_error(broken: Project) -> None:
    broken.write("tests/conftest.py", family_hook_conftest())
    result = broken.run("--cache-compat")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "family 'simple' is declared twice" in result.stderr.str()
    assert_clean(output(result))


# --- failing items: problems found while checking ------------------------------------------------


def test_dumps_that_raises_on_a_sample_fails_its_item(broken: Project) -> None:
    before = broken.store_state()
    declare(broken, dumps='"mypkg.cache:dumps_that_raises"')
    for args in [("--cache-compat",), ("--cache-compat", "--snapshot-update")]:
        result = broken.run(*args, "-rA")
        text = output(result)
        assert result.ret == 1, text
        assert_clean(text)
        assert "FAILED tests/cachecompat/simple::layout[mypkg.models:File]" in text
        assert (
            "family 'simple': dumps = mypkg.cache:dumps_that_raises raised ValueError: "
            "requires_python must be set on sample 1 of mypkg.models:File: " in text
        )
        # the sample itself, readably
        assert "requires_python=None" in text or "'requires_python': None" in text
        assert "PASSED tests/cachecompat/simple::layout[mypkg.models:Hashes]" in text
        assert broken.store_state() == before


def test_dumps_returning_text_fails_its_item(broken: Project) -> None:
    before = broken.store_state()
    declare(broken, dumps='"mypkg.cache:dumps_as_text"')
    result = broken.run("--cache-compat", "--snapshot-update")
    text = output(result)
    assert result.ret == 1, text
    assert_clean(text)
    assert "FAILED tests/cachecompat/simple::layout[mypkg.models:File]" in text
    assert (
        "family 'simple': dumps = mypkg.cache:dumps_as_text returned str, expected bytes "
        "(sample 0 of mypkg.models:File)" in text
    )
    assert broken.store_state() == before


@pytest.mark.parametrize("update", [False, True], ids=["check", "update"])
def test_hand_edited_layout_file_fails_naming_the_file(recorded: Project, update: bool) -> None:
    path = recorded.store / "simple" / "v0" / "mypkg.models.Hashes.layout.json"
    path.write_text('{"record": "mypkg.models:Hashes", "fields": [\n', encoding="utf-8")
    before = recorded.store_state()
    args = ["--cache-compat", "--snapshot-update"] if update else ["--cache-compat"]

    result = recorded.run(*args, "-rA")
    text = output(result)
    assert result.ret == 1, text
    assert_clean(text)
    assert "FAILED tests/cachecompat/simple::layout[mypkg.models:Hashes]" in text
    assert f"{path.relative_to(recorded.root).as_posix()}: not valid JSON" in text
    assert "Restore it from version control" in text
    assert recorded.store_state() == before


def test_hand_edited_layout_after_a_bump_fails_naming_the_file(recorded: Project) -> None:
    """Reading the previous version to explain a bump must not crash on a broken file."""
    path = recorded.store / "simple" / "v0" / "mypkg.models.Yanked.layout.json"
    path.write_text("not json", encoding="utf-8")
    recorded.set_version(1)
    before = recorded.store_state()

    result = recorded.run("--cache-compat", "-rA")
    text = output(result)
    assert result.ret == 1, text
    assert_clean(text)
    assert f"{path.relative_to(recorded.root).as_posix()}: not valid JSON" in text
    assert recorded.store_state() == before


# --- a store pytest would never collect ----------------------------------------------------------

STORE_OUTSIDE = """\
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]

[tool.cachecompat]
store = "cc"

[tool.cachecompat.families.simple]
version = "mypkg.cache:SIMPLE_CACHE_VERSION"
records = ["mypkg.models:File"]
dumps = "mypkg.cache:dumps"
loads = "mypkg.cache:loads"
rejects = ["mypkg.cache:CacheMiss"]
"""


def test_store_outside_the_collected_paths_is_a_usage_error(project: Project) -> None:
    project.write("pyproject.toml", STORE_OUTSIDE)

    for args in [
        ("--cache-compat",),
        ("--cache-compat", "--snapshot-update", "--cache-compat-freeze"),
    ]:
        result = project.run(*args)
        text = output(result)
        assert result.ret == pytest.ExitCode.USAGE_ERROR, text
        err = result.stderr.str()
        assert "cachecompat: store = 'cc' lies outside the paths pytest collects (tests)" in err
        assert "so no cache-compat check would run" in err
        assert_clean(text)
        assert not (project.root / "cc").exists()
        assert not project.store.exists()


def test_store_outside_an_explicit_path_argument_is_a_note(project: Project) -> None:
    project.write("pyproject.toml", STORE_OUTSIDE)

    result = project.run("--cache-compat", "tests/test_plain.py")
    out = result.stdout.str()
    assert result.ret == 0, output(result)
    result.assert_outcomes(passed=1)
    assert (
        "no cache-compat checks collected: store = 'cc' lies outside the paths pytest collects "
        "(tests/test_plain.py)" in out
    )
    assert not (project.root / "cc").exists()


# --- mistakes inside the conftest hook -----------------------------------------------------------

HOOK_WITH_A_TYPO = family_hook_conftest(records=None, recods='["mypkg.models:File"]')

HOOK_THAT_RAISES = """\
def pytest_cachecompat_families(config):
    raise RuntimeError("boom")
"""


@pytest.mark.parametrize(
    ("conftest", "words"),
    [
        pytest.param(
            HOOK_WITH_A_TYPO,
            [
                "cachecompat: conftest hook pytest_cachecompat_families raised TypeError",
                "recods",
                "did you mean 'records'",
            ],
            id="unknown-keyword",
        ),
        pytest.param(
            HOOK_THAT_RAISES,
            ["cachecompat: conftest hook pytest_cachecompat_families raised RuntimeError: boom"],
            id="raises",
        ),
    ],
)
def test_a_conftest_hook_that_raises_is_a_usage_error(
    recorded: Project, conftest: str, words: list[str]
) -> None:
    before = recorded.store_state()
    recorded.write(
        "pyproject.toml",
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["."]\n',
    )
    recorded.write("tests/conftest.py", conftest)

    result = recorded.run("--cache-compat", "--snapshot-update")
    text = output(result)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, text
    for word in words:
        assert word in result.stderr.str(), (word, text)
    assert_clean(text)
    assert recorded.store_state() == before


def test_no_declared_family_is_a_usage_error(project: Project) -> None:
    """`--cache-compat` with nothing declared would check nothing: say so, and where to declare."""
    project.write("pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    project.write(
        "tests/sub/conftest.py", "def pytest_cachecompat_families(config):\n    return []\n"
    )

    result = project.run("--cache-compat")

    assert result.ret == 4
    err = result.stderr.str()
    assert "no cache family is declared" in err
    assert "[tool.cachecompat.families.<name>]" in err
    assert "a conftest deeper down is loaded too late" in err
    assert_clean(result.stdout.str() + err)
    assert not project.store.exists()
