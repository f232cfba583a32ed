"""A run that selects only the plugin's checks never imports the ordinary test modules.

The project's ordinary test modules write a marker file and then raise at
import, so a run that imported one would both leave the file and fail with a
collection error. Conftest files still load: a conftest in a sub-folder
leaves its own marker. Likewise a run builds only the kinds of check (layout,
golden) that its ``-m`` can select: a conftest hook lists what was built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from helpers import outcomes

if TYPE_CHECKING:
    from conftest import Project

FILE = "tests/cachecompat/simple::layout[mypkg.models:File]"
HASHES = "tests/cachecompat/simple::layout[mypkg.models:Hashes]"
YANKED = "tests/cachecompat/simple::layout[mypkg.models:Yanked]"
GOLDEN_V0 = "tests/cachecompat/simple::golden[v0]"
LAYOUTS = {FILE: "PASSED", HASHES: "PASSED", YANKED: "PASSED"}

BROKEN_MODULE = """\
import pathlib

pathlib.Path(__file__).with_suffix(".imported").write_text("imported")
raise RuntimeError("this test module must not be imported")


def test_never():
    pass
"""
CONFTEST = """\
import pathlib

pathlib.Path(__file__).with_name("conftest.loaded").write_text("loaded")
"""


@pytest.fixture
def broken(recorded: Project) -> Project:
    """The recorded project, plus ordinary test modules that fail at import."""
    (recorded.root / "tests" / "test_plain.py").unlink()
    recorded.write("tests/test_broken.py", BROKEN_MODULE)
    recorded.write("tests/sub/test_deeper.py", BROKEN_MODULE)
    recorded.write("tests/sub/conftest.py", CONFTEST)
    return recorded


def imported(project: Project) -> list[str]:
    return sorted(p.relative_to(project.root).as_posix() for p in project.root.rglob("*.imported"))


def conftest_loaded(project: Project) -> bool:
    return (project.root / "tests" / "sub" / "conftest.loaded").exists()


@pytest.mark.parametrize(
    "markexpr",
    ["cachecompat", "cachecompat_layout", "cachecompat and not slow", "not slow and cachecompat"],
)
def test_marker_selection_never_imports_test_modules(broken: Project, markexpr: str) -> None:
    result = broken.run("--cache-compat", "-m", markexpr, "-rA")

    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == LAYOUTS
    result.assert_outcomes(passed=3)
    assert imported(broken) == []
    assert conftest_loaded(broken)


def test_the_run_says_why_test_files_are_not_collected(broken: Project) -> None:
    result = broken.run("--cache-compat", "-m", "cachecompat")

    assert result.ret == 0, result.stdout.str()
    header = "cachecompat: -m 'cachecompat' selects only cache-compat checks; "
    assert header + "test files are not collected" in result.stdout.str()


def test_golden_selection_never_imports_test_modules(broken: Project) -> None:
    frozen = broken.run("--cache-compat", "--cache-compat-freeze", "-m", "cachecompat")
    assert frozen.ret == 0, frozen.stdout.str()

    result = broken.run("--cache-compat", "-m", "cachecompat_golden", "-rA")

    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == {GOLDEN_V0: "PASSED"}
    assert imported(broken) == []


def test_collect_only_lists_only_the_checks(broken: Project) -> None:
    result = broken.run("--cache-compat", "-m", "cachecompat", "--co", "-q")

    assert result.ret == 0, result.stdout.str()
    listed = [line for line in result.outlines if "::" in line]
    assert listed == [FILE, HASHES, YANKED]
    assert imported(broken) == []


def test_xdist_workers_never_import_test_modules(broken: Project) -> None:
    result = broken.run("--cache-compat", "-m", "cachecompat", "-n", "2", "-rA")

    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == LAYOUTS
    assert imported(broken) == []
    assert conftest_loaded(broken)


def test_node_ids_inside_the_store_never_import_test_modules(broken: Project) -> None:
    result = broken.run("--cache-compat", "-rA", YANKED)

    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == {YANKED: "PASSED"}
    assert imported(broken) == []


@pytest.mark.parametrize(
    "args",
    [
        ("--cache-compat",),
        ("--cache-compat", "-k", "layout"),
        ("--cache-compat", "-m", "cachecompat or slow"),
        ("--cache-compat", "-m", "not cachecompat"),
        ("--cache-compat", "-m", "cachecompat", "tests/test_broken.py"),
        ("--cache-compat", YANKED, "tests/sub"),
    ],
    ids=["no-selection", "keyword", "or-other-marker", "not-ours", "test-file-path", "mixed-paths"],
)
def test_other_selections_collect_test_modules_as_before(
    broken: Project, args: tuple[str, ...]
) -> None:
    result = broken.run(*args)

    assert result.ret == pytest.ExitCode.INTERRUPTED, result.stdout.str()
    assert "this test module must not be imported" in result.stdout.str()
    assert imported(broken)


def test_without_the_flag_marker_selection_collects_as_before(broken: Project) -> None:
    result = broken.run("-m", "cachecompat")

    assert result.ret == pytest.ExitCode.INTERRUPTED, result.stdout.str()
    assert imported(broken) == ["tests/sub/test_deeper.imported", "tests/test_broken.imported"]


# A conftest plugin that sees the items before -m deselects any: what was built.
BUILT_ITEMS_CONFTEST = """\
import pathlib

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    built = pathlib.Path(__file__).with_name("built.txt")
    with built.open("a") as out:
        out.writelines(item.nodeid + "\\n" for item in items)
