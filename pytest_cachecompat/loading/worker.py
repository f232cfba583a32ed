"""The worker process of ``isolate = true``: ``python -m pytest_cachecompat.loading.worker``.

It reads requests from the parent (:mod:`._worker_parent`), calls ``loads``
and answers, in order. Nothing here imports pytest: the worker must start
quickly and must not drag the test run's plugins into the process that runs
project code.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import IO, Any

from pytest_cachecompat.references import resolve_ref

from ._outcome import CallOutcome, bind_loads, invoke, raised_here
from ._tracebacks import format_exception, type_name
from ._wire import CALL, LENGTH


class _WorkerLoop:
    """Runs in the worker: reads requests, answers them, in order."""

    def __init__(self, requests: IO[bytes], answers_fd: int) -> None:
        self._requests = requests
        self._answers_fd = answers_fd

    def read_frame(self) -> bytes | None:
        header = self._requests.read(LENGTH.size)
        if len(header) < LENGTH.size:
            return None  # the parent went away
        (size,) = LENGTH.unpack(header)
        payload = self._requests.read(size)
        return payload if len(payload) == size else None

    def write_frame(self, payload: bytes) -> None:
        view = memoryview(LENGTH.pack(len(payload)) + payload)
        while view:
            view = view[os.write(self._answers_fd, view) :]

    def serve(self, config: dict[str, Any]) -> None:
        try:
            loads, summarize, rejects = _resolve_config(config)
        except Exception as exc:
            tb = format_exception(exc, exc.__traceback__)
            self.write_frame(pickle.dumps(("error", type_name(type(exc)), str(exc), tb)))
            return
        memory_limited = _limit_memory(config["memory_limit_mb"])
        self.write_frame(pickle.dumps(("ready",)))
        while (request := self.read_frame()) is not None and request[:1] == CALL:
            try:
                outcome = invoke(loads, summarize, rejects, request[1:])
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
    raw_loads = resolve_ref(config["loads_ref"])
    summarize = resolve_ref(config["summarize_ref"])
    rejects = tuple(resolve_ref(ref) for ref in config["rejects_refs"])
    for ref, obj in zip(config["rejects_refs"], rejects, strict=True):
        if not (isinstance(obj, type) and issubclass(obj, BaseException)):
            raise TypeError(f"reference {ref!r} is not an exception class")
    for ref, obj in ((config["loads_ref"], raw_loads), (config["summarize_ref"], summarize)):
        if not callable(obj):
            raise TypeError(f"reference {ref!r} is not callable")
    # The worker builds the family's context itself: the parent's object
    # need not be picklable (a session, an open database, a request).
    context_ref = config.get("context_ref")
    context = None
    if context_ref is not None:
        factory = resolve_ref(context_ref)
        if not callable(factory):
            raise TypeError(f"reference {context_ref!r} is not callable")
        context = factory()
    loads = bind_loads(
        raw_loads,  # type: ignore[arg-type]
        io=config.get("io", "bytes"),
        context_ref=context_ref,
        context=context,
    )
    return loads, summarize, rejects  # type: ignore[return-value]


def _encode_outcome(outcome: CallOutcome, oom: bool) -> bytes:
    value_pickle = b""
    if outcome.status == "returned":
        try:
            value_pickle = pickle.dumps(outcome.value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            outcome = raised_here(exc, "the loader's value could not be sent back")
    fields = (
        outcome.status,
        value_pickle,
        outcome.exc_type,
        outcome.message,
        outcome.traceback,
        outcome.exc_is_rejection,
        oom,
        outcome.details,
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


def main() -> None:
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
    main()
