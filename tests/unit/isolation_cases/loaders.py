"""Loaders with every way of misbehaving, for the isolation tests.

Each one dispatches on the input, so a single worker can be made to return,
raise, exit, segfault, hang or eat memory from one call to the next.
"""

from __future__ import annotations

import ctypes
import os
import time

import msgpack  # type: ignore[import-untyped]


class Rejected(ValueError):
    """The clean rejection these loaders declare."""


def loads(data: bytes) -> object:
    """msgpack, except for a few magic inputs that misbehave on purpose."""
    behaviours = {
        b"exit": _exit,
        b"segfault": _segfault,
        b"hang": _hang,
        b"hog": _hog,
        b"reject": _reject,
        b"index": _index_error,
        b"print": _print,
    }
    behaviour = behaviours.get(data)
    if behaviour is not None:
        return behaviour()
    return msgpack.unpackb(data)


def summarize(value: object) -> object:
    return value


def _exit() -> object:
    os._exit(3)


def _segfault() -> object:
    return ctypes.string_at(0)


def _hang() -> object:
    while True:
        time.sleep(0.01)


def _hog() -> object:
    return b"x" * (4 * 1024**3)


def _reject() -> object:
    raise Rejected("unknown header")


def _index_error() -> object:
    return [][1]


def _print() -> object:
    # Loaders that print must not corrupt the worker's answers on stdout.
    print("noise on stdout " * 100)
    return "printed"


def unpicklable(value: object) -> object:
    return lambda: value
