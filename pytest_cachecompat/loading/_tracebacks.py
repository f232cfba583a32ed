"""Exception, traceback and frame text, fast enough for a fuzz run.

traceback.format_exception costs ~45 us per call (caret anchors, source
lookups that are not cached when they fail, a TracebackException per call);
fuzzing formats one per rejected variant, so the stdlib version alone would
cap throughput below 20,000 calls/s. This produces the same text without
the ``^^^^`` lines in a few microseconds.

Nothing here imports pytest (the isolation worker uses it too).
"""

from __future__ import annotations

import linecache
import types
from collections.abc import Container


def type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a broken __str__ must not break the report
        return f"<unprintable {type(exc).__name__} object>"


_SOURCE_LINES: dict[tuple[str, int], str] = {}
_SOURCE_CACHE_LIMIT = 4096


def format_exception(exc: BaseException, tb: types.TracebackType | None) -> str:
    parts: list[str] = []
    seen: set[int] = set()
    _format_chain(exc, tb, parts, seen)
    return "".join(parts)


def _format_chain(
    exc: BaseException, tb: types.TracebackType | None, parts: list[str], seen: set[int]
) -> None:
    seen.add(id(exc))
    cause = exc.__cause__
    context = None if exc.__suppress_context__ else exc.__context__
    if cause is not None and id(cause) not in seen:
        _format_chain(cause, cause.__traceback__, parts, seen)
        parts.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and id(context) not in seen:
        _format_chain(context, context.__traceback__, parts, seen)
        parts.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if tb is not None:
        parts.append("Traceback (most recent call last):\n")
        while tb is not None:
            parts.append(_frame_text(tb.tb_frame.f_code, tb.tb_lineno))
            tb = tb.tb_next
    parts.append(_exception_line(exc))


def _frame_text(code: types.CodeType, lineno: int | None) -> str:
    head = f'  File "{code.co_filename}", line {lineno}, in {code.co_name}\n'
    source = _source_line(code.co_filename, lineno or 0)
    return f"{head}    {source}\n" if source else head


def _source_line(filename: str, lineno: int) -> str:
    key = (filename, lineno)
    line = _SOURCE_LINES.get(key)
    if line is None:
        line = linecache.getline(filename, lineno).strip()
        if len(_SOURCE_LINES) >= _SOURCE_CACHE_LIMIT:
            _SOURCE_LINES.clear()
        _SOURCE_LINES[key] = line  # misses too: linecache retries those every time
    return line


def _exception_line(exc: BaseException) -> str:
    cls = type(exc)
    name = cls.__qualname__
    if cls.__module__ not in ("builtins", "__main__"):
        name = f"{cls.__module__}.{name}"
    message = safe_str(exc)
    text = f"{name}: {message}\n" if message else f"{name}\n"
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        text += "".join(f"{note}\n" for note in notes)
    return text


def format_frames(frame: types.FrameType | None, own_files: Container[str]) -> str:
    """The stack of a running frame, innermost last, up to the first of our frames.

    ``own_files`` are the files of the code that runs the loader (the
    ``invoke`` wrapper and whatever calls it); what lies beyond is theirs.
    """
    stack: list[str] = []
    # Innermost first: the loader's frames, up to our invoke; what lies
    # beyond it is thread machinery.
    while frame is not None and frame.f_code.co_filename not in own_files:
        stack.append(_frame_text(frame.f_code, frame.f_lineno))
        frame = frame.f_back
    if not stack:
        return ""
    return "Stack of the loader when the time ran out (most recent call last):\n" + "".join(
        reversed(stack)
    )


def timeout_traceback(exc: BaseException, own_files: Container[str]) -> str:
    """Where the loader was when the alarm interrupted it, without frames of ``own_files``."""
    tb = exc.__traceback__
    lines = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename not in own_files:  # drop our wrapper and the signal handler
            lines.append(_frame_text(code, tb.tb_lineno))
        tb = tb.tb_next
    if not lines:
        return ""
    return "Traceback of the loader when the time ran out (most recent call last):\n" + "".join(
        lines
    )
