"""What changed in the serialized forms from one recorded version to the next, in words.

Layout changes (``layout.diff_layouts``) say what the classes did; these say
what ``dumps`` did with the same values: a field whose sample holds the same
value in both versions but is written differently (``Entry.body: bytes
written as base64 text instead of base85 text``), or a record written in
another format (pickle -> JSON). ``CHANGES.md`` and the bump summary list
both, so that "bumped with no change" is said only when neither changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_cachecompat import store
from pytest_cachecompat.layout import Change, strict_equal

from ._compare import Form, form_differences, forms_of
from ._decode import Decoded

__all__ = ["form_changes", "recorded_forms"]

Layouts = Mapping[str, Mapping[str, Any]]
KIND = "serialized form changed"
# ``files[1]`` -> ``files[]``: a changelog speaks of every item, not of one sample's.
_INDEX = re.compile(r"\[\d+\]")


def recorded_forms(
    version_folder: Path, decode: Callable[[bytes], Decoded]
) -> dict[str, list[Form]]:
    """``{record: forms}`` of every samples file in one version folder, decoded afresh."""
    found: dict[str, list[Form]] = {}
    if not version_folder.is_dir():
        return found
    for path in sorted(version_folder.glob(f"*{store.SAMPLES_SUFFIX}")):
        document = store.read_json(path)
        record = document.get("record") if isinstance(document, dict) else None
        if isinstance(record, str):
            found[record] = forms_of(document, decode)
    return found


def form_changes(
    old: Mapping[str, Sequence[Form]],
    new: Mapping[str, Sequence[Form]],
    *,
    old_layouts: Layouts,
    new_layouts: Layouts,
) -> list[Change]:
    """Per record (in name order), how the same values are written differently now."""
    changes: list[Change] = []
    for record in sorted(set(old) & set(new)):
        pairs = _paired(old[record], new[record])
        if not pairs:
            continue
        lines = form_differences(
            [a for a, _ in pairs],
            [b for _, b in pairs],
            record=record,
            old_layouts=old_layouts,
            new_layouts=new_layouts,
            same_values_only=True,
        )
        texts = list(dict.fromkeys(_INDEX.sub("[]", _without_sample(line)) for line in lines))
        changes.extend(Change(record, KIND, f"{record}: {text}") for text in texts)
    return changes


def _paired(old: Sequence[Form], new: Sequence[Form]) -> list[tuple[Form, Form]]:
    """Samples of the two versions that stand for each other: by position, else by value."""
    if len(old) == len(new):
        return list(zip(old, new, strict=True))
    pairs = []
    for after in new:
        match = next((b for b in old if strict_equal(b.value, after.value)), None)
        if match is not None:
            pairs.append((match, after))
    return pairs


def _without_sample(line: str) -> str:
    """``every sample: X`` -> ``X``: a changelog speaks of the record, not of sample numbers."""
    label, sep, text = line.partition(": ")
    if sep and (label == "every sample" or label.startswith("sample")):
        return text
    return line
