"""The family of parso's file cache: every parser tree class, guarded by _PICKLE_VERSION.

parso's own rule (the docstring of ``parso.cache:_PICKLE_VERSION``): bump it
when a tree class is renamed or moved, or when a ``__slot__`` of one changes.
The records are exactly those classes, so the layout gate checks that rule.
"""

from __future__ import annotations

import parso.python.tree
import parso.tree
import psadapter

from pytest_cachecompat import Family


def _tree_classes() -> list[type]:
    found: dict[str, type] = {}
    for module in (parso.tree, parso.python.tree):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, parso.tree.NodeOrLeaf)
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}:{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def pytest_cachecompat_families(config):
    return [
        Family(
            name="parser",
            version="parso.cache:_PICKLE_VERSION",
            records=_tree_classes(),
            dumps=psadapter.dumps,
            loads=psadapter.loads,
            miss="none",
            samples=psadapter.samples,
            default_samples=False,
        )
    ]
