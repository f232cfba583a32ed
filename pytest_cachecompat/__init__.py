"""pytest-cachecompat: fail the run when a cached record's layout changes without a version bump.

The public API is what this module names; everything else in the package is
its implementation. Names load lazily: pytest imports this package in every
run through its entry point, and a run without ``--cache-compat`` must not pay
for attrs or the plugin's own modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_cachecompat.config import Distribution, Family
    from pytest_cachecompat.errors import CacheCompatError
    from pytest_cachecompat.kinds import ABSENT, MISSING, FieldInfo, RecordInfo, RecordKind

__all__ = [
    "ABSENT",
    "MISSING",
    "CacheCompatError",
    "Distribution",
    "Family",
    "FieldInfo",
    "RecordInfo",
    "RecordKind",
]

_WHERE = {
    "ABSENT": "pytest_cachecompat.kinds",
    "CacheCompatError": "pytest_cachecompat.errors",
    "Distribution": "pytest_cachecompat.config",
    "Family": "pytest_cachecompat.config",
    "FieldInfo": "pytest_cachecompat.kinds",
    "MISSING": "pytest_cachecompat.kinds",
    "RecordInfo": "pytest_cachecompat.kinds",
    "RecordKind": "pytest_cachecompat.kinds",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
