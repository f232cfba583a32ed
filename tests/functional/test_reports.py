"""The run's reports: terminal summary, JSON, GitHub step summary and annotations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Project

HASHES = "class Hashes:\n    sha256: str | None\n"
HASHES_WITH_BLAKE2 = "class Hashes:\n    sha256: str | None\n    blake2b: str | None = None\n"


def read_report(project: Project, name: str = "report.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project.root / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture
def frozen(recorded: Project) -> Project:
    result = recorded.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    return recorded


def test_json_report_lists_the_bump_and_what_changed(frozen: Project) -> None:
    frozen.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    frozen.set_version(1)
    (frozen.root / "out").mkdir()
    result = frozen.run(
        "--cache-compat", "--snapshot-update", "--cache-compat-report=out/report.json"
    )
    out = result.stdout.str()
    assert result.ret == 0, out
    assert "bumped v0 -> v1" in out
    lines = out.splitlines()
    bump_line = lines.index("  bumped v0 -> v1")
    assert lines[bump_line + 1].startswith("    mypkg.models:Hashes: field blake2b")

    report = read_report(frozen, "out/report.json")
    assert report["schema"] == "pytest-cachecompat report"
    assert report["schema_version"] == 1
    assert report["outcome"] == "passed"
    (family,) = report["families"]
    assert family["name"] == "simple"
    assert family["version_ref"] == "mypkg.cache:SIMPLE_CACHE_VERSION"
    assert family["version"] == 1
    assert family["recorded_versions"] == [0, 1]
    assert family["bump"]["from"] == 0
    assert family["bump"]["to"] == 1
    assert family["bump"]["records"] == ["mypkg.models:Hashes"]
    (change,) = family["bump"]["changes"]
    assert change["record"] == "mypkg.models:Hashes"
    assert "blake2b" in change["text"]
    assert {r["record"]: r["status"] for r in family["records"]} == {
        "mypkg.models:File": "recorded",
        "mypkg.models:Hashes": "recorded",
        "mypkg.models:Yanked": "recorded",
    }
    (golden,) = family["golden"]
    assert golden["version"] == "0"
    assert golden["relation"] == "older"
    assert golden["outcome"] == "passed"
    assert sum(golden["counts"].values()) == 2
    assert any("positionally" in w for w in family["warnings"])


def test_json_report_of_a_failing_run(frozen: Project) -> None:
    frozen.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    result = frozen.run("--cache-compat", "--cache-compat-report=report.json")
    assert result.ret == 1
    report = read_report(frozen)
    assert report["outcome"] == "failed"
    (family,) = report["families"]
    assert family["outcome"] == "failed"
    assert family["bump"] is None
    failed = {r["record"]: r for r in family["records"] if r["outcome"] == "failed"}
    assert "mypkg.models:Hashes" in failed
    assert any("blake2b" in c for c in failed["mypkg.models:Hashes"]["changes"])


def test_bump_without_layout_change_warns(frozen: Project) -> None:
    frozen.set_version(1)
    result = frozen.run("--cache-compat", "--snapshot-update")
    out = result.stdout.str()
    assert result.ret == 0, out
    assert "warning: v1 was bumped from v0 with no layout change" in out


def test_github_step_summary_is_appended(frozen: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = frozen.root / "step-summary.md"
    summary.write_text("## Unit tests\n\nall green\n\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    assert frozen.run("--cache-compat").ret == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Unit tests\n\nall green\n\n")
    assert "## Cache compatibility" in text
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert table[0] == "| family | version | recorded | bump | layouts | archives | outcome |"
    assert table[1].startswith("|---|")
    row = [cell.strip() for cell in table[2].strip("|").split("|")]
    assert row[0] == "simple"
    assert row[1] == "`mypkg.cache:SIMPLE_CACHE_VERSION` = 0"
    assert row[2] == "v0"
    assert row[4] == "3 passed"
    assert row[5] == "2 loaded"
    assert row[6] == "passed"

    frozen.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    assert frozen.run("--cache-compat").ret == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Unit tests\n\nall green\n\n")
    assert text.count("## Cache compatibility") == 2
    second = text.rsplit("## Cache compatibility", 1)[1]
    assert "| simple |" in second
    assert "**failed**" in second
    assert "blake2b" in second


def test_github_actions_annotations_point_at_the_record(
    frozen: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    frozen.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    line = frozen.read("mypkg/models.py").splitlines().index("class Hashes:") + 1

    result = frozen.run("--cache-compat")
    assert result.ret == 1
    annotations = [text for text in result.stdout.lines if text.startswith("::error ")]
    hashes = [text for text in annotations if "::mypkg.models:Hashes: " in text]
    assert len(hashes) == 1, result.stdout.str()
    properties, message = hashes[0][len("::error ") :].split("::", 1)
    assert properties.split(",") in (
        ["file=mypkg/models.py", f"line={line}", "title=cachecompat simple"],
        ["file=mypkg/models.py", f"line={line - 1}", "title=cachecompat simple"],  # decorator
    )
    assert message.startswith("mypkg.models:Hashes: field blake2b")
    # The golden archives that no longer load equal point at their manifest.
    assert any(
        text.startswith("::error file=tests/cachecompat/simple/v0/MANIFEST.json,")
        and "mypkg.models.File-0.bin" in text
        for text in annotations
    ), annotations


def test_no_annotations_outside_github_actions(frozen: Project) -> None:
    frozen.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    result = frozen.run("--cache-compat")
    assert result.ret == 1
    assert not [text for text in result.stdout.lines if text.startswith("::error")]


def test_report_path_that_is_a_directory_is_a_usage_error(frozen: Project) -> None:
    (frozen.root / "reports").mkdir()
    before = frozen.store_state()

    result = frozen.run("--cache-compat", "--cache-compat-report=reports")
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, text
    assert "cachecompat: --cache-compat-report=reports: is a directory; give a file path" in (
        result.stderr.str()
    )
    assert "Traceback" not in text
    assert list((frozen.root / "reports").iterdir()) == []
    assert frozen.store_state() == before


def test_report_path_in_a_missing_folder_is_a_usage_error(frozen: Project) -> None:
    before = frozen.store_state()

    result = frozen.run("--cache-compat", "--cache-compat-report=missing/dir/r.json")
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, text
    err = result.stderr.str()
    assert "cachecompat: --cache-compat-report=missing/dir/r.json: the folder " in err
    assert f"{frozen.root / 'missing' / 'dir'} does not exist" in err
    assert "Traceback" not in text
    assert not (frozen.root / "missing").exists()
    assert frozen.store_state() == before


# A plugin that reorders tests (like pytest-randomly, or a slowest-first scheduler).
REVERSING_CONFTEST = """\
def pytest_collection_modifyitems(items):
    items.reverse()
