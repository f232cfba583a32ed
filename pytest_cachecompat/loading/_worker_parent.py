"""``isolate = true``: calling ``loads`` in a persistent worker process.

:class:`IsolatedLoader` sends the bytes to a worker process, so a loader that
segfaults, exits, hangs or eats memory fails its own call instead of the test
run. The worker itself is :mod:`pytest_cachecompat.loading.worker`.

Nothing here imports pytest: the worker must start quickly and must not drag
the test run's plugins into the process that runs project code.
"""

from __future__ import annotations

import collections
import os
import pickle
import select
import sys
import time
from collections.abc import Generator, Iterable, Iterator, Sequence

from . import worker
from ._outcome import CallOutcome, ClosingLoader, invoke, raised_here
from ._worker_process import WINDOW_BYTES, WorkerProcess

__all__ = ["IsolatedLoader"]


_WINDOW_ITEMS = 64  # requests sent ahead of the answers
_STARTUP_TIMEOUT = 60.0
_STDERR_TAIL = 20_000  # characters of the worker's stderr kept in a report
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Frames of these files in the worker's stack dumps are ours, not the loader's.
_OWN_FILES = (__file__, worker.__file__, invoke.__code__.co_filename)


class IsolatedLoader(ClosingLoader):
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
        io: str = "bytes",
        context_ref: str | None = None,
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
            "io": io,  # see bind_loads: how the worker calls loads
            "context_ref": context_ref,
        }
        self._sys_path = None if sys_path is None else list(sys_path)
        self._timeout = timeout
        self._memory_limit_mb = memory_limit_mb
        self._worker: WorkerProcess | None = None
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

    def _ensure_worker(self) -> WorkerProcess:
        if self._worker is not None and not self._worker.alive():
            # Died between batches (killed from outside, say): not the
            # fault of the next item.
            self._discard_worker()
        if self._worker is None:
            sys_path = list(sys.path) if self._sys_path is None else self._sys_path
            self._worker = WorkerProcess.start({**self._config, "sys_path": sys_path})
        return self._worker

    def _discard_worker(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    def _run_batch(self, worker: WorkerProcess, batch: _Batch) -> Iterator[CallOutcome]:
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
        status, value_pickle, exc_type, message, traceback, is_rejection, oom, details = (
            pickle.loads(answer)
        )
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
                return raised_here(exc, "the worker's answer could not be read back"), False
        outcome = CallOutcome(status, value, exc_type, message, traceback, is_rejection, details)
        return outcome, False


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

    def refill(self, worker: WorkerProcess) -> None:
        while len(self.in_flight) < _WINDOW_ITEMS and (
            not self.in_flight or self._in_flight_bytes < WINDOW_BYTES
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
