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
    first = _first_leaf(exc)
    if first is not None:
        # An exception group's own frames end where it was raised; the error
        # that explains it happened in its first sub-exception.
        parts.append(
            f"\nTraceback of its first sub-exception, {_exception_line(first).rstrip()}:\n"
        )
        _format_chain(first, first.__traceback__, parts, seen)
    return "".join(parts)


# Bounds of the sub-exception tree shown with a failure (cattrs nests one
# group per class and per field; a deep record would otherwise fill pages).
MAX_DEPTH = 4
MAX_PER_GROUP = 10
MAX_LINES = 40
MAX_CAUSES = 5
MAX_MESSAGE = 300


def inner_exceptions(exc: BaseException) -> str:
    """The sub-exceptions of a group and the causes behind an exception, one line each.

    Empty for a plain exception with no cause, so the common case costs two
    attribute reads. Nested groups are indented; the text is bounded.
    """
    if exc.__cause__ is None and not isinstance(exc, BaseExceptionGroup):
        return ""
    lines: list[str] = []
    _inner_lines(exc, "", 0, lines, {id(exc)})
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"... and {len(lines) - MAX_LINES} more lines"]
    return "\n".join(lines)


def _inner_lines(
    exc: BaseException, indent: str, depth: int, lines: list[str], seen: set[int]
) -> None:
    if isinstance(exc, BaseExceptionGroup):
        subs = exc.exceptions
        if depth >= MAX_DEPTH:
            lines.append(f"{indent}  ({len(subs)} sub-exceptions not shown: nested too deep)")
        else:
            for number, sub in enumerate(subs[:MAX_PER_GROUP], start=1):
                if id(sub) in seen or len(lines) > MAX_LINES:
                    continue
                seen.add(id(sub))
                lines.append(f"{indent}  [{number}] {_one_line(sub)}")
                _inner_lines(sub, indent + "      ", depth + 1, lines, seen)
            if len(subs) > MAX_PER_GROUP:
                lines.append(f"{indent}  ... and {len(subs) - MAX_PER_GROUP} more sub-exceptions")
    cause, causes = exc.__cause__, 0
    while cause is not None and id(cause) not in seen and causes < MAX_CAUSES:
        seen.add(id(cause))
        lines.append(f"{indent}  caused by {_one_line(cause)}")
        if isinstance(cause, BaseExceptionGroup):
            _inner_lines(cause, indent + "    ", depth + 1, lines, seen)
        cause, causes = cause.__cause__, causes + 1


def _one_line(exc: BaseException) -> str:
    message = " ".join(safe_str(exc).split())
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return f"{type_name(type(exc))}: {message}" if message else type_name(type(exc))


def _first_leaf(exc: BaseException) -> BaseException | None:
    """The first non-group exception inside a group (None for a plain exception)."""
    if not isinstance(exc, BaseExceptionGroup):
        return None
    inner: BaseException = exc
    for _ in range(MAX_DEPTH * 4):
        if not isinstance(inner, BaseExceptionGroup) or not inner.exceptions:
            break
        inner = inner.exceptions[0]
    return None if inner is exc else inner


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
