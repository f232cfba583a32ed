"""Off means off, and no syrupy option ever deletes or rewrites the store (docs/failures.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project


SNAPSHOT_TEST = """\
def test_snap(snapshot):
    assert snapshot == {"answer": 42}
"""

# Records which modules a plain run imported, from inside that run.
IMPORT_PROBE = """\
import json
import sys


def pytest_unconfigure(config):
    names = sorted(
        n for n in sys.modules
        if n.split(".")[0] in ("mypkg", "pytest_cachecompat", "attrs", "msgpack")
    )
    with open("imported.json", "w") as handle:
        json.dump(names, handle)
"""


@pytest.fixture
def with_snapshots(recorded: Project) -> Project:
    """The recorded project, plus an ordinary syrupy test with its snapshot recorded."""
    recorded.write("tests/test_snap.py", SNAPSHOT_TEST)
    result = recorded.run("--snapshot-update", "tests/test_snap.py")
    assert result.ret == 0, result.stdout.str()
    assert (recorded.root / "tests" / "__snapshots__" / "test_snap.ambr").is_file()
    # Files syrupy cannot tie to any test: it must leave them alone here too.
    recorded.write("tests/cachecompat/README.md", "How this store works.\n")
    recorded.write("tests/cachecompat/simple/v0/NOTES.txt", "Reviewed.\n")
    return recorded


# --- without --cache-compat the plugin does nothing ----------------------------------------------


def test_plain_run_imports_nothing_of_the_project_or_the_plugin(project: Project) -> None:
    project.write("tests/conftest.py", IMPORT_PROBE)
    result = project.run_subprocess()
    assert result.ret == 0, result.stdout.str()
    imported = (project.root / "imported.json").read_text()
    assert (
        imported == '["pytest_cachecompat", "pytest_cachecompat.hookspecs", '
        '"pytest_cachecompat.plugin"]'
    ), imported


def test_plain_run_passes_when_the_cache_module_cannot_be_imported(recorded: Project) -> None:
    recorded.edit(
        "mypkg/cache.py", "SIMPLE_CACHE_VERSION =", "raise RuntimeError('no cache today')\nX ="
    )
    result = recorded.run()
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=1)

    enabled = recorded.run("--cache-compat")
    assert enabled.ret == pytest.ExitCode.USAGE_ERROR
    assert "no cache today" in enabled.stderr.str()


@pytest.mark.parametrize(
    ("extra", "more"),
    [
        pytest.param('recods = ["mypkg.models:File"]', "", id="unknown-key"),
        pytest.param('freeze = "always"', "", id="bad-choice"),
        pytest.param(
            "",
            '[tool.cachecompat.families.other]\nversion = 3\nrecords = "nope"\n',
            id="bad-family",
        ),
        pytest.param("", '[tool.cachecompat]\nstore = 5\nstroe = "x"\n', id="bad-top-level"),
    ],
)
def test_plain_run_ignores_a_broken_cachecompat_table(
    project: Project, extra: str, more: str
) -> None:
    project.configure(extra)
    project.write("pyproject.toml", project.read("pyproject.toml") + "\n" + more)
    result = project.run()
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)
    assert project.store_state() == {}

    enabled = project.run("--cache-compat")
    assert enabled.ret == pytest.ExitCode.USAGE_ERROR, enabled.stdout.str()


# --- syrupy's own options never touch the store --------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--snapshot-update",), id="update"),
        pytest.param(("--co", "--snapshot-update"), id="co-update"),
        pytest.param(("--co", "--snapshot-update", "--cache-compat"), id="co-update-cache-compat"),
        pytest.param(("--cache-compat", "--snapshot-update"), id="update-cache-compat"),
        pytest.param(("--cache-compat",), id="cache-compat"),
        pytest.param(("--co",), id="co"),
        pytest.param(("--snapshot-update", "-n", "2", "--cache-compat"), id="update-xdist"),
    ],
)
def test_store_is_byte_identical_after(with_snapshots: Project, args: tuple[str, ...]) -> None:
    before = with_snapshots.store_state()
    assert "README.md" in before and "simple/v0/NOTES.txt" in before

    result = with_snapshots.run(*args)
    out = result.stdout.str()
    assert "Traceback" not in out and "INTERNALERROR" not in out
    assert with_snapshots.store_state() == before
    if "--co" not in args:
        assert result.ret == 0, out
        # syrupy really ran (and did its unused-snapshot bookkeeping) on its own test.
        assert "snapshot report summary" in out
        assert "passed." in out.split("snapshot report summary")[-1]


def test_syrupy_does_not_report_store_files_as_unused(with_snapshots: Project) -> None:
    result = with_snapshots.run("--cache-compat", "-rA")
    assert result.ret == 0, result.stdout.str()
    assert "snapshot report summary" in result.stdout.str()
    summary = result.stdout.str().split("snapshot report summary")[-1]
    assert "unused" not in summary
    assert "5 snapshots passed" in summary  # 1 ordinary + 3 layouts + 1 serialized form


def test_ordinary_snapshots_still_update_next_to_the_store(with_snapshots: Project) -> None:
    before = with_snapshots.store_state()
    with_snapshots.edit("tests/test_snap.py", "42", "43")
    failing = with_snapshots.run("--cache-compat")
    assert failing.ret == 1
    result = with_snapshots.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    assert "43" in with_snapshots.read("tests/__snapshots__/test_snap.ambr")
    assert with_snapshots.store_state() == before


def test_store_inside_a_snapshots_folder_is_refused(project: Project) -> None:
    project.write(
        "pyproject.toml",
        project.read("pyproject.toml") + '\n[tool.cachecompat]\nstore = "tests/__snapshots__/cc"\n',
    )
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "must not be inside a syrupy __snapshots__ folder" in result.stderr.str()
    assert not (project.root / "tests" / "__snapshots__").exists()
