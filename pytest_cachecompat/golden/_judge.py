"""Judging what a loader did with one archive: loaded equal, rejected cleanly, or failed.

Pure: takes the loader's outcome (from ``isolation``) and the archive's
expectation, returns a verdict whose text says exactly what went wrong.
"""

from __future__ import annotations

import os
from typing import Any

import attrs

from pytest_cachecompat.layout import canonical, compare_shared, render, strict_equal, type_label
from pytest_cachecompat.loading import CallOutcome, safe_str

from ._valuediff import every_difference

LOADED = "loaded"
REJECTED = "rejected"
FAILED = "failed"

# The canonical form of a loaded value that could not be canonicalised. No
# value canonicalises to a dict with this key (plain dicts become "$dict").
UNREADABLE = "$unreadable"

MAX_MISMATCHES = 20


def summarize(value: object) -> object:
    """``canonical(value)``, or an ``UNREADABLE`` note when reading the value raised.

    Runs right after ``loads`` (in the worker process with ``isolate = true``,
    named by reference), so an exception here is reported as what it is: the
    loader returned an object whose fields cannot be read, not a loader crash.
    """
    try:
        return canonical(value)
    except Exception as exc:
        return {
            UNREADABLE: f"{type(value).__module__}.{type(value).__qualname__}",
            "exc_type": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "message": safe_str(exc),
            "traceback": _project_frames(exc),
        }


def _project_frames(exc: BaseException) -> str:
    """The traceback's frames in project code (a property, ``__getstate__``...), if any."""
    import traceback

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not os.path.abspath(frame.filename).startswith(package)
    ]
    if not frames:
        return ""
    return (
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_list(frames))
        + "".join(traceback.format_exception_only(exc))
    )


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
    # For the JSON report (docs/report.schema.json): each misread field with
    # its expected and actual value (rendered canonical values; ``expected``
    # is None for a field the archive's version did not have) ...
    fields: tuple[dict[str, str | None], ...] = ()
    # ... and the exception the loader raised: ``{"type": ..., "message": ...}``.
    exception: dict[str, str] | None = None


def judge(result: CallOutcome, expectation: Expectation) -> Judgement:
    if result.status == "timeout":
        return _judge_timeout(result, expectation)
    if result.status == "crashed":
        return Judgement(
            FAILED, _with_detail(f"the loader's process died: {result.message}", result.traceback)
        )
    if result.status == "raised":
        judgement = _judge_exception(result, expectation)
        return attrs.evolve(judgement, exception=_exception(result.exc_type, result.message))
    if result.value is None and expectation.expected is not None:
        return _judge_none(expectation)
    if isinstance(result.value, dict) and UNREADABLE in result.value:
        return _judge_unreadable(result.value)
    return _judge_value(result.value, expectation)


def _exception(exc_type: str, message: str) -> dict[str, str]:
    return {"type": exc_type, "message": message}


def _field(path: str, expected: str | None, actual: str) -> dict[str, str | None]:
    return {"field": path or "<value>", "expected": expected, "actual": actual}


def _inner(result: CallOutcome) -> str:
    """The sub-exceptions and causes of the loader's exception, as lines ending in a newline."""
    return f"{result.details}\n" if result.details else ""


def _with_detail(text: str, detail: str) -> str:
    detail = detail.rstrip()
    return f"{text}\n{detail}" if detail else text


def _must_load_reason(expectation: Expectation) -> str | None:
    if expectation.pinned == "load":
        return "expect = 'load' pins this version to loading"
    if expectation.exact:
        return "it is the current version"
    return None


def _judge_timeout(result: CallOutcome, expectation: Expectation) -> Judgement:
    text = (
        f"time-out: loads did not return within {expectation.timeout:g} s"
        f"{' (worker process killed)' if 'killed' in result.message else ''}; a cache reader "
        "must answer or reject. If loading this entry legitimately takes longer, raise "
        "`timeout` in [tool.cachecompat] or in the family."
    )
    return Judgement(FAILED, _with_detail(text, result.traceback))


def _judge_exception(result: CallOutcome, expectation: Expectation) -> Judgement:
    if not result.exc_is_rejection:
        return Judgement(
            FAILED,
            _with_detail(
                f"unexpected exception {result.exc_type}: {result.message}\n"
                f"{_inner(result)}"
                "(not one of the family's `rejects`; a cache reader must reject entries it "
                "cannot use cleanly: raise a declared rejection or return the declared miss value)",
                result.traceback,
            ),
        )
    how = f"{result.exc_type}: {result.message}"
    reason = _must_load_reason(expectation)
    if reason is not None:
        return Judgement(FAILED, f"rejected ({how}) but it must load: {reason}")
    return Judgement(REJECTED, how=how)


