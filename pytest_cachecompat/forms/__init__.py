"""What is recorded for a record type: its layout text, its samples, their serialized forms."""

from . import _messages as messages
from ._compare import (
    Form,
    changed_samples,
    form_differences,
    format_words,
    forms_of,
    same_forms,
)
from ._decode import Decoded, decode_bytes, hex_lines
from ._determinism import differs_across_processes
from ._forms import (
    CheckError,
    SerializedForms,
    decoder_for,
    dump_content,
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
from ._history import form_changes, recorded_forms

__all__ = [
    "CheckError",
    "Decoded",
    "Form",
    "SerializedForms",
    "changed_samples",
    "decode_bytes",
    "decoder_for",
    "differs_across_processes",
    "dump_content",
    "dump_sample",
    "form_changes",
    "form_differences",
    "format_words",
    "forms_of",
    "hex_lines",
    "is_frozen",
    "is_positional_layout",
    "layout_text",
    "messages",
    "parse_recorded",
    "positional_warning",
    "recorded_forms",
    "same_forms",
    "samples_for",
    "serialized_forms",
    "to_text",
]
