"""Layout changes in words.

Every structural change gets its own sentence, naming the record, so that a
reviewer can see what moved the bytes without reading the layout JSON. What a
change means for one kind (pickle stores import paths, msgspec's
``omit_defaults``) is the kind's to say (``pytest_cachecompat.kinds``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from pytest_cachecompat.kinds import RecordKind, kind_named

from ._compare import strict_equal
from ._diff import Change
from ._entry_diff import EntryWords, sequence_changes, value_text
from ._member_diff import member_changes

__all__ = ["diff_layout", "diff_record"]

# Field keys with a sentence of their own; any other key is "field changed".
_FIELD_KEYS = ("name", "type", "required", "default", "alias")
# Top-level layout keys with their own handling.
_LAYOUT_KEYS = ("record", "kind", "options", "fields", "members", "fields_from")
_NONE = "(none)"
_MISSING = object()

# ---------------------------------------------------------------------------
# One record
# ---------------------------------------------------------------------------


def diff_layout(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two layouts of one record, in a fixed order."""
    old_name = str(old.get("record", "?"))
    return diff_record(old_name, str(new.get("record", old_name)), old, new)


def diff_record(
    old_name: str, name: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Change]:
    changes: list[Change] = []
    if old_name != name:
        changes.append(Change(name, "record moved", _moved_text(old_name, name, old, new)))
    if old.get("kind") != new.get("kind"):
        text = f"{name}: kind changed: {old.get('kind')} -> {new.get('kind')}"
        changes.append(Change(name, "kind changed", text))
    changes += _option_changes(name, old, new)
    changes += _field_changes(
        name,
        _entries(old, "fields"),
        _entries(new, "fields"),
        _default_reason(old, new),
        compare_types=_compares_types(old, new),
    )
    source = new.get("fields_from")
    if source and changes:
        changes = [
            attrs.evolve(c, text=f"{c.text} (fields taken from {source})")
            if c.kind.startswith("field")
            else c
            for c in changes
        ]
    changes += member_changes(name, _entries(old, "members"), _entries(new, "members"))
    return changes


