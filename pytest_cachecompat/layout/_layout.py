"""Layout dicts of record types (schema in docs/design.md).

A layout holds only what reaches the serialized bytes, so that docstrings,
methods, validators and flags like ``frozen`` never force a version bump,
while any structural change does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pytest_cachecompat.kinds import (
    MISSING,
    FieldInfo,
    factory_repr,
    inspect_record,
    kind_named,
    record_name,
    referenced_types,
    stable_repr,
    type_name,
)

Layout = dict[str, Any]


def layout_of(cls: type) -> Layout:
    """The layout of one record type: record, kind, options, fields or members."""
    info = inspect_record(cls)
    kind = kind_named(info.kind)
    layout: Layout = {
        "record": record_name(cls),
        "kind": info.kind,
        "options": {key: info.options[key] for key in sorted(info.options)},
    }
    if info.source is not None:
        layout["fields_from"] = info.source
    if kind is not None and kind.has_members:
        layout["members"] = [{"name": name, "value": value} for name, value in info.members]
    else:
        layout["fields"] = [_field_layout(field) for field in info.fields]
    return layout


def collect_types(roots: Sequence[type]) -> dict[str, type]:
    """Roots first (in order), then every reachable record/enum in DFS order, once each."""
    found: dict[str, type] = {}
    for root in roots:
        found.setdefault(record_name(root), root)
    expanded: set[str] = set()
    for root in roots:
        _visit(root, found, expanded)
    return found


def collect_layouts(roots: Sequence[type]) -> dict[str, Layout]:
    """Layouts of the roots and everything reachable from them, keyed by name."""
    return {name: layout_of(cls) for name, cls in collect_types(roots).items()}


def _visit(root: type, found: dict[str, type], expanded: set[str]) -> None:
    # Depth-first with an explicit stack of iterators: a type is discovered
    # (and descended into) before its parent's next field is looked at, and a
    # deep chain of nested records cannot hit the recursion limit.
    if record_name(root) in expanded:
        return
    expanded.add(record_name(root))
    stack: list[Iterator[type]] = [_children(root)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        name = record_name(child)
        found.setdefault(name, child)
        if name not in expanded:
            expanded.add(name)
            stack.append(_children(child))


def _children(cls: type) -> Iterator[type]:
    for field in inspect_record(cls).fields:
        yield from referenced_types(field.hint)


def _field_layout(field: FieldInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": field.name,
        "type": type_name(field.hint),
        "required": field.required,
    }
    default = _default_text(field)
    if not field.required and default is not None:
        entry["default"] = default
    if field.alias is not None:
        entry["alias"] = field.alias
    for key in sorted(field.extra):
        entry[key] = field.extra[key]
    return entry


def _default_text(field: FieldInfo) -> str | None:
    if field.default_factory is not None:
        return factory_repr(field.default_factory)
    if field.default is MISSING:
        return None
    return stable_repr(field.default)