"""


def test_report_lists_records_and_versions_in_order_under_xdist(frozen: Project) -> None:
    frozen.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    frozen.set_version(1)
    assert frozen.run("--cache-compat", "--snapshot-update").ret == 0
    assert frozen.run("--cache-compat", "--cache-compat-freeze").ret == 0
    frozen.write("tests/conftest.py", REVERSING_CONFTEST)

    one = frozen.run("--cache-compat", "--cache-compat-report=one.json")
    assert one.ret == 0, one.stdout.str()
    two = frozen.run("--cache-compat", "-n", "2", "--cache-compat-report=two.json")
    assert two.ret == 0, two.stdout.str()

    for name in ("one.json", "two.json"):
        (family,) = read_report(frozen, name)["families"]
        assert [r["record"] for r in family["records"]] == [
            "mypkg.models:File",
            "mypkg.models:Hashes",
            "mypkg.models:Yanked",
        ], name
        assert [g["version"] for g in family["golden"]] == ["0", "1"], name
        assert [g["relation"] for g in family["golden"]] == ["older", "current"], name
    (single,) = read_report(frozen, "one.json")["families"]
    (parallel,) = read_report(frozen, "two.json")["families"]
    assert parallel["records"] == single["records"]
    assert parallel["golden"] == single["golden"]
