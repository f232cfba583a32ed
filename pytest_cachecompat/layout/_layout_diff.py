"""Layout changes in words.

Every structural change gets its own sentence, naming the record, so that a
reviewer can see what moved the bytes without reading the layout JSON. What a
change means for one kind (pickle stores import paths, msgspec's
``omit_defaults``) is the kind's to say (``pytest_cachecompat.kinds``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from pytest_cachecompat.kinds import RecordKind, kind_named

from ._canonical import render, strict_equal
from ._diff import Change

__all__ = ["diff_layout", "diff_layouts"]

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
    return _diff_record(old_name, str(new.get("record", old_name)), old, new)


def _diff_record(
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
    changes += _member_changes(name, _entries(old, "members"), _entries(new, "members"))
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
            text = f"{name}: {label} set to {_value(after)} (was not set)"
        elif after is _MISSING:
            text = f"{name}: {label} removed (was {_value(before)})"
        else:
            text = f"{name}: {label} changed: {_value(before)} -> {_value(after)}"
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
    changes: list[Change] = []
    for i in removed:
        if i not in renamed:
            where = _neighbours(old_names, i, past=True)
            text = f"{name}: field {old_names[i]} ({_describe(old[i])}) removed from {where}"
            changes.append(Change(name, "field removed", text))
    for i, j in renamed.items():
        text = (
            f"{name}: field renamed {old_names[i]} -> {new_names[j]}"
            f" ({new[j].get('type')} at position {j})"
        )
        changes.append(Change(name, "field renamed", text))
    for j in added:
        if j not in renamed.values():
            where = _neighbours(new_names, j, past=False)
            text = f"{name}: field {new_names[j]} ({_describe(new[j])}) added at {where}"
            changes.append(Change(name, "field added", text))
    # Identity of every kept field: its old index -> its new index.
    kept = {i: new_names.index(n) for i, n in enumerate(old_names) if n in new_names}
    kept.update(renamed)
    changes += _reorder(name, "fields", old_names, new_names, kept)
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


def _reorder(
    name: str,
    what: str,
    old_names: Sequence[str],
    new_names: Sequence[str],
    kept: Mapping[int, int],
) -> list[Change]:
    """One change when the entries both sides keep are not in the same relative order."""
    old_order = sorted(kept)
    new_order = sorted(kept.values())
    if [kept[i] for i in old_order] == new_order:
        return []
    before = ", ".join(old_names[i] for i in old_order)
    after = ", ".join(new_names[j] for j in new_order)
    return [Change(name, f"{what} reordered", f"{name}: {what} reordered: {before} -> {after}")]


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


# ---------------------------------------------------------------------------
# Enum members
# ---------------------------------------------------------------------------


def _member_changes(
    name: str, old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> list[Change]:
    old_names = [str(m["name"]) for m in old]
    new_names = [str(m["name"]) for m in new]
    removed = [i for i, n in enumerate(old_names) if n not in new_names]
    added = [j for j, n in enumerate(new_names) if n not in old_names]
    renamed = _pair_renamed_members(old, new, removed, added)
    changes: list[Change] = []
    for i in removed:
        if i not in renamed:
            text = f"{name}: member {old_names[i]} = {_value(old[i].get('value'))} removed"
            changes.append(Change(name, "member removed", text))
    for i, j in renamed.items():
        text = (
            f"{name}: member renamed {old_names[i]} -> {new_names[j]}"
            f" (value {_value(new[j].get('value'))})"
        )
        changes.append(Change(name, "member renamed", text))
    for j in added:
        if j not in renamed.values():
            text = f"{name}: member {new_names[j]} = {_value(new[j].get('value'))} added"
            changes.append(Change(name, "member added", text))
    kept = {i: new_names.index(n) for i, n in enumerate(old_names) if n in new_names}
    kept.update(renamed)
    changes += _reorder(name, "members", old_names, new_names, kept)
    for i, j in sorted(kept.items(), key=lambda pair: pair[1]):
        before, after = old[i].get("value"), new[j].get("value")
        if not strict_equal(before, after):
            text = (
                f"{name}: member {new_names[j]} value changed: {_value(before)} -> {_value(after)}"
            )
            changes.append(Change(name, "member value changed", text))
    return changes


def _pair_renamed_members(
    old: Sequence[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
    removed: Iterable[int],
    added: Sequence[int],
) -> dict[int, int]:
    """A removed member and an added one with the same value: a rename (values identify)."""
    pairs: dict[int, int] = {}
    free = list(added)
    for i in removed:
        for j in free:
            if strict_equal(old[i].get("value"), new[j].get("value")):
                pairs[i] = j
                free.remove(j)
                break
    return pairs


def _value(value: object) -> str:
    """A JSON value from a layout (member value, option) as Python-like text."""
    return render(value, 80)


def _opt_value(value: object) -> str:
    if value is _MISSING:
        return _NONE
    return value if isinstance(value, str) else _value(value)


# ---------------------------------------------------------------------------
# Many records
# ---------------------------------------------------------------------------


def diff_layouts(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]
) -> list[Change]:
    """Changes between two ``{qualified name: layout}`` maps, grouped by record name."""
    removed = sorted(set(old) - set(new))
    added = sorted(set(new) - set(old))
    moves = _pair_moves(old, new, removed, added)
    moved_from = {o for o, _ in moves}
    moved_to = {n for _, n in moves}
    groups: list[tuple[str, list[Change]]] = []
    for record in sorted(set(old) & set(new)):
        groups.append((record, _diff_record(record, record, old[record], new[record])))
    for before, after in moves:
        groups.append((after, _diff_record(before, after, old[before], new[after])))
    for record in removed:
        if record not in moved_from:
            text = f"{record}: record removed ({_summary(old[record])})"
            groups.append((record, [Change(record, "record removed", text)]))
    for record in added:
        if record not in moved_to:
            text = f"{record}: record added ({_summary(new[record])})"
            groups.append((record, [Change(record, "record added", text)]))
    groups.sort(key=lambda group: group[0])
    return [change for _, group in groups for change in group]


def _pair_moves(
    old: Mapping[str, Mapping[str, Any]],
    new: Mapping[str, Mapping[str, Any]],
    removed: Sequence[str],
    added: Sequence[str],
) -> list[tuple[str, str]]:
    """(old name, new name) of every record that moved to another import path."""
    moves: list[tuple[str, str]] = []
    free = list(added)
    # First: identical apart from the import path. Same class name wins; a
    # different class name needs a body to match on (two empty records are
    # not evidence of a move).
    for before in removed:
        same_name = [a for a in free if _short(a) == _short(before)]
        others = [a for a in free if a not in same_name]
        for after in same_name + others:
            if _equal_but_record(old[before], new[after]) and (
                after in same_name or _has_body(old[before])
            ):
                moves.append((before, after))
                free.remove(after)
                break
    # Then: the only removed and the only added record with one class name
    # moved and changed; diff_layout lists the changes after the move.
    left = [r for r in removed if r not in {b for b, _ in moves}]
    for before in left:
        olds = [r for r in left if _short(r) == _short(before)]
        news = [a for a in free if _short(a) == _short(before)]
        if len(olds) == 1 and len(news) == 1:
            moves.append((before, news[0]))
            free.remove(news[0])
    return moves


def _short(record: str) -> str:
    return record.rpartition(":")[2]


def _equal_but_record(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    rest_a = {k: v for k, v in a.items() if k != "record"}
    rest_b = {k: v for k, v in b.items() if k != "record"}
    return strict_equal(rest_a, rest_b)


def _has_body(layout: Mapping[str, Any]) -> bool:
    return bool(layout.get("fields") or layout.get("members"))


def _summary(layout: Mapping[str, Any]) -> str:
    kind = str(layout.get("kind", "?"))
    if layout.get("fields"):
        return f"{kind}; fields: " + ", ".join(str(f["name"]) for f in layout["fields"])
    if layout.get("members"):
        return f"{kind}; members: " + ", ".join(str(m["name"]) for m in layout["members"])
    return kind
