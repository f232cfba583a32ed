"""The record-kind protocol: one object per kind of record class.

Every built-in kind (attrs, dataclass, NamedTuple, TypedDict, enum, pydantic,
msgspec, plain pickled classes) is a :class:`RecordKind`, and a project adds
its own the same way (docs/record-kinds.md): a subclass that says how to
recognise its classes, describe their fields, build a sample from field
values, and read an instance's field values back. The rest of the plugin
(layouts, samples, canonical values, diffs) asks the kind and never branches
on a kind's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ._hints import resolve_hints
from ._model import FieldInfo, RecordInfo


class RecordKind:
    """One kind of record class. Subclass it and override what differs.

    Required: ``name`` (the ``kind`` written into every layout), :meth:`detect`,
    and :meth:`fields` (or all of :meth:`inspect`). The other methods have
    defaults that suit a class whose constructor takes its fields as keyword
    arguments and whose instances carry them as attributes.
    """

    name: ClassVar[str] = ""
    #: Fields are written by position (NamedTuple): reordering them is a misread.
    positional: ClassVar[bool] = False
    #: The kind describes members (enum), not fields.
    has_members: ClassVar[bool] = False
    #: Field types reach the bytes (False for pickle, which stores none: a type
    #: change alone is then no change).
    compares_types: ClassVar[bool] = True

    def detect(self, cls: type) -> bool:
        """True when ``cls`` is a record class of this kind."""
        raise NotImplementedError(f"{type(self).__name__}.detect")

    def inspect(self, cls: type) -> RecordInfo:
        """The fields (in the order they are written), options and members of ``cls``.

        By default: ``cls``'s annotations resolved (one that cannot be is a warning,
        not an error), then :meth:`fields` and :meth:`options`. Override either
        those two or this one.
        """
        resolved = resolve_hints(cls)
        fields = tuple(self.fields(cls, resolved.hints))
        warnings = resolved.warnings_for(fields)
        return RecordInfo(cls, self.name, self.options(cls), fields, warnings=warnings)

    def fields(self, cls: type, hints: Mapping[str, Any]) -> Iterable[FieldInfo]:
        """The fields of ``cls`` in the order they are written; ``hints``: its annotations."""
        raise NotImplementedError(f"{type(self).__name__}.fields")

    def options(self, cls: type) -> Mapping[str, object]:
        """Options of ``cls`` that change its bytes (``array_like``, a tag)."""
        return {}

    # --- samples ---

    def samples(self, info: RecordInfo) -> list[object] | None:
        """Ready-made samples (an enum's members), or None to build them from fields."""
        return None

    def constructor_fields(self, info: RecordInfo) -> list[FieldInfo]:
        """The fields whose values :meth:`build` receives, in order."""
        return [field for field in info.fields if field.extra.get("init", True)]

    def field_variants(
        self, info: RecordInfo, field: FieldInfo, values: list[object]
    ) -> list[object]:
        """The sample values of one field; a kind may add some (``ABSENT`` for a left-out key)."""
        return values

    def build(self, info: RecordInfo, values: Mapping[str, object]) -> object:
        """One instance from field values (keys: the constructor fields' names, in order)."""
        return info.cls(**values)

    # --- values ---

    def field_values(self, value: Any) -> Sequence[tuple[str, object]]:
        """(name, value) of an instance's fields, in order: what its canonical form holds."""
        return [
            (field.name, getattr(value, field.name)) for field in self.inspect(type(value)).fields
        ]

    # --- words ---

    def is_positional_layout(self, layout: Mapping[str, Any]) -> bool:
        """Whether a recorded layout of this kind is written by position."""
        return self.positional

    def default_note(self) -> str | None:
        """Why a changed default counts, when this kind knows better than the generic text."""
        return None

    def moved_note(self, old_name: str) -> str | None:
        """What a moved class means for entries written before, when the kind knows."""
        return None

    def __repr__(self) -> str:
        return f"<record kind {self.name!r} ({type(self).__module__}:{type(self).__qualname__})>"
