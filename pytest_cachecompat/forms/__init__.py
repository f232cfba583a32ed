"""What is recorded for a record type: its layout text, its samples, their serialized forms."""

from . import _messages as messages
from ._decode import Decoded, decode_bytes, hex_lines
from ._forms import (
    CheckError,
    SerializedForms,
    dump_sample,
    is_frozen,
    is_positional_layout,
    layout_text,
    parse_recorded,
    positional_warning,
    samples_for,
    serialized_forms,
    to_text,
)

__all__ = [
    "CheckError",
    "Decoded",
    "SerializedForms",
    "decode_bytes",
    "dump_sample",
    "hex_lines",
    "is_frozen",
    "is_positional_layout",
    "layout_text",
    "messages",
    "parse_recorded",
    "positional_warning",
    "samples_for",
    "serialized_forms",
    "to_text",
]