def _moved_text(old_name: str, name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    text = f"{old_name} moved to {name}"
    notes = [_kind_note(layout, lambda kind: kind.moved_note(old_name)) for layout in (old, new)]
    note = next((n for n in notes if n), None)
    return f"{text} ({note})" if note else text


def _default_reason(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """Why a changed default counts, for the sentence that reports it."""
    if old.get("kind") == new.get("kind"):
        note = _kind_note(new, lambda kind: kind.default_note())
        if note:
            return note
    return (
        "counts: the plugin cannot tell whether dumps leaves out fields equal to their "
        "default, as pydantic's exclude_defaults does; if it does, entries written before "
        "read back with the new default"
    )


def _kind_note(layout: Mapping[str, Any], note: Callable[[RecordKind], str | None]) -> str | None:
    """What the layout's kind says about a change, if that kind is registered in this run."""
    kind = kind_named(layout.get("kind"))
    return None if kind is None else note(kind)


def _compares_types(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """False for kinds whose bytes carry no field types (pickle): a type change is no change."""
    kinds = [kind_named(layout.get("kind")) for layout in (old, new)]
    return all(kind is None or kind.compares_types for kind in kinds)


def _entries(layout: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return list(layout.get(key) or [])


def _option_changes(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Kind options, plus any top-level key this module does not know (same treatment)."""
    pairs: list[tuple[str, object, object]] = []
    old_opts, new_opts = old.get("options") or {}, new.get("options") or {}
    for key in sorted(set(old_opts) | set(new_opts)):
        pairs.append((f"option {key}", old_opts.get(key, _MISSING), new_opts.get(key, _MISSING)))
    for key in sorted((set(old) | set(new)) - set(_LAYOUT_KEYS)):
        pairs.append((key, old.get(key, _MISSING), new.get(key, _MISSING)))
    changes = []
    for label, before, after in pairs:
        if before is not _MISSING and after is not _MISSING and strict_equal(before, after):
            continue
        if before is _MISSING:
            text = f"{name}: {label} set to {value_text(after)} (was not set)"
        elif after is _MISSING:
            text = f"{name}: {label} removed (was {value_text(before)})"
        else:
            text = f"{name}: {label} changed: {value_text(before)} -> {value_text(after)}"
        changes.append(Change(name, "option changed", text))
    return changes


# ---------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------


def _field_changes(
    name: str,
    old: Sequence[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
    default_reason: str = "",
    *,
    compare_types: bool = True,
) -> list[Change]:
    old_names = [str(f["name"]) for f in old]
    new_names = [str(f["name"]) for f in new]
    removed = [i for i, n in enumerate(old_names) if n not in new_names]
    added = [j for j, n in enumerate(new_names) if n not in old_names]
    # A field that vanished and one that appeared in the same slot with the
    # same type, requiredness and default is the same field under a new name.
    renamed = {i: i for i in removed if i in added and _same_shape(old[i], new[i], compare_types)}
    words = EntryWords(
        noun="field",
        removed=lambda i: (
            f"{old_names[i]} ({_describe(old[i])}) removed from "
            f"{_neighbours(old_names, i, past=True)}"
        ),
        renamed=lambda i, j: f"{new[j].get('type')} at position {j}",
        added=lambda j: (
            f"{new_names[j]} ({_describe(new[j])}) added at {_neighbours(new_names, j, past=False)}"
        ),
    )
    changes, kept = sequence_changes(name, old_names, new_names, renamed, words)
    for i, j in sorted(kept.items(), key=lambda pair: pair[1]):
        changes += _one_field_changes(name, old[i], new[j], default_reason, compare_types)
    return changes


def _same_shape(a: Mapping[str, Any], b: Mapping[str, Any], compare_types: bool) -> bool:
    keys = _FIELD_KEYS[1:4] if compare_types else _FIELD_KEYS[2:4]
    return all(a.get(key, _MISSING) == b.get(key, _MISSING) for key in keys)


def _describe(field: Mapping[str, Any]) -> str:
    """``str | None, default None, alias md5_hash`` — what a reviewer needs about a field."""
    parts = [str(field.get("type"))]
    if not field.get("required", True):
        parts.append(f"default {field['default']}" if "default" in field else "not required")
    if "alias" in field:
        parts.append(f"alias {field['alias']}")
    return ", ".join(parts)


def _neighbours(names: Sequence[str], index: int, *, past: bool) -> str:
    """``position 0 (before sha256)``; ``past`` phrases it for a removed entry."""
    was = "was " if past else ""
    if index + 1 < len(names):
        return f"position {index} ({was}before {names[index + 1]})"
    if index > 0:
        return f"position {index} ({was}after {names[index - 1]})"
    return f"position {index} ({was}the only one)"


def _one_field_changes(
    name: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    default_reason: str = "",
    compare_types: bool = True,
) -> list[Change]:
    field = new["name"]
    prefix = f"{name}: field {field}"
    changes: list[Change] = []
    if compare_types and old.get("type") != new.get("type"):
        text = f"{prefix} type changed: {old.get('type')} -> {new.get('type')}"
        changes.append(Change(name, "field type changed", text))
    was_required, is_required = old.get("required", True), new.get("required", True)
    if was_required != is_required:
        if is_required:
            text = f"{prefix} is now required (was optional, {_default(old)})"
        else:
            text = f"{prefix} is now optional, {_default(new)} (was required)"
        changes.append(Change(name, "field required changed", text))
    elif old.get("default", _MISSING) != new.get("default", _MISSING):
        text = f"{prefix} default changed: {_text(old, 'default')} -> {_text(new, 'default')}"
        if default_reason:
            text += f" ({default_reason})"
        changes.append(Change(name, "field default changed", text))
    if old.get("alias", _MISSING) != new.get("alias", _MISSING):
        text = f"{prefix} alias changed: {_text(old, 'alias')} -> {_text(new, 'alias')}"
        changes.append(Change(name, "field alias changed", text))
    for key in sorted((set(old) | set(new)) - set(_FIELD_KEYS)):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before is _MISSING or after is _MISSING or not strict_equal(before, after):
            text = f"{prefix} {key} changed: {_opt_value(before)} -> {_opt_value(after)}"
            changes.append(Change(name, "field changed", text))
    return changes


def _default(field: Mapping[str, Any]) -> str:
    return f"default {field['default']}" if "default" in field else "no default"


def _text(field: Mapping[str, Any], key: str) -> str:
    # Layout strings (types, default reprs, aliases) are shown bare.
    return str(field[key]) if key in field else _NONE


def _opt_value(value: object) -> str:
    if value is _MISSING:
        return _NONE
    return value if isinstance(value, str) else value_text(value)
