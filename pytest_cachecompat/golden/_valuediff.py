"""Where a loaded value differs from the one an archive holds, field by field.

For an archive of the current version every field must come back: one that
the archive lacks but the loaded value has (``Hashes.blake2: not in the
archive, loaded None``) is as much a difference as one with another value.
Works on canonical values (``layout.canonical``), so a record is named by
its class and its fields by name, never shown as two truncated reprs.
"""

from __future__ import annotations

from typing import Any

import attrs

from pytest_cachecompat.layout import record_root, render, strict_equal

__all__ = ["Difference", "every_difference"]

_SHOWN = 80
ABSENT = "(absent)"


@attrs.frozen
class Difference:
    """One field that came back otherwise: rendered values, None where the archive lacks it."""

    path: str
    expected: str | None
    actual: str

    @property
    def line(self) -> str:
        where = self.path or "<value>"
        if self.expected is None:
            return f"{where}: not in the archive, loaded {self.actual}"
        if self.actual == ABSENT:
            return f"{where}: in the archive ({self.expected}), not in the loaded value"
        return f"{where}: expected {self.expected}, got {self.actual}"


def every_difference(expected: object, actual: object) -> list[Difference]:
    """One line per difference, paths from the record's class name (``File.hashes.md5``)."""
    lines: list[Difference] = []
    _walk(expected, actual, record_root(expected), lines)
    return lines


def _walk(expected: Any, actual: Any, path: str, lines: list[Difference]) -> None:
    if strict_equal(expected, actual):
        return
    if _is(expected, "$record") and _is(actual, "$record"):
        _records(expected, actual, path, lines)
    elif _sequence(expected) is not None and _sequence(actual) is not None:
        _sequences(_sequence(expected) or [], _sequence(actual) or [], path, lines)
    elif _is(expected, "$dict") and _is(actual, "$dict"):
        _dicts(expected["$dict"], actual["$dict"], path, lines)
    else:
        lines.append(Difference(path, render(expected, _SHOWN), render(actual, _SHOWN)))


def _records(expected: Any, actual: Any, path: str, lines: list[Difference]) -> None:
    name_e, name_a = expected["$record"], actual["$record"]
    if name_e.rpartition(":")[2] != name_a.rpartition(":")[2]:
        lines.append(Difference(path, name_e, name_a))
        return
    ours, theirs = expected["fields"], actual["fields"]
    for name, value in ours.items():
        step = f"{path}.{name}" if path else name
        if name in theirs:
            _walk(value, theirs[name], step, lines)
        else:
            lines.append(Difference(step, render(value, _SHOWN), ABSENT))
    for name, value in theirs.items():
        if name not in ours:
            step = f"{path}.{name}" if path else name
            lines.append(Difference(step, None, render(value, _SHOWN)))


def _sequences(expected: list[Any], actual: list[Any], path: str, lines: list[Difference]) -> None:
    if len(expected) != len(actual):
        lines.append(Difference(path, f"{len(expected)} items", f"{len(actual)} items"))
    for index, (e, a) in enumerate(zip(expected, actual, strict=False)):
        _walk(e, a, f"{path}[{index}]", lines)


def _dicts(expected: list[Any], actual: list[Any], path: str, lines: list[Difference]) -> None:
    theirs = [(k, v) for k, v in actual]
    for key, value in expected:
        step = f"{path}[{render(key, 60)}]"
        match = next((v for k, v in theirs if strict_equal(k, key)), _ABSENT)
        if match is _ABSENT:
            lines.append(Difference(step, render(value, _SHOWN), ABSENT))
        else:
            _walk(value, match, step, lines)
    for key, value in theirs:
        if not any(strict_equal(key, k) for k, _ in expected):
            lines.append(Difference(f"{path}[{render(key, 60)}]", None, render(value, _SHOWN)))


_ABSENT = object()


def _is(value: object, tag: str) -> bool:
    return isinstance(value, dict) and tag in value


def _sequence(value: object) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and set(value) == {"$tuple"} and isinstance(value["$tuple"], list):
        items: list[Any] = value["$tuple"]
        return items
    return None
