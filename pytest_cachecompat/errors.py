"""The one base class of the plugin's own errors.

Every error the plugin raises about the user's project, store or configuration
derives from :class:`CacheCompatError`, so a caller (the pytest glue, or a
project's own tooling) can tell them apart from a bug in the plugin or in the
code under test with one ``except``.
"""

from __future__ import annotations

__all__ = ["CacheCompatError"]


class CacheCompatError(Exception):
    """An error of pytest-cachecompat that names what is wrong and how to fix it."""
