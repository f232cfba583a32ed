"""The JSON report for CI tooling.

Every failing archive carries its misread fields with expected and actual
values, and the loader's exception type and message; every report a test
writes is checked against docs/report.schema.json (``Project.run`` does it
for each ``--cache-compat-report``; this file checks the checker too).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from helpers import validate_report

if TYPE_CHECKING:
    from conftest import Project

ARCHIVE_0 = "archives/mypkg.models.File-0.bin"
ARCHIVE_1 = "archives/mypkg.models.File-1.bin"

# Reads v0's positional hashes array into v1's Hashes(md5, sha256): sha256 lands in md5.
MISREADING_LOADS = """\
def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    next(unpacker)
    filename, hashes, requires_python, yanked = next(unpacker)
    width = len(attrs.fields(Hashes))
    hashes = (list(hashes) + [None] * width)[:width]
    return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))
"""

CRASHING_LOADS = """\
def loads(data):
    raise KeyError("filename")
"""


def replace_loads(project: Project, body: str) -> None:
    text = project.read("mypkg/cache.py")
    project.write("mypkg/cache.py", text[: text.index("def loads(data):")] + body)


@pytest.fixture
def frozen(recorded: Project) -> Project:
    result = recorded.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    return recorded


def archives(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    golden = report["families"][0]["golden"]
    return {entry["file"]: entry for version in golden for entry in version["archives"]}


def test_a_misread_lists_each_field_with_expected_and_actual_values(frozen: Project) -> None:
    frozen.edit(
        "mypkg/models.py",
        "class Hashes:\n    sha256: str | None",
        "class Hashes:\n    md5: str | None\n    sha256: str | None",
    )
    frozen.set_version(1)
    assert frozen.run("--cache-compat", "--snapshot-update", "-m", "cachecompat_layout").ret == 0
    replace_loads(frozen, MISREADING_LOADS)

    result = frozen.run("--cache-compat", "--cache-compat-report=report.json")

    assert result.ret == 1
    report = validate_report(frozen.root / "report.json")
    misread = archives(report)[ARCHIVE_0]
    assert misread["outcome"] == "failed"
    assert misread["how"].startswith("silent misread")
    assert misread["fields"] == [
        {"field": "File.hashes.sha256", "expected": "'hashes.sha256'", "actual": "None"},
        # Where the value went: a field v0 did not have.
        {"field": "File.hashes.md5", "expected": None, "actual": "'hashes.sha256'"},
    ]
    assert "exception" not in misread
    # The archive without a hash reads the same either way: nothing to list.
    assert archives(report)[ARCHIVE_1] == {
        "file": ARCHIVE_1,
        "record": "mypkg.models:File",
        "outcome": "loaded",
        "how": "",
    }


def test_a_crash_carries_the_exception_type_and_message(frozen: Project) -> None:
    replace_loads(frozen, CRASHING_LOADS)

    result = frozen.run("--cache-compat", "--cache-compat-report=report.json")

    assert result.ret == 1
    report = validate_report(frozen.root / "report.json")
    crashed = archives(report)[ARCHIVE_0]
    assert crashed["outcome"] == "failed"
    assert crashed["exception"] == {"type": "builtins.KeyError", "message": "'filename'"}
    assert "fields" not in crashed


def test_a_clean_rejection_carries_its_exception_too(frozen: Project) -> None:
    frozen.set_version(1)
    assert frozen.run("--cache-compat", "--snapshot-update", "-m", "cachecompat_layout").ret == 0

    result = frozen.run("--cache-compat", "--cache-compat-report=report.json")

    assert result.ret == 0, result.stdout.str()
    rejected = archives(validate_report(frozen.root / "report.json"))[ARCHIVE_0]
    assert rejected["outcome"] == "rejected"
    assert rejected["exception"] == {
        "type": "mypkg.cache.CacheMiss",
        "message": "entry written by cache version 0",
    }


def test_a_report_that_breaks_the_schema_is_caught(frozen: Project) -> None:
    result = frozen.run("--cache-compat", "--cache-compat-report=report.json")
    assert result.ret == 0
    path = frozen.root / "report.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    archives(report)[ARCHIVE_0]["fields"] = [{"field": "File.size", "expected": 3}]
    path.write_text(json.dumps(report), encoding="utf-8")
    with pytest.raises(jsonschema.ValidationError):
        validate_report(path)
