"""pytest-cachecompat: fail the run when a cached record's layout changes without a version bump."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_cachecompat.config import Family

__all__ = ["Family"]


def __getattr__(name: str) -> Any:
    # pytest imports this package in every run through its entry point; the
    # public API (and attrs behind it) loads only when a project asks for it.
    if name == "Family":
        from pytest_cachecompat.config import Family

        return Family
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
