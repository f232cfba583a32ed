"""What one ``loads(data)`` call did, and making that call.

Shared by both loaders (:mod:`.isolation` in process, :mod:`.worker` in a
worker process): the :class:`CallOutcome` result type, the :class:`Loader`
protocol, :func:`resolve_ref` for ``"module:attr"`` references, and
``invoke``, which turns one call into one outcome.

Nothing here imports pytest: the worker process imports it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol, Self

import attrs

from ._tracebacks import format_exception, inner_exceptions, safe_str, type_name

__all__ = ["CallOutcome", "ClosingLoader", "Loader", "bind_loads"]


@attrs.frozen
class CallOutcome:
    """What one ``loads(data)`` call did.

    ``status`` is ``"returned"`` (``value`` holds ``summarize(value)``),
    ``"raised"`` (``exc_type``, ``message``, ``traceback``; ``exc_is_rejection``
    says whether the exception is one the family declared as a clean
    rejection), ``"timeout"`` or ``"crashed"`` (the worker process died;
    ``message`` says how).
    """

    status: str
    value: object = None
    exc_type: str = ""
    message: str = ""
    traceback: str = ""
    exc_is_rejection: bool = False
    # Sub-exceptions of an exception group and the chain of causes, one line
    # each (``inner_exceptions``); empty for a plain exception.
    details: str = ""


class ClosingLoader:
    """Base of the loaders: a ``with`` block closes the loader (its worker, its thread)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Loader(Protocol):
    def call(self, data: bytes) -> CallOutcome: ...

    def call_many(self, items: Iterable[bytes]) -> Iterator[CallOutcome]: ...

    def close(self) -> None: ...


# --- one call, whatever runs it ------------------------------------------------------


class LoaderTimeout(BaseException):
    """Raised into a loader that ran out of time.

    A BaseException, so the loader's own ``except Exception`` (the usual way
    to turn any decoding error into a cache miss) cannot swallow it.
    """


def invoke(
    loads: Callable[[bytes], object],
    summarize: Callable[[object], object],
    rejects: tuple[type[BaseException], ...],
    data: bytes,
) -> CallOutcome:
    try:
        value = loads(data)
    except (LoaderTimeout, KeyboardInterrupt):
        # Ctrl-C during a fuzz run must stop the run, not count as a crash.
        raise
    except BaseException as exc:
        return raised(exc, is_rejection=isinstance(exc, rejects))
    try:
        return CallOutcome("returned", summarize(value))
    except (LoaderTimeout, KeyboardInterrupt):
        raise
    except BaseException as exc:
        # Whatever summarize raises, the loader did not reject the input: it
        # returned something the plugin cannot read, which is never clean.
        return raised(exc, is_rejection=False)


def bind_loads(
    loads: Callable[..., object], *, io: str, context_ref: str | None, context: object
) -> Callable[[bytes], object]:
    """``loads`` as a loader calls it: on the bytes it is handed.

    The calling convention (docs/configuration.md): ``loads(data)``, or
    ``loads(path)`` for ``io = "path"`` (the bytes handed over are then
    ``os.fsencode`` of the path of a fresh copy of the archive), with the
    family's context object as a last argument when it declares one.
    """
    with_context = context_ref is not None
    if io == "path":
        if with_context:
            return lambda data: loads(Path(os.fsdecode(data)), context)
        return lambda data: loads(Path(os.fsdecode(data)))
    if with_context:
        return lambda data: loads(data, context)
    return loads


def raised(exc: BaseException, *, is_rejection: bool) -> CallOutcome:
    tb = exc.__traceback__
    # The first frames are ours (invoke, bind_loads' wrapper); the report
    # starts at the loader.
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return CallOutcome(
        "raised",
        exc_type=type_name(type(exc)),
        message=safe_str(exc),
        traceback=format_exception(exc, tb),
        exc_is_rejection=is_rejection,
        # A clean rejection is reported by its first line only; fuzz runs
        # reject tens of thousands of inputs and need not pay for the rest.
        details="" if is_rejection else inner_exceptions(exc),
    )


def raised_here(exc: BaseException, context: str) -> CallOutcome:
    return CallOutcome(
        "raised",
        exc_type=type_name(type(exc)),
        message=f"{context}: {safe_str(exc)}",
        traceback=format_exception(exc, exc.__traceback__),
    )
