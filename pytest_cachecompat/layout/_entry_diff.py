"""Entries of a layout (fields, enum members) by name: removed, renamed, added, reordered."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from ._diff import Change
from ._render import render


@attrs.frozen
class EntryWords:
    """How the changes of one kind of entry (fields, enum members) are put in words."""

    noun: str
    removed: Callable[[int], str]  # old index -> "x (str) removed from position 1 ..."
    renamed: Callable[[int, int], str]  # old, new index -> the parenthesis after the rename
    added: Callable[[int], str]  # new index -> "x (str) added at position 1 ..."


def sequence_changes(
    name: str,
    old_names: Sequence[str],
    new_names: Sequence[str],
    renamed: Mapping[int, int],
    words: EntryWords,
) -> tuple[list[Change], dict[int, int]]:
    """Entries removed, renamed, added and reordered; and old index -> new index of the kept."""
    noun = words.noun
    changes: list[Change] = []
    for i in range(len(old_names)):
        if old_names[i] not in new_names and i not in renamed:
            changes.append(Change(name, f"{noun} removed", f"{name}: {noun} {words.removed(i)}"))
    for i, j in renamed.items():
        text = f"{name}: {noun} renamed {old_names[i]} -> {new_names[j]} ({words.renamed(i, j)})"
        changes.append(Change(name, f"{noun} renamed", text))
    for j in range(len(new_names)):
        if new_names[j] not in old_names and j not in renamed.values():
            changes.append(Change(name, f"{noun} added", f"{name}: {noun} {words.added(j)}"))
    # Identity of every kept entry: its old index -> its new index.
    kept = {i: new_names.index(n) for i, n in enumerate(old_names) if n in new_names}
    kept.update(renamed)
    changes += reorder_changes(name, f"{noun}s", old_names, new_names, kept)
    return changes, kept


def reorder_changes(
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


def value_text(value: object) -> str:
    """A JSON value from a layout (member value, option) as Python-like text."""
    return render(value, 80)
