"""Changes between two versions' layouts of a family: records changed, moved, added, removed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._compare import strict_equal
from ._diff import Change
from ._layout_diff import diff_record

__all__ = ["diff_layouts"]


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
        groups.append((record, diff_record(record, record, old[record], new[record])))
    for before, after in moves:
        groups.append((after, diff_record(before, after, old[before], new[after])))
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
