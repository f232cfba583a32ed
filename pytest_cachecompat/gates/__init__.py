"""Run-wide gates: the store at a git base, the pre-release check, stale store content."""

from ._gitbase import GitError, check_base, guarded_kind, validate_ref
from ._release import check_release
from ._stale import StaleItem, find_stale, run_stale

__all__ = [
    "GitError",
    "StaleItem",
    "check_base",
    "check_release",
    "find_stale",
    "guarded_kind",
    "run_stale",
    "validate_ref",
]
