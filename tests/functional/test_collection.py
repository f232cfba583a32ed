"""Generated checks are ordinary items: ``--co``, ``-k``, ``-m``, node ids, JUnit XML, xdist."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest
from helpers import outcomes

if TYPE_CHECKING:
    from conftest import Project


FILE = "tests/cachecompat/simple::layout[mypkg.models:File]"
HASHES = "tests/cachecompat/simple::layout[mypkg.models:Hashes]"
YANKED = "tests/cachecompat/simple::layout[mypkg.models:Yanked]"
PLAIN = "tests/test_plain.py::test_plain"
NEW_FIRST_FIELD = ("class Hashes:\n    sha256", "class Hashes:\n    md5: str | None\n    sha256")


def collected(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "::" in line and " " not in line]


def test_collect_only_lists_one_item_per_record_type(recorded: Project) -> None:
    before = recorded.store_state()
    result = recorded.run("--cache-compat", "--co", "-q")
    assert result.ret == 0, result.stdout.str()
    assert collected(result) == [PLAIN, FILE, HASHES, YANKED]
    assert "4 tests collected" in result.stdout.str()
    assert recorded.store_state() == before


def test_without_the_flag_no_item_is_generated(recorded: Project) -> None:
    result = recorded.run("--co", "-q")
    assert result.ret == 0, result.stdout.str()
    assert collected(result) == [PLAIN]
    assert "cache compatibility" not in result.stdout.str()


def test_marker_selects_only_generated_items(recorded: Project) -> None:
    result = recorded.run("--cache-compat", "-m", "cachecompat", "-rA")
    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == {FILE: "PASSED", HASHES: "PASSED", YANKED: "PASSED"}
    # Only generated items can match: the ordinary test file is not even collected.
    assert "deselected" not in result.stdout.str()

    layout_only = recorded.run("--cache-compat", "-m", "cachecompat_layout", "--co", "-q")
    assert collected(layout_only) == [FILE, HASHES, YANKED]
    golden_only = recorded.run("--cache-compat", "-m", "cachecompat_golden", "--co", "-q")
    assert collected(golden_only) == []  # nothing frozen yet

    not_ours = recorded.run("--cache-compat", "-m", "not cachecompat", "-rA")
    assert outcomes(not_ours) == {PLAIN: "PASSED"}


def test_markers_are_registered_for_strict_markers(recorded: Project) -> None:
    result = recorded.run("--strict-markers", "--markers")
    out = result.stdout.str()
    for marker in ("cachecompat:", "cachecompat_layout:", "cachecompat_golden:"):
        assert f"@pytest.mark.{marker}" in out


def test_keyword_selects_one_record(recorded: Project) -> None:
    recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)
    result = recorded.run("--cache-compat", "-k", "Hashes", "-rA")
    assert result.ret == 1
    assert outcomes(result) == {HASHES: "FAILED"}
    result.assert_outcomes(failed=1, deselected=3)

    result = recorded.run("--cache-compat", "-k", "Yanked", "-rA")
    assert result.ret == 0
    assert outcomes(result) == {YANKED: "PASSED"}


def test_node_id_runs_exactly_that_item(recorded: Project) -> None:
    recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)
    result = recorded.run("--cache-compat", "-rA", HASHES)
    assert result.ret == 1
    assert outcomes(result) == {HASHES: "FAILED"}
    result.assert_outcomes(failed=1, deselected=2)

    result = recorded.run("--cache-compat", "-rA", YANKED)
    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == {YANKED: "PASSED"}

    family = recorded.run("--cache-compat", "-rA", "tests/cachecompat/simple")
    assert set(outcomes(family)) == {FILE, HASHES, YANKED}

    mixed = recorded.run("--cache-compat", "-rA", YANKED, PLAIN)
    assert mixed.ret == 0, mixed.stdout.str()
    assert outcomes(mixed) == {YANKED: "PASSED", PLAIN: "PASSED"}

    parallel = recorded.run("--cache-compat", "-rA", "-n", "2", HASHES, YANKED)
    assert parallel.ret == 1
    assert outcomes(parallel) == {HASHES: "FAILED", YANKED: "PASSED"}


def test_node_id_works_before_anything_is_recorded(project: Project) -> None:
    result = project.run("--cache-compat", "--snapshot-update", "-rA", YANKED)
    assert result.ret == 0, result.stdout.str()
    assert outcomes(result) == {YANKED: "PASSED"}
    assert "simple/v0/mypkg.models.Yanked.layout.json" in project.store_state()
    assert "simple/v0/mypkg.models.File.layout.json" not in project.store_state()


def test_junit_xml_has_a_testcase_per_item_with_the_failure_message(recorded: Project) -> None:
    recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)
    xml_path = recorded.root / "junit.xml"
    result = recorded.run("--cache-compat", f"--junitxml={xml_path}")
    assert result.ret == 1
    suite = ET.parse(xml_path).getroot().find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {
        "test_plain",
        "layout[mypkg.models:File]",
        "layout[mypkg.models:Hashes]",
        "layout[mypkg.models:Yanked]",
    }
    assert cases["layout[mypkg.models:Hashes]"].get("classname") == "tests.cachecompat.simple"
    failure = cases["layout[mypkg.models:Hashes]"].find("failure")
    assert failure is not None
    text = (failure.get("message") or "") + (failure.text or "")
    assert "layout of mypkg.models:Hashes changed but SIMPLE_CACHE_VERSION is still 0" in text
    assert "field md5" in text
    assert cases["layout[mypkg.models:Yanked]"].find("failure") is None
    assert suite.get("failures") == "2"


@pytest.mark.parametrize("failing", [False, True], ids=["passing", "failing"])
def test_xdist_gives_the_same_outcomes_as_one_process(recorded: Project, failing: bool) -> None:
    if failing:
        recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)
    before = recorded.store_state()
    single = recorded.run("--cache-compat", "-rA")
    parallel = recorded.run("--cache-compat", "-rA", "-n", "2")
    assert single.ret == parallel.ret == (1 if failing else 0)
    assert outcomes(parallel) == outcomes(single)
    assert len(outcomes(single)) == 4
    if failing:
        assert outcomes(parallel)[HASHES] == "FAILED"
        assert "field md5 (str | None) added at position 0" in parallel.stdout.str()
    # The summary is built on the controller from the workers' reports.
    summary = parallel.stdout.str().split("= cache compatibility =")[1]
    assert ("failed" if failing else "passed") in summary.splitlines()[1]
    assert recorded.store_state() == before


def test_store_in_norecursedirs_is_still_checked(recorded: Project) -> None:
    """A large store can be kept out of pytest's own directory walk; the gate still runs."""
    recorded.edit(
        "pyproject.toml",
        'testpaths = ["tests"]',
        'testpaths = ["tests"]\nnorecursedirs = ["cachecompat", ".*", "build", "dist"]',
    )
    recorded.edit(
        "mypkg/models.py",
        "class Hashes:\n    sha256",
        "class Hashes:\n    md5: str | None\n    sha256",
    )

    result = recorded.run("--cache-compat")

    assert result.ret == 1
    result.stdout.fnmatch_lines(["*layout of mypkg.models:Hashes changed*"])
    assert recorded.run("--co", "-q").stdout.lines[0] == "tests/test_plain.py::test_plain"
