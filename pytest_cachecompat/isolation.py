"""Calling a project's ``loads`` with a time-out, in process or in a worker process.

Two loaders share one result type, :class:`CallOutcome`:

- :class:`InProcessLoader` calls ``loads`` in the calling thread, interrupted
  by ``SIGALRM`` when it runs too long. It is the fast path: fuzzing makes tens
  of thousands of calls per second through it.
- :class:`IsolatedLoader` (``isolate = true``) sends the bytes to a persistent
  worker process, so a loader that segfaults, exits, hangs or eats memory
  fails its own call instead of the test run. Run as ``python -m
  pytest_cachecompat.isolation``, this module is that worker.

Nothing here imports pytest: the worker must start quickly and must not drag
the test run's plugins into the process that runs project code.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
import linecache
import math
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import types
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from typing import IO, Any, Protocol, Self

import attrs

__all__ = ["CallOutcome", "InProcessLoader", "IsolatedLoader", "Loader", "resolve_ref"]


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


class Loader(Protocol):
    def call(self, data: bytes) -> CallOutcome: ...

    def call_many(self, items: Iterable[bytes]) -> Iterator[CallOutcome]: ...

    def close(self) -> None: ...


def resolve_ref(ref: str) -> object:
    """The object named by ``"pkg.mod:attr.sub"``.

    Raises ImportError (also for a malformed reference) or AttributeError,
    each with a message that names the reference.
    """
    module_name, sep, attr_path = ref.partition(":")
    if not sep or not module_name or not attr_path:
        raise ImportError(f"invalid reference {ref!r}: expected 'module:attribute'")
    try:
        target: object = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(
            f"cannot import module {module_name!r} for reference {ref!r}: {exc}",
            name=module_name,
        ) from exc
    for part in attr_path.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as exc:
            raise AttributeError(
                f"cannot resolve reference {ref!r}: {type(target).__name__} "
                f"{getattr(target, '__name__', target)!r} has no attribute {part!r}"
            ) from exc
    return target


# --- one call, whatever runs it ------------------------------------------------------


class _LoaderTimeout(BaseException):
    """Raised into a loader that ran out of time.

    A BaseException, so the loader's own ``except Exception`` (the usual way
    to turn any decoding error into a cache miss) cannot swallow it.
    """


def _invoke(
    loads: Callable[[bytes], object],
    summarize: Callable[[object], object],
    rejects: tuple[type[BaseException], ...],
    data: bytes,
) -> CallOutcome:
    try:
        value = loads(data)
    except (_LoaderTimeout, KeyboardInterrupt):
        # Ctrl-C during a fuzz run must stop the run, not count as a crash.
        raise
    except BaseException as exc:
        return _raised(exc, is_rejection=isinstance(exc, rejects))
    try:
        return CallOutcome("returned", summarize(value))
    except (_LoaderTimeout, KeyboardInterrupt):
        raise
    except BaseException as exc:
        # Whatever summarize raises, the loader did not reject the input: it
        # returned something the plugin cannot read, which is never clean.
        return _raised(exc, is_rejection=False)


def _raised(exc: BaseException, *, is_rejection: bool) -> CallOutcome:
    tb = exc.__traceback__
    # The first frame is _invoke's own; the report starts at the loader.
    tb = tb.tb_next if tb is not None else None
    return CallOutcome(
        "raised",
        exc_type=_type_name(type(exc)),
        message=_safe_str(exc),
        traceback=_format_exception(exc, tb),
        exc_is_rejection=is_rejection,
    )


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a broken __str__ must not break the report
        return f"<unprintable {type(exc).__name__} object>"


# --- traceback text -------------------------------------------------------------------
#
# traceback.format_exception costs ~45 us per call (caret anchors, source
# lookups that are not cached when they fail, a TracebackException per call);
# fuzzing formats one per rejected variant, so the stdlib version alone would
# cap throughput below 20,000 calls/s. This produces the same text without
# the ``^^^^`` lines in a few microseconds.

_SOURCE_LINES: dict[tuple[str, int], str] = {}
_SOURCE_CACHE_LIMIT = 4096


def _format_exception(exc: BaseException, tb: types.TracebackType | None) -> str:
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
    message = _safe_str(exc)
    text = f"{name}: {message}\n" if message else f"{name}\n"
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        text += "".join(f"{note}\n" for note in notes)
    return text


def _format_frames(frame: types.FrameType | None) -> str:
    """The stack of a running frame, innermost last, without this module's frames."""
    stack: list[str] = []
    # Innermost first: the loader's frames, up to our _invoke; what lies
    # beyond it is thread machinery.
    while frame is not None and frame.f_code.co_filename != __file__:
        stack.append(_frame_text(frame.f_code, frame.f_lineno))
        frame = frame.f_back
    if not stack:
        return ""
    return "Stack of the loader when the time ran out (most recent call last):\n" + "".join(
        reversed(stack)
    )


