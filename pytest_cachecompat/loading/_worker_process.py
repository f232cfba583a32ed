"""The worker process of ``isolate = true``, seen from the parent: start, talk, stop.

The framing of every message is ``_wire``'s; the worker's own side is
:mod:`pytest_cachecompat.loading.worker`.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from typing import IO, Any

from . import worker
from ._outcome import CallOutcome, invoke
from ._wire import CALL, LENGTH, QUIT

__all__ = ["WINDOW_BYTES", "WorkerProcess"]

WINDOW_BYTES = 1 << 20  # bytes of requests sent ahead of the answers
_STARTUP_TIMEOUT = 60.0
_STDERR_TAIL = 20_000  # characters of the worker's stderr kept in a report
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Frames of these files in the worker's stack dumps are ours, not the loader's.
_OWN_FILES = (__file__, worker.__file__, invoke.__code__.co_filename)


class WorkerProcess:
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
    def start(cls, config: dict[str, Any]) -> WorkerProcess:
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - the worker owns it; kill() closes it
        env = dict(os.environ)
        # The worker must import this package before it installs sys_path.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest_cachecompat.loading.worker"],
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
        self._outgoing += LENGTH.pack(len(data) + 1)
        self._outgoing += CALL
        self._outgoing += data

    def send_frame(self, payload: bytes) -> None:
        self._outgoing += LENGTH.pack(len(payload))
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
            written = os.write(self._to_worker, self._outgoing[:WINDOW_BYTES])
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
        while len(buffer) - offset >= LENGTH.size:
            (size,) = LENGTH.unpack_from(buffer, offset)
            end = offset + LENGTH.size + size
            if end > len(buffer):
                break
            answers.append(bytes(buffer[offset + LENGTH.size : end]))
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
        own = tuple(f'  File "{path}"' for path in (*_OWN_FILES, "<frozen runpy>"))
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
            os.write(self._to_worker, LENGTH.pack(1) + QUIT)
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
    if exc_type in (
        "builtins.ImportError",
        "builtins.ModuleNotFoundError",
        "pytest_cachecompat.references.UnimportableReference",
    ):
        error = ImportError(message)
    elif exc_type in (
        "builtins.AttributeError",
        "pytest_cachecompat.references.MissingAttributeReference",
    ):
        error = AttributeError(message)
    elif exc_type == "builtins.TypeError":
        error = TypeError(message)
    else:
        error = RuntimeError(f"cachecompat worker failed to start: {exc_type}: {message}")
    error.add_note(f"in the cachecompat worker process:\n{traceback}".rstrip())
    return error
