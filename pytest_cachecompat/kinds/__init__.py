"""Record kinds: how each kind of class is detected, described, built and read back."""

from ._introspect import (
    MISSING,
    SUPPORTED_KINDS,
    FieldInfo,
    RecordInfo,
    UnsupportedType,
    factory_repr,
    inspect_record,
    is_record_type,
    json_value,
    record_name,
    referenced_types,
    resolved_hints,
    stable_repr,
    substitute,
)
from ._typenames import kept_metadata, qualified_name, strip_required, type_name

__all__ = [
    "MISSING",
    "SUPPORTED_KINDS",
    "FieldInfo",
    "RecordInfo",
    "UnsupportedType",
    "factory_repr",
    "inspect_record",
    "is_record_type",
    "json_value",
    "kept_metadata",
    "qualified_name",
    "record_name",
    "referenced_types",
    "resolved_hints",
    "stable_repr",
    "strip_required",
    "substitute",
    "type_name",
]
