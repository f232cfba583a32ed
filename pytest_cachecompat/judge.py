"""Judging what a loader did with one archive: loaded equal, rejected cleanly, or failed.

Pure: takes the loader's outcome (from ``isolation``) and the archive's
expectation, returns a verdict whose text says exactly what went wrong.
"""

from __future__ import annotations

from typing import Any

import attrs

from .canonical import compare_shared, render, strict_equal, type_label
from .isolation import CallOutcome

LOADED = "loaded"
REJECTED = "rejected"
FAILED = "failed"


@attrs.frozen
class Expectation:
    expected: Any  # canonical value written into the archive
    exact: bool  # the archive's version is the current one: every field must match
    pinned: str | None  # "reject" | "load" | None
    miss: str | None  # "none" when a returned None is a clean miss
    timeout: float


@attrs.frozen
class Judgement:
    outcome: str
    problem: str = ""
    how: str = ""  # for rejections: which exception or the miss value


def judge(result: CallOutcome, expectation: Expectation) -> Judgement:
    if result.status == "timeout":
        return Judgement(FAILED, f"time-out: loads did not return within {expectation.timeout:g} s")
    if result.status == "crashed":
        return Judgement(FAILED, f"the loader's process died: {result.message}")
    if result.status == "raised":
        return _judge_exception(result, expectation)
    if result.value is None and expectation.expected is not None:
        return _judge_none(expectation)
    return _judge_value(result.value, expectation)


def _judge_exception(result: CallOutcome, expectation: Expectation) -> Judgement:
    if not result.exc_is_rejection:
        return Judgement(
            FAILED,
            f"unexpected exception {result.exc_type}: {result.message}\n"
            f"(not one of the family's `rejects`; a cache reader must reject bad entries cleanly)\n"
            f"{result.traceback.rstrip()}",
        )
    how = f"{result.exc_type}: {result.message}"
    if expectation.pinned == "load" or expectation.exact:
        reason = "expect = 'load'" if expectation.pinned == "load" else "it is the current version"
        return Judgement(FAILED, f"rejected ({how}) but it must load ({reason})")
    return Judgement(REJECTED, how=how)


def _judge_none(expectation: Expectation) -> Judgement:
    if expectation.miss != "none":
        return Judgement(
            FAILED,
            "loads returned None, but the family declares no miss value "
            "(set miss = \"none\" if None means a cache miss)",
        )
    if expectation.pinned == "load" or expectation.exact:
        return Judgement(FAILED, "returned the miss value None but it must load")
    return Judgement(REJECTED, how="returned the miss value None")


def _judge_value(actual: Any, expectation: Expectation) -> Judgement:
    expected = expectation.expected
    if not _same_type(expected, actual):
        return Judgement(
            FAILED,
            f"returned a value of the wrong type: expected {type_label(expected)}, "
            f"got {type_label(actual)}: {render(actual)}",
        )
    mismatches = compare_shared(expected, actual)
    if mismatches:
        lines = "\n".join(f"  - {m.describe()}" for m in mismatches[:20])
        more = f"\n  ... and {len(mismatches) - 20} more" if len(mismatches) > 20 else ""
        return Judgement(FAILED, f"silent misread: it loaded without error, but\n{lines}{more}")
    if expectation.exact and not strict_equal(expected, actual):
        return Judgement(
            FAILED,
            f"loaded a value that differs from the one written:\n  expected {render(expected)}\n"
            f"  got      {render(actual)}",
        )
    if expectation.pinned == "reject":
        return Judgement(FAILED, "loaded, but expect = 'reject' pins this version to a clean rejection")
    return Judgement(LOADED)


def _same_type(expected: Any, actual: Any) -> bool:
    """Records match by class name: a class may move between modules across versions."""
    left, right = type_label(expected), type_label(actual)
    if ":" in left and ":" in right:
        return left.rpartition(":")[2] == right.rpartition(":")[2]
    return left == right
