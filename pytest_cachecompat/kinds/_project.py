"""A project's own record kinds: checked before they are registered.

They come from the ``pytest_cachecompat_record_kinds`` hook and from the
``pytest_cachecompat.kinds`` entry point group (docs/record-kinds.md); a
mistake in one is a usage error that names where the kind came from.
"""

from __future__ import annotations

from collections.abc import Iterable

from pytest_cachecompat.errors import CacheCompatError

from ._protocol import RecordKind

ENTRY_POINT_GROUP = "pytest_cachecompat.kinds"


class KindError(CacheCompatError):
    """A project's record kind that cannot be used."""


def checked_kinds(
    declared: Iterable[tuple[str, object]], builtin_names: Iterable[str]
) -> list[RecordKind]:
    """Instances of every declared kind, in order; ``declared`` pairs each with its source."""
    reserved = set(builtin_names)
    kinds: list[RecordKind] = []
    seen: dict[str, str] = {}
    for source, declared_kind in declared:
        kind = _instance(source, declared_kind)
        name = kind.name
        if not isinstance(name, str) or not name.strip():
            raise KindError(
                f"{source}: record kind {kind!r} has no name (set the class attribute name)"
            )
        if name in reserved:
            raise KindError(
                f"{source}: record kind name {name!r} is a built-in kind's; choose another name"
            )
        if name in seen:
            raise KindError(
                f"{source}: record kind name {name!r} is already used by a kind from {seen[name]}"
            )
        if _inherited(kind, "detect"):
            raise KindError(f"{source}: record kind {name!r} does not implement detect()")
        if _inherited(kind, "inspect") and _inherited(kind, "fields"):
            raise KindError(
                f"{source}: record kind {name!r} implements neither fields() nor inspect()"
            )
        seen[name] = source
        kinds.append(kind)
    return kinds


def _instance(source: str, declared: object) -> RecordKind:
    if isinstance(declared, type) and issubclass(declared, RecordKind):
        try:
            return declared()
        except Exception as error:
            raise KindError(
                f"{source}: cannot create record kind {declared.__qualname__}: "
                f"{type(error).__name__}: {error}"
            ) from None
    if isinstance(declared, RecordKind):
        return declared
    raise KindError(
        f"{source}: {declared!r} is not a record kind (expected a pytest_cachecompat.RecordKind "
        "subclass or instance)"
    )


def _inherited(kind: RecordKind, method: str) -> bool:
    return getattr(type(kind), method) is getattr(RecordKind, method)