def _timeout_traceback(exc: _LoaderTimeout) -> str:
    """Where the loader was when the alarm interrupted it."""
    tb = exc.__traceback__
    lines = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename != __file__:  # drop our wrapper and the signal handler
            lines.append(_frame_text(code, tb.tb_lineno))
        tb = tb.tb_next
    if not lines:
        return ""
    return "Traceback of the loader when the time ran out (most recent call last):\n" + "".join(
        lines
    )


# --- in process -----------------------------------------------------------------------


def _raw_signal_module() -> Any:
    """The C functions behind ``signal``.

    ``signal.signal`` and ``signal.getsignal`` wrap them to convert handlers
    to and from enums, which costs ~7 us per call: a third of the per-call
    budget of a fuzz run. Falls back to ``signal`` where ``_signal`` is absent.
    """
    try:
        return importlib.import_module("_signal")
    except ImportError:
        return signal


_SIGNALS = _raw_signal_module()

# After the first alarm, keep ringing: a loader that catches the time-out
# with a bare ``except:`` and carries on gets interrupted again.
_ALARM_REPEAT = 0.05


class InProcessLoader:
    """Calls ``loads`` in this process, interrupting it after ``timeout`` seconds.

    In the main thread on POSIX, ``SIGALRM`` raises into the loader (the
    previous handler and timer are restored after each call). Elsewhere the
    call runs in a helper thread that is abandoned if it hangs: Python cannot
    stop a thread, which is why ``isolate = true`` exists. Neither way can
    interrupt C code that never returns to the interpreter.
    """

    def __init__(
        self,
        loads: Callable[[bytes], object],
        *,
        rejects: tuple[type[BaseException], ...],
        summarize: Callable[[object], object],
        timeout: float,
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        self._loads = loads
        self._rejects = rejects
        self._summarize = summarize
        self._timeout = timeout
        self._armed = False
        self._fired = False
        self._runner: _ThreadRunner | None = None
        self._runner_lock = threading.Lock()

    def call(self, data: bytes) -> CallOutcome:
        if math.isinf(self._timeout):
            return _invoke(self._loads, self._summarize, self._rejects, data)
        if self._alarm_usable():
            return self._call_with_alarm(data)
        return self._call_in_thread(data)

    def call_many(self, items: Iterable[bytes]) -> Iterator[CallOutcome]:
        # The handler is installed per call, not per batch: between two
        # outcomes the consumer's own code runs and must see its own handler.
        for data in items:
            yield self.call(data)

    def close(self) -> None:
        with self._runner_lock:
            if self._runner is not None:
                self._runner.stop()
                self._runner = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @staticmethod
    def _alarm_usable() -> bool:
        return (
            hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            # None: a handler installed from C that we could not put back.
            and _SIGNALS.getsignal(signal.SIGALRM) is not None
        )

    def _on_alarm(self, signum: int, frame: types.FrameType | None) -> None:
        if self._armed:
            self._fired = True
            raise _LoaderTimeout

    def _call_with_alarm(self, data: bytes) -> CallOutcome:
        previous_handler = _SIGNALS.signal(signal.SIGALRM, self._on_alarm)
        started = time.monotonic()
        previous_timer = (0.0, 0.0)
        self._fired = False
        try:
            try:
                previous_timer = signal.setitimer(
                    signal.ITIMER_REAL, self._timeout, min(self._timeout, _ALARM_REPEAT)
                )
                # Armed only after setitimer returned, so an early tick cannot
                # skip the assignment above; the repeat catches the next one.
                self._armed = True
                outcome = _invoke(self._loads, self._summarize, self._rejects, data)
            finally:
                # Disarm the flag first: a tick already queued then does nothing.
                self._armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _LoaderTimeout as exc:
            outcome = self._timeout_outcome(_timeout_traceback(exc))
        finally:
            _SIGNALS.signal(signal.SIGALRM, previous_handler)
            _restore_timer(previous_timer, time.monotonic() - started)
        if self._fired and outcome.status != "timeout":
            # The loader caught the time-out with a bare except and went on.
            outcome = self._timeout_outcome("")
        return outcome

    def _call_in_thread(self, data: bytes) -> CallOutcome:
        with self._runner_lock:
            if self._runner is None:
                self._runner = _ThreadRunner(
                    lambda item: _invoke(self._loads, self._summarize, self._rejects, item)
                )
            runner = self._runner
            outcome = runner.run(data, self._timeout)
            if outcome is None:
                stack = _format_frames(runner.current_frame())
                runner.stop()  # it stops once (if ever) the hung call returns
                self._runner = None
                outcome = self._timeout_outcome(stack)
            return outcome

    def _timeout_outcome(self, traceback: str) -> CallOutcome:
        return CallOutcome(
            "timeout",
            message=f"loader did not return within {self._timeout:g} s",
            traceback=traceback,
        )


def _restore_timer(previous: tuple[float, float], elapsed: float) -> None:
    remaining, interval = previous
    if remaining > 0:
        # Someone else's alarm (pytest-timeout, say) was running: give it the
        # time it had left, and let it fire at once if that ran out meanwhile.
        signal.setitimer(signal.ITIMER_REAL, max(remaining - elapsed, 1e-6), interval)


class _ThreadRunner:
    """One helper thread that runs calls for a non-main thread."""

    def __init__(self, invoke: Callable[[bytes], CallOutcome]) -> None:
        self._invoke = invoke
        self._requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[CallOutcome] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="cachecompat-loader", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while (data := self._requests.get()) is not None:
            try:
                outcome = self._invoke(data)
            except BaseException as exc:  # _invoke lets only _LoaderTimeout and Ctrl-C through
                outcome = _raised(exc, is_rejection=False)
            self._results.put(outcome)

    def run(self, data: bytes, timeout: float) -> CallOutcome | None:
        self._requests.put(data)
        try:
            return self._results.get(timeout=timeout)
        except queue.Empty:
            return None

    def current_frame(self) -> types.FrameType | None:
        ident = self._thread.ident
        return sys._current_frames().get(ident) if ident is not None else None

    def stop(self) -> None:
        self._requests.put(None)


# --- in a worker process --------------------------------------------------------------
#
# Wire format, both directions: frames of an 8-byte big-endian length and a
# payload. Requests carry a one-byte kind first (b"C" + the raw bytes to
# load, or b"Q" to quit) so the archive bytes are not pickled; the config,
# the handshake answer and every response are pickles of plain tuples.

_LENGTH = struct.Struct(">Q")
_CALL = b"C"
_QUIT = b"Q"
_WINDOW_ITEMS = 64  # requests sent ahead of the answers
_WINDOW_BYTES = 1 << 20
_STARTUP_TIMEOUT = 60.0
_STDERR_TAIL = 20_000  # characters of the worker's stderr kept in a report
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class IsolatedLoader:
    """Calls ``loads`` in a persistent worker process.

    The worker starts on the first call and is reused; when it dies, hangs or
    runs out of memory, that call gets a ``"crashed"``/``"timeout"`` outcome and
    the next call gets a fresh worker. Not thread-safe; one batch at a time.
    """

    def __init__(
        self,
        loads_ref: str,
        *,
        rejects_refs: Sequence[str],
        summarize_ref: str,
        timeout: float,
        memory_limit_mb: int | None = 1024,
        sys_path: Sequence[str] | None = None,
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        if not hasattr(select, "poll"):
            raise NotImplementedError("isolate = true needs a POSIX system (select.poll)")
        self._config = {
            "loads_ref": loads_ref,
            "rejects_refs": list(rejects_refs),
            "summarize_ref": summarize_ref,
            "memory_limit_mb": memory_limit_mb,
        }
        self._sys_path = None if sys_path is None else list(sys_path)
        self._timeout = timeout
        self._memory_limit_mb = memory_limit_mb
        self._worker: _Worker | None = None
        self._busy = False

    def call(self, data: bytes) -> CallOutcome:
        results = self.call_many((data,))
        try:
            return next(results)
        finally:
            results.close()

    def call_many(self, items: Iterable[bytes]) -> Generator[CallOutcome, None, None]:
        if self._busy:
            raise RuntimeError("IsolatedLoader.call_many is already running a batch")
        self._busy = True
        batch = _Batch(iter(items))
        try:
            while batch.pending():  # an empty batch starts no worker
                yield from self._run_batch(self._ensure_worker(), batch)
        finally:
            self._busy = False
            if batch.in_flight:
                # Abandoned mid-batch: the worker still owes answers that the
                # next batch would mistake for its own.
                self._discard_worker()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _ensure_worker(self) -> _Worker:
        if self._worker is not None and not self._worker.alive():
            # Died between batches (killed from outside, say): not the
            # fault of the next item.
            self._discard_worker()
        if self._worker is None:
            sys_path = list(sys.path) if self._sys_path is None else self._sys_path
            self._worker = _Worker.start({**self._config, "sys_path": sys_path})
        return self._worker

    def _discard_worker(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    def _run_batch(self, worker: _Worker, batch: _Batch) -> Iterator[CallOutcome]:
        """Outcomes from one worker, until the batch is done or the worker is lost.

        A lost worker is discarded before its outcome is yielded, so a
        consumer that stops there still leaves a clean loader behind.
        """
        head_started = time.monotonic()
        stderr_mark = worker.stderr_size()
        while True:
            if not batch.in_flight:
                head_started = time.monotonic()
                stderr_mark = worker.stderr_size()
            batch.refill(worker)
            if not batch.in_flight:
                return
            answers, dead = worker.pump(head_started + self._timeout)
            for answer in answers:
                batch.answered()
                outcome, fatal = self._read_answer(answer)
                # The worker starts the next item as soon as it sent this
                # answer, so its time starts no later than now.
                head_started = time.monotonic()
                stderr_mark = worker.stderr_size()
                if fatal:
                    batch.requeue_in_flight()
                    self._discard_worker()
                    yield outcome
                    return
                yield outcome
            if dead and not batch.in_flight:
                # It died after answering everything: nobody to blame.
                self._discard_worker()
                return
            if dead or not answers:  # pump() returns nothing only at the deadline
                batch.answered()
                batch.requeue_in_flight()
                if dead:
                    outcome = worker.crash_outcome(stderr_mark)
                else:
                    outcome = worker.hang_outcome(stderr_mark, self._timeout)
                self._discard_worker()
                yield outcome
                return

    def _read_answer(self, answer: bytes) -> tuple[CallOutcome, bool]:
        status, value_pickle, exc_type, message, traceback, is_rejection, oom = pickle.loads(answer)
        if oom:
            limit = self._memory_limit_mb
            return CallOutcome(
                "crashed",
                message=f"worker ran out of memory (limit {limit} MB)",
                traceback=traceback,
            ), True
        value = None
        if status == "returned":
            try:
                value = pickle.loads(value_pickle)
            except Exception as exc:
                return _raised_here(exc, "the worker's answer could not be read back"), False
        return CallOutcome(status, value, exc_type, message, traceback, is_rejection), False


def _raised_here(exc: BaseException, context: str) -> CallOutcome:
    return CallOutcome(
        "raised",
        exc_type=_type_name(type(exc)),
        message=f"{context}: {_safe_str(exc)}",
        traceback=_format_exception(exc, exc.__traceback__),
    )


class _Batch:
    """Items of one ``call_many``: not yet sent, sent and unanswered, to resend."""

    def __init__(self, source: Iterator[bytes]) -> None:
        self._source = source
        self._exhausted = False
        self._retry: collections.deque[bytes] = collections.deque()
        self.in_flight: collections.deque[bytes] = collections.deque()
        self._in_flight_bytes = 0

    def pending(self) -> bool:
        """Whether any item still needs an answer (peeks at the source)."""
        if self.in_flight or self._retry:
            return True
        data = self._next()
        if data is None:
            return False
        self._retry.append(data)
        return True

    def refill(self, worker: _Worker) -> None:
        while len(self.in_flight) < _WINDOW_ITEMS and (
            not self.in_flight or self._in_flight_bytes < _WINDOW_BYTES
        ):
            data = self._next()
            if data is None:
                return
            worker.send(data)
            self.in_flight.append(data)
            self._in_flight_bytes += len(data)

    def _next(self) -> bytes | None:
        if self._retry:
            return self._retry.popleft()
        if not self._exhausted:
            for data in self._source:
                return data
            self._exhausted = True
        return None

    def answered(self) -> None:
        """The oldest item in flight got its answer (or its verdict)."""
        self._in_flight_bytes -= len(self.in_flight.popleft())

    def requeue_in_flight(self) -> None:
        """Items the lost worker never answered go first to the next one."""
        self._retry.extendleft(reversed(self.in_flight))
        self.in_flight.clear()
        self._in_flight_bytes = 0


class _Worker:
    """The parent's handle on one worker process."""

    def __init__(self, proc: subprocess.Popen[bytes], stderr: IO[bytes]) -> None:
        self._proc = proc
        self._stderr = stderr
        assert proc.stdin is not None and proc.stdout is not None
        self._to_worker = proc.stdin.fileno()
        self._from_worker = proc.stdout.fileno()
        self._outgoing = bytearray()
        self._incoming = bytearray()
        self._eof = False
        os.set_blocking(self._to_worker, False)  # pump() must never block on a stuck worker
        self._poller = select.poll()
        self._poller.register(self._from_worker, select.POLLIN)
        self._polling_writes = False
        # Kill the process when the loader is dropped or Python exits, without
        # keeping a reference to self alive.
        self._finalizer = weakref.finalize(self, _kill_process, proc, stderr)

    @classmethod
    def start(cls, config: dict[str, Any]) -> _Worker:
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - the worker owns it; kill() closes it
        env = dict(os.environ)
        # The worker must import this package before it installs sys_path.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest_cachecompat.isolation"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
        worker = cls(proc, stderr)
        try:
            worker._handshake(config)
        except BaseException:
            worker.kill()
            raise
        return worker

    def _handshake(self, config: dict[str, Any]) -> None:
        self.send_frame(pickle.dumps(config, protocol=pickle.HIGHEST_PROTOCOL))
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        answers: list[bytes] = []
        dead = False
        while not answers and not dead and time.monotonic() < deadline:
            answers, dead = self.pump(deadline)
        if not answers:
            state = self.exit_message() if dead else "did not answer in time"
            raise RuntimeError(
                f"cachecompat worker failed to start ({state})\n{self.stderr_text(0)}".rstrip()
            )
        reply = pickle.loads(answers[0])
        if reply[0] != "ready":
            _, exc_type, message, traceback = reply
            raise _start_error(exc_type, message, traceback)

    # -- sending and receiving ----------------------------------------------------

    def send(self, data: bytes) -> None:
        self._outgoing += _LENGTH.pack(len(data) + 1)
        self._outgoing += _CALL
        self._outgoing += data

    def send_frame(self, payload: bytes) -> None:
        self._outgoing += _LENGTH.pack(len(payload))
        self._outgoing += payload

    def pump(self, deadline: float) -> tuple[list[bytes], bool]:
        """Move bytes both ways until answers arrive, the worker dies, or ``deadline``.

        Returns the complete answers read and whether the worker is gone
        (its pipe reached end of file).
        """
        while True:
            self._poll_writes(bool(self._outgoing))
            wait_ms = max(0, math.ceil((deadline - time.monotonic()) * 1000))
            for fd, _events in self._poller.poll(wait_ms):
                if fd == self._to_worker:
                    self._write_some()
                else:
                    self._read_some()
            answers = self._take_answers()
            if answers or self._eof:
                return answers, self._eof
            if time.monotonic() >= deadline:
                return [], False

    def _poll_writes(self, wanted: bool) -> None:
        if wanted != self._polling_writes:
            if wanted:
                self._poller.register(self._to_worker, select.POLLOUT)
            else:
                self._poller.unregister(self._to_worker)
            self._polling_writes = wanted

    def _write_some(self) -> None:
        try:
            written = os.write(self._to_worker, self._outgoing[:_WINDOW_BYTES])
        except BlockingIOError:
            return
        except OSError:
            # The worker is gone (broken pipe); its end of file on the other
            # pipe reports that, after the answers it did send.
            self._outgoing.clear()
            return
        del self._outgoing[:written]

    def _read_some(self) -> None:
        chunk = os.read(self._from_worker, 1 << 16)
        if chunk:
            self._incoming += chunk
        else:
            self._eof = True
            self._poller.unregister(self._from_worker)

    def _take_answers(self) -> list[bytes]:
        answers = []
        offset = 0
        buffer = self._incoming
        while len(buffer) - offset >= _LENGTH.size:
            (size,) = _LENGTH.unpack_from(buffer, offset)
            end = offset + _LENGTH.size + size
            if end > len(buffer):
                break
            answers.append(bytes(buffer[offset + _LENGTH.size : end]))
            offset = end
        if offset:
            del buffer[:offset]
        return answers

    # -- failures -----------------------------------------------------------------

    def stderr_size(self) -> int:
        return os.fstat(self._stderr.fileno()).st_size

    def stderr_text(self, since: int) -> str:
        """What the worker wrote to stderr since ``since``, minus our own frames.

        After a crash or hang this holds faulthandler's dump of the stack.
        """
        size = self.stderr_size()
        start = max(since, size - _STDERR_TAIL)
        text = os.pread(self._stderr.fileno(), size - start, start).decode("utf-8", "replace")
        own = (f'  File "{__file__}"', '  File "<frozen runpy>"')
        return "".join(line for line in text.splitlines(True) if not line.startswith(own))

    def alive(self) -> bool:
        return self._proc.poll() is None

    def exit_message(self) -> str:
        try:
            code = self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            # It closed its pipe but lives on; that is as dead as it gets.
            self._proc.kill()
            code = self._proc.wait()
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"killed by signal {name}"
        return f"worker exited with code {code}"

    def crash_outcome(self, stderr_mark: int) -> CallOutcome:
        message = self.exit_message()
        return CallOutcome("crashed", message=message, traceback=self.stderr_text(stderr_mark))

    def hang_outcome(self, stderr_mark: int, timeout: float) -> CallOutcome:
        self._dump_stack()
        traceback = self.stderr_text(stderr_mark)
        self.kill()
        return CallOutcome(
            "timeout",
            message=f"loader did not return within {timeout:g} s (worker killed)",
            traceback=traceback,
        )

    def _dump_stack(self) -> None:
        """Ask the hung worker's faulthandler for its stack, for the report."""
        if not hasattr(signal, "SIGUSR1"):
            return
        before = self.stderr_size()
        with contextlib.suppress(OSError):
            os.kill(self._proc.pid, signal.SIGUSR1)
        # faulthandler writes from the signal handler itself, even while the
        # loader holds the GIL in C code; give it a moment to land.
        deadline = time.monotonic() + 0.5
        while self.stderr_size() == before and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.01)

    # -- ending -------------------------------------------------------------------

    def stop(self) -> None:
        """Let the worker finish on its own, then make sure it is gone."""
        with contextlib.suppress(OSError):
            os.set_blocking(self._to_worker, True)
            os.write(self._to_worker, _LENGTH.pack(1) + _QUIT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=1)
        self.kill()

    def kill(self) -> None:
        self._finalizer()


def _kill_process(proc: subprocess.Popen[bytes], stderr: IO[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    for stream in (proc.stdin, proc.stdout, stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _start_error(exc_type: str, message: str, traceback: str) -> Exception:
    """The worker's reason for not starting, as the exception resolve_ref raised."""
    error: Exception
    if exc_type in ("builtins.ImportError", "builtins.ModuleNotFoundError"):
        error = ImportError(message)
    elif exc_type == "builtins.AttributeError":
        error = AttributeError(message)
    elif exc_type == "builtins.TypeError":
        error = TypeError(message)
    else:
        error = RuntimeError(f"cachecompat worker failed to start: {exc_type}: {message}")
    error.add_note(f"in the cachecompat worker process:\n{traceback}".rstrip())
    return error


# --- the worker side ------------------------------------------------------------------


class _WorkerLoop:
    """Runs in the worker: reads requests, answers them, in order."""

    def __init__(self, requests: IO[bytes], answers_fd: int) -> None:
        self._requests = requests
        self._answers_fd = answers_fd

    def read_frame(self) -> bytes | None:
        header = self._requests.read(_LENGTH.size)
        if len(header) < _LENGTH.size:
            return None  # the parent went away
        (size,) = _LENGTH.unpack(header)
        payload = self._requests.read(size)
        return payload if len(payload) == size else None

    def write_frame(self, payload: bytes) -> None:
        view = memoryview(_LENGTH.pack(len(payload)) + payload)
        while view:
            view = view[os.write(self._answers_fd, view) :]

    def serve(self, config: dict[str, Any]) -> None:
        try:
            loads, summarize, rejects = _resolve_config(config)
        except Exception as exc:
            tb = _format_exception(exc, exc.__traceback__)
            self.write_frame(pickle.dumps(("error", _type_name(type(exc)), str(exc), tb)))
            return
        memory_limited = _limit_memory(config["memory_limit_mb"])
        self.write_frame(pickle.dumps(("ready",)))
        while (request := self.read_frame()) is not None and request[:1] == _CALL:
            try:
                outcome = _invoke(loads, summarize, rejects, request[1:])
            except MemoryError:
                # Reporting the loader's MemoryError failed too, while its
                # frames still held the memory; they are gone now.
                outcome = CallOutcome("raised", exc_type="builtins.MemoryError")
            oom = memory_limited and outcome.exc_type == "builtins.MemoryError"
            self.write_frame(_encode_outcome(outcome, oom))
            if oom:
                return  # the parent starts a fresh worker; this heap is suspect


def _resolve_config(
    config: dict[str, Any],
) -> tuple[Callable[[bytes], object], Callable[[object], object], tuple[type[BaseException], ...]]:
    sys.path[:] = config["sys_path"]
    loads = resolve_ref(config["loads_ref"])
    summarize = resolve_ref(config["summarize_ref"])
    rejects = tuple(resolve_ref(ref) for ref in config["rejects_refs"])
    for ref, obj in zip(config["rejects_refs"], rejects, strict=True):
        if not (isinstance(obj, type) and issubclass(obj, BaseException)):
            raise TypeError(f"reference {ref!r} is not an exception class")
    for ref, obj in ((config["loads_ref"], loads), (config["summarize_ref"], summarize)):
        if not callable(obj):
            raise TypeError(f"reference {ref!r} is not callable")
    return loads, summarize, rejects  # type: ignore[return-value]


def _encode_outcome(outcome: CallOutcome, oom: bool) -> bytes:
    value_pickle = b""
    if outcome.status == "returned":
        try:
            value_pickle = pickle.dumps(outcome.value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            outcome = _raised_here(exc, "the loader's value could not be sent back")
    fields = (
        outcome.status,
        value_pickle,
        outcome.exc_type,
        outcome.message,
        outcome.traceback,
        outcome.exc_is_rejection,
        oom,
    )
    return pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)


def _limit_memory(limit_mb: int | None) -> bool:
    """Cap the address space at the current size plus ``limit_mb``.

    Relative to the size after importing the project (not absolute), so a
    project whose imports alone reserve a lot of address space (thread
    arenas, big extension modules) still gets ``limit_mb`` for loading.
    """
    if limit_mb is None:
        return False
    try:
        import resource
    except ImportError:  # not POSIX
        return False
    try:
        with open("/proc/self/statm") as statm:
            baseline = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        baseline = 0
    soft = baseline + limit_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (OSError, ValueError):
        return False
    return True


def _worker_main() -> None:
    import faulthandler

    # The protocol owns the original stdin/stdout; the loader gets /dev/null
    # and stderr, so a stray print() cannot corrupt an answer.
    requests = os.fdopen(os.dup(0), "rb")
    answers_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    # Ctrl-C in the terminal reaches the whole process group; the parent
    # handles it and stops this worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.enable()  # segfaults: the Python stack goes into the report
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)  # hangs: same
    loop = _WorkerLoop(requests, answers_fd)
    config_frame = loop.read_frame()
    if config_frame is not None:
        loop.serve(pickle.loads(config_frame))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown: the project's atexit hooks are not ours to run


if __name__ == "__main__":
    _worker_main()
