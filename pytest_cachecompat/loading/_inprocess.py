"""Calling a project's ``loads`` with a time-out, in process or in a worker process.

Two loaders share one result type, :class:`CallOutcome` (from :mod:`.outcome`):

- :class:`InProcessLoader` (here) calls ``loads`` in the calling thread,
  interrupted by ``SIGALRM`` when it runs too long. It is the fast path:
  fuzzing makes tens of thousands of calls per second through it.
- :class:`IsolatedLoader` (``isolate = true``, in :mod:`.worker`) sends the
  bytes to a persistent worker process, so a loader that segfaults, exits,
  hangs or eats memory fails its own call instead of the test run.

This module is where the rest of the package imports both loaders from.
Nothing here imports pytest.
"""

from __future__ import annotations

import importlib
import math
import queue
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ._outcome import CallOutcome, ClosingLoader, LoaderTimeout, invoke, raised
from ._tracebacks import format_frames, timeout_traceback

__all__ = ["InProcessLoader"]

# Frames of these files are ours, not the loader's: the alarm handler and the
# code around the call here, and the invoke wrapper.
_OWN_FILES = frozenset({__file__, invoke.__code__.co_filename})


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


class InProcessLoader(ClosingLoader):
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
            return invoke(self._loads, self._summarize, self._rejects, data)
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
            raise LoaderTimeout

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
                outcome = invoke(self._loads, self._summarize, self._rejects, data)
            finally:
                # Disarm the flag first: a tick already queued then does nothing.
                self._armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        except LoaderTimeout as exc:
            outcome = self._timeout_outcome(timeout_traceback(exc, _OWN_FILES))
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
                    lambda item: invoke(self._loads, self._summarize, self._rejects, item)
                )
            runner = self._runner
            outcome = runner.run(data, self._timeout)
            if outcome is None:
                stack = format_frames(runner.current_frame(), _OWN_FILES)
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
        self.invoke = invoke
        self._requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[CallOutcome] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="cachecompat-loader", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while (data := self._requests.get()) is not None:
            try:
                outcome = self.invoke(data)
            except BaseException as exc:  # invoke lets only LoaderTimeout and Ctrl-C through
                outcome = raised(exc, is_rejection=False)
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
