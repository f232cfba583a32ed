"""``--cache-compat-discover``: watch each family's ``dumps``, walk what reaches it."""

from ._discover import (
    MAX_NODES,
    MAX_TESTS,
    SECTION,
    WORKER_KEY,
    Finding,
    Target,
    Watcher,
    WatchError,
    call_arguments,
    code_of,
    targets_of,
    walk,
)

__all__ = [
    "MAX_NODES",
    "MAX_TESTS",
    "SECTION",
    "WORKER_KEY",
    "Finding",
    "Target",
    "WatchError",
    "Watcher",
    "call_arguments",
    "code_of",
    "targets_of",
    "walk",
]
