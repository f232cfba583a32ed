"""Is a changed serialized form a change, or a format that differs from process to process?

Rule 6 of SPEC §4: a form whose decoded tree depends on the process (a list
built from a set, in the order the hash seed gives) is reported as not
deterministic, naming the field, instead of as a change of the format. Only
asked when a form differs from the recorded one, so a passing run starts no
process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_cachecompat.config import ResolvedFamily
from pytest_cachecompat.loading import dumps_elsewhere

from ._compare import Form, form_differences, same_forms
from ._forms import decoder_for

__all__ = ["OTHER_SEEDS", "differs_across_processes"]

# Hash seeds of the other processes: a few, since two seeds may happen to
# iterate a small set in the same order.
OTHER_SEEDS = ("1", "2", "3", "4")


def differs_across_processes(
    family: ResolvedFamily,
    record: str,
    samples: Sequence[object],
    here: Sequence[Form],
    layouts: Mapping[str, Mapping[str, Any]],
) -> tuple[str, list[str]] | None:
    """``(other seed, differences)`` when another process decodes differently, else None."""
    if family.io == "path":
        return None  # a file written at a path: only compared in this process
    decode = decoder_for(family)
    ours = os.environ.get("PYTHONHASHSEED")
    for seed in (s for s in OTHER_SEEDS if s != ours):
        written = dumps_elsewhere(
            family.dumps_ref,
            samples,
            seed=seed,
            timeout=family.timeout + 30,
            context_ref=family.context_ref,
        )
        if written is None:
            return None  # cannot be told: the difference stays a change
        there = [
            Form(form.value, decode(data), data) for form, data in zip(here, written, strict=True)
        ]
        if not same_forms(here, there):
            lines = form_differences(
                here, there, record=record, old_layouts=layouts, new_layouts=layouts
            )
            return seed, lines
    return None
