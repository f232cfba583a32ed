"""Assertions shared by the functional tests."""

from __future__ import annotations

import re

import pytest


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
