"""Changes of an enum's members in words: removed, renamed (same value), added, revalued."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._compare import strict_equal
from ._diff import Change
from ._entry_diff import EntryWords, sequence_changes, value_text


def member_changes(
    name: str, old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> list[Change]:
    old_names = [str(m["name"]) for m in old]
    new_names = [str(m["name"]) for m in new]
    removed = [i for i, n in enumerate(old_names) if n not in new_names]
    added = [j for j, n in enumerate(new_names) if n not in old_names]
    renamed = _pair_renamed_members(old, new, removed, added)
    words = EntryWords(
        noun="member",
        removed=lambda i: f"{old_names[i]} = {value_text(old[i].get('value'))} removed",
        renamed=lambda i, j: f"value {value_text(new[j].get('value'))}",
        added=lambda j: f"{new_names[j]} = {value_text(new[j].get('value'))} added",
    )
    changes, kept = sequence_changes(name, old_names, new_names, renamed, words)
    for i, j in sorted(kept.items(), key=lambda pair: pair[1]):
        before, after = old[i].get("value"), new[j].get("value")
        if not strict_equal(before, after):
            change = f"{value_text(before)} -> {value_text(after)}"
            text = f"{name}: member {new_names[j]} value changed: {change}"
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