"""


@pytest.fixture
def watched(broken: Project) -> Project:
    """The broken project with v0 frozen, and a conftest that lists the items built."""
    frozen = broken.run("--cache-compat", "--cache-compat-freeze", "-m", "cachecompat")
    assert frozen.ret == 0, frozen.stdout.str()
    broken.write("conftest.py", BUILT_ITEMS_CONFTEST)
    return broken


def built(project: Project) -> list[str]:
    built_file = project.root / "built.txt"
    return sorted(built_file.read_text().split()) if built_file.exists() else []


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_a_golden_selection_builds_no_layout_item(
    watched: Project, workers: tuple[str, ...]
) -> None:
    result = watched.run("--cache-compat", "-m", "cachecompat_golden", "-rA", *workers)

    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == {GOLDEN_V0: "PASSED"}
    # Every process that collected (one, or each of two workers) built only the golden item.
    assert set(built(watched)) == {GOLDEN_V0}
    assert len(built(watched)) == (2 if workers else 1)
    result.assert_outcomes(passed=1)


def test_a_layout_selection_builds_no_golden_item(watched: Project) -> None:
    result = watched.run("--cache-compat", "-m", "cachecompat_layout and not slow", "-rA")

    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == LAYOUTS
    assert built(watched) == sorted(LAYOUTS)


def test_a_keyword_selection_builds_both_kinds(watched: Project) -> None:
    # -k matches names, which cannot be known before the items exist.
    result = watched.run("--cache-compat", "-m", "cachecompat", "-k", "golden", "-rA")

    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == {GOLDEN_V0: "PASSED"}
    assert built(watched) == sorted([*LAYOUTS, GOLDEN_V0])
    result.assert_outcomes(passed=1, deselected=3)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((GOLDEN_V0,), [GOLDEN_V0]),
        # Every layout item is built (node ids deselect afterwards); no golden one.
        ((YANKED, HASHES), sorted(LAYOUTS)),
        # A golden node id beside an ordinary test file: that file holds no check.
        ((GOLDEN_V0, "tests/test_ok.py"), [GOLDEN_V0]),
        # A whole family, or a folder holding the store: every kind.
        (("tests/cachecompat/simple",), sorted([*LAYOUTS, GOLDEN_V0])),
        ((GOLDEN_V0, "tests"), sorted([*LAYOUTS, GOLDEN_V0])),
    ],
    ids=["golden-id", "layout-ids", "golden-id-and-test-file", "family", "golden-id-and-folder"],
)
def test_node_ids_build_only_the_kinds_they_name(
    watched: Project, args: tuple[str, ...], expected: list[str]
) -> None:
    watched.write("tests/test_ok.py", "def test_ok():\n    pass\n")

    watched.run("--cache-compat", "--co", *args)

    checks = [nodeid for nodeid in built(watched) if nodeid.startswith("tests/cachecompat/")]
    assert checks == expected
