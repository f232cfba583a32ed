"""Calling the family's ``loads``: in this process with a time-out, or in an isolated worker."""

from pytest_cachecompat.references import resolve_ref

from ._elsewhere import dumps_elsewhere
from ._inprocess import InProcessLoader
from ._outcome import CallOutcome, Loader, bind_loads
from ._tracebacks import safe_str
from ._worker_parent import IsolatedLoader

__all__ = [
    "CallOutcome",
    "InProcessLoader",
    "IsolatedLoader",
    "Loader",
    "bind_loads",
    "dumps_elsewhere",
    "resolve_ref",
    "safe_str",
]