def _judge_none(expectation: Expectation) -> Judgement:
    if expectation.miss != "none":
        return Judgement(
            FAILED,
            "loads returned None, but the family declares no miss value "
            '(set miss = "none" in the family if None means a cache miss)',
        )
    reason = _must_load_reason(expectation)
    if reason is not None:
        return Judgement(FAILED, f"returned the miss value None but it must load ({reason})")
    return Judgement(REJECTED, how="returned the miss value None")


def _judge_unreadable(value: dict[str, Any]) -> Judgement:
    return Judgement(
        FAILED,
        _with_detail(
            f"loads returned a {value[UNREADABLE]} whose value cannot be read: "
            f"{value['exc_type']}: {value['message']} (raised while reading its fields; "
            "a half-built object is a misread, not a rejection)",
            str(value.get("traceback", "")),
        ),
        exception=_exception(str(value["exc_type"]), str(value["message"])),
    )


def _judge_value(actual: Any, expectation: Expectation) -> Judgement:
    expected = expectation.expected
    if not _same_type(expected, actual):
        return Judgement(
            FAILED,
            f"returned a value of the wrong type: expected {type_label(expected)}, "
            f"got {type_label(actual)}: {render(actual)}",
        )
    equal = strict_equal(expected, actual)
    # The common case, an equal value, is compared once; differences get the field walk.
    mismatches = [] if equal else compare_shared(expected, actual)
    if mismatches:
        lines = [f"  - {m.describe()}" for m in mismatches[:MAX_MISMATCHES]]
        if len(mismatches) > MAX_MISMATCHES:
            lines.append(f"  ... and {len(mismatches) - MAX_MISMATCHES} more")
        text = "silent misread: loads returned without error, but fields shared by both layouts "
        text += "came back with other values:\n" + "\n".join(lines)
        added = _added_fields(expected, actual, _root(expected))
        if added:
            text += "\nfields the archive's version did not have came back as:\n"
            text += "\n".join(
                f"  - {path} = {render(value)}" for path, value in added[:MAX_MISMATCHES]
            )
        fields = [
            _field(m.path, render(m.expected), render(m.actual))
            for m in mismatches[:MAX_MISMATCHES]
        ]
        fields += [_field(path, None, render(value)) for path, value in added[:MAX_MISMATCHES]]
        return Judgement(FAILED, text, fields=tuple(fields))
    if expectation.exact and not equal:
        differences = every_difference(expected, actual)
        lines = [f"  - {d.line}" for d in differences[:MAX_MISMATCHES]]
        if len(differences) > MAX_MISMATCHES:
            lines.append(f"  ... and {len(differences) - MAX_MISMATCHES} more")
        return Judgement(
            FAILED,
            "loaded a value that differs from the one written (this archive is of the current "
            "version: every field must come back as it was written):\n" + "\n".join(lines),
            fields=tuple(
                _field(d.path, d.expected, d.actual) for d in differences[:MAX_MISMATCHES]
            ),
        )
    if expectation.pinned == "reject":
        return Judgement(
            FAILED,
            f"loaded ({render(actual)}), but expect = 'reject' pins this version to a clean "
            "rejection",
        )
    return Judgement(LOADED)


def _root(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("$record"), str):
        return str(value["$record"]).rpartition(":")[2]
    return ""


def _added_fields(expected: Any, actual: Any, path: str) -> list[tuple[str, Any]]:
    """Fields of records in ``actual`` that ``expected`` lacks: where misread values went."""
    found: list[tuple[str, Any]] = []
    if not (isinstance(expected, dict) and isinstance(actual, dict)):
        return found
    if "$record" in expected and "$record" in actual:
        mine, theirs = expected.get("fields", {}), actual.get("fields", {})
        for name, value in theirs.items():
            where = f"{path}.{name}" if path else name
            if name in mine:
                found.extend(_added_fields(mine[name], value, where))
            else:
                found.append((where, value))
    return found


def _same_type(expected: Any, actual: Any) -> bool:
    """Records match by class name: a class may move between modules across versions."""
    left, right = type_label(expected), type_label(actual)
    if ":" in left and ":" in right:
        return left.rpartition(":")[2] == right.rpartition(":")[2]
    return left == right
