"""Record kinds: how each kind of class is detected, described, built and read back.

The public protocol is :class:`RecordKind` (docs/record-kinds.md); the built-in
kinds are instances of it, and a project's own kinds are registered with
:func:`use_project_kinds` by the pytest glue.
"""

from ._alias import alias_record, is_type_alias
from ._hints import HintResult, is_classvar, origin_class, resolve_hints, substitute
from ._model import ABSENT, MISSING, FieldInfo, RecordInfo, UnsupportedType
from ._pickle import object_state, slot_names
from ._project import ENTRY_POINT_GROUP, KindError, checked_kinds
from ._protocol import RecordKind
from ._registry import (
    BUILTIN_NAMES,
    claim_project_modules,
    inspect_record,
    is_record_type,
    kind_named,
    kind_of,
    project_kinds,
    record_fields,
    record_name,
    referenced_types,
    stable_repr,
    supported_kinds,
    use_project_kinds,
)
from ._reprs import factory_repr, json_value
from ._typenames import kept_metadata, qualified_name, strip_required, type_name

__all__ = [
    "ABSENT",
    "BUILTIN_NAMES",
    "ENTRY_POINT_GROUP",
    "MISSING",
    "FieldInfo",
    "HintResult",
    "KindError",
    "RecordInfo",
    "RecordKind",
    "UnsupportedType",
    "alias_record",
    "checked_kinds",
    "claim_project_modules",
    "factory_repr",
    "inspect_record",
    "is_classvar",
    "is_record_type",
    "is_type_alias",
    "json_value",
    "kept_metadata",
    "kind_named",
    "kind_of",
    "object_state",
    "origin_class",
    "project_kinds",
    "qualified_name",
    "record_fields",
    "record_name",
    "referenced_types",
    "resolve_hints",
    "slot_names",
    "stable_repr",
    "strip_required",
    "substitute",
    "supported_kinds",
    "type_name",
    "use_project_kinds",
]
