"""A pytest plugin that prints the CPU time of each phase of a run, for docs/performance.md.

    cd <project> && PYTHONPATH=<repo>/benchmarks python -m pytest -p phases \
        -q -p no:cacheprovider --cache-compat -m cachecompat

CPU seconds (``time.process_time``) spent before the session starts (pytest
and its plugins loading), in session start (the plugin reading the
configuration and importing the project), in collection, in each kind of
item (``runtest`` alone and the whole per-item protocol), and at the end of
the session, printed to stderr when the process exits. Under xdist the
workers' stderr is not shown: with ``PHASES_DIR=<folder>`` set, every
process (controller and workers) writes its lines to ``<folder>/<pid>.txt``
instead.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from collections import Counter
from collections.abc import Generator
from typing import Any

import pytest

TOTALS: Counter[str] = Counter()


def _timed(name: str) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Generator[None, Any, Any]:
        started = time.process_time()
        try:
            return (yield)
        finally:
            TOTALS[name] += time.process_time() - started

    return wrapper


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> Generator[None, Any, Any]:
    TOTALS["before session start (pytest and plugins)"] = time.process_time()
    return (yield from _timed("session start (configuration, importing the project)")())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection(session: pytest.Session) -> Generator[None, Any, Any]:
    return (yield from _timed("collection")())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Generator[None, Any, Any]:
    return (yield from _timed(f"{type(item).__name__}: whole protocol")())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _timed(f"{type(item).__name__}: runtest")())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None, Any, Any]:
    return (yield from _timed("session finish (end-of-run checks, report)")())


def _print() -> None:
    TOTALS["total"] = time.process_time()
    lines = "".join(f"{seconds:8.3f} s  {name}\n" for name, seconds in TOTALS.items())
    folder = os.environ.get("PHASES_DIR")
    if folder:
        with open(os.path.join(folder, f"{os.getpid()}.txt"), "a", encoding="utf-8") as out:
            out.write(lines)
    else:
        sys.stderr.write(lines)


atexit.register(_print)
