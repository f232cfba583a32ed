"""Hooks that pytest-cachecompat adds to pytest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pytest_cachecompat.config import Family
    from pytest_cachecompat.kinds import RecordKind


@pytest.hookspec
def pytest_cachecompat_families(config: pytest.Config) -> Iterable[Family]:  # type: ignore[empty-body]
    """Return the cache families that this project declares in Python.

    Implement it in the project's root ``conftest.py`` (or a conftest next to
    its ``testpaths``); it is called once per run with ``--cache-compat``.
    Families from every implementation and from ``pyproject.toml`` are merged;
    a name declared twice is a usage error.
    """


@pytest.hookspec
def pytest_cachecompat_record_kinds(config: pytest.Config) -> Iterable[RecordKind]:  # type: ignore[empty-body]
    """Return record kinds that this project adds (docs/record-kinds.md).

    Each is a :class:`pytest_cachecompat.RecordKind` subclass or instance. A
    project's kinds are asked before the built-in ones, so a kind may claim
    classes that a built-in kind would otherwise take. Installed packages can
    add kinds the same way through the ``pytest_cachecompat.kinds`` entry
    point group.
    """
