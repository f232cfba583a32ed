"""Golden archives: freezing them, judging every load, fuzzing the loader."""

from ._check import (
    VersionOutcome,
    archived_versions,
    check_version,
    freeze_all,
    freeze_family,
    relation,
)
from ._fuzz import Variant, variant, variants
from ._fuzzcheck import fuzz_archive, read_regressions, reproduce_command
from ._judge import Expectation, Judgement, judge, summarize

__all__ = [
    "Expectation",
    "Judgement",
    "Variant",
    "VersionOutcome",
    "archived_versions",
    "check_version",
    "freeze_all",
    "freeze_family",
    "fuzz_archive",
    "judge",
    "read_regressions",
    "relation",
    "reproduce_command",
    "summarize",
    "variant",
    "variants",
]
