"""Assertions shared by the functional tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """``{node id: PASSED|FAILED|...}`` from the ``-rA`` short summary."""
    found: dict[str, str] = {}
    for line in result.outlines:
        match = re.match(r"^(PASSED|FAILED|ERROR|SKIPPED) (\S+?)(?: - .*)?$", line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


def assert_clean(output: str) -> None:
    """A failure report written by the plugin, not a crash inside it."""
    assert "Traceback" not in output
    assert "pytest_cachecompat/" not in output
    assert "INTERNALERROR" not in output


def validate_report(path: Path) -> dict[str, Any]:
    """The JSON report at ``path``, checked against docs/report.schema.json."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    return report


def validate_reports_of(args: tuple[str, ...], invocation_dir: Path) -> None:
    """Validate every report a run with these arguments wrote (``--cache-compat-report=P``)."""
    for index, arg in enumerate(args):
        if arg.startswith("--cache-compat-report="):
            value = arg.partition("=")[2]
        elif arg == "--cache-compat-report" and index + 1 < len(args):
            value = args[index + 1]
        else:
            continue
        path = invocation_dir / value
        if path.is_file():
            validate_report(path)
