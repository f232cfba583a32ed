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
from ._fuzzcheck import FuzzedArchive, FuzzResult, fuzz_archive, reproduce_command
from ._judge import Expectation, Judgement, judge, summarize
from ._regressions import read_regressions

__all__ = [
    "Expectation",
    "FuzzResult",
    "FuzzedArchive",
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
