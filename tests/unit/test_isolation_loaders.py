"""Calling a loader with a time-out, in process and in a worker process."""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import msgpack  # type: ignore[import-untyped]
import pytest

from pytest_cachecompat.loading import (
    CallOutcome,
    InProcessLoader,
    IsolatedLoader,
    resolve_ref,
)

HERE = str(Path(__file__).resolve().parent)
CASES = "isolation_cases.loaders"

posix_only = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX signals")


class Rejected(ValueError):
    pass


def identity(value: object) -> object:
    return value


def in_process(loads: object, timeout: float = 1.0, **kwargs: object) -> InProcessLoader:
    options: dict[str, object] = {"rejects": (Rejected,), "summarize": identity}
    options.update(kwargs)
    return InProcessLoader(loads, timeout=timeout, **options)  # type: ignore[arg-type]


# --- resolve_ref ------------------------------------------------------------------------


def test_resolve_ref_finds_nested_attributes() -> None:
    assert resolve_ref("os.path:join") is os.path.join
    assert resolve_ref("collections:OrderedDict.move_to_end") is OrderedDict.move_to_end


def test_resolve_ref_names_the_ref_when_the_module_is_missing() -> None:
    with pytest.raises(ImportError, match="'no_such_module_xyz:loads'"):
        resolve_ref("no_such_module_xyz:loads")


def test_resolve_ref_names_the_ref_when_the_attribute_is_missing() -> None:
    with pytest.raises(AttributeError, match=r"'os\.path:nope'.*'nope'"):
        resolve_ref("os.path:nope")


@pytest.mark.parametrize("ref", ["os.path.join", ":join", "os.path:"])
def test_resolve_ref_rejects_malformed_refs(ref: str) -> None:
    with pytest.raises(ImportError, match="expected 'module:attribute'"):
        resolve_ref(ref)


# --- InProcessLoader: results ---------------------------------------------------------


def test_returned_value_goes_through_summarize() -> None:
    loader = in_process(msgpack.unpackb, summarize=lambda v: ("summary", v))
    assert loader.call(msgpack.packb([1, 2])) == CallOutcome("returned", ("summary", [1, 2]))


def reject_loader(data: bytes) -> object:
    raise Rejected(f"unknown header {data[:1]!r}")


def index_loader(data: bytes) -> object:
    items: list[int] = []
    return items[len(data)]


def test_declared_exception_is_a_rejection() -> None:
    outcome = in_process(reject_loader).call(b"\x09")
    assert outcome.status == "raised"
    assert outcome.exc_type == f"{__name__}.Rejected"
    assert outcome.message == "unknown header b'\\t'"
    assert outcome.exc_is_rejection


def test_other_exception_is_not_a_rejection_and_shows_the_loader_frame() -> None:
    outcome = in_process(index_loader).call(b"ab")
    assert outcome.status == "raised"
    assert outcome.exc_type == "builtins.IndexError"
    assert outcome.message == "list index out of range"
    assert not outcome.exc_is_rejection
    assert "in index_loader" in outcome.traceback
    assert "return items[len(data)]" in outcome.traceback
    assert outcome.traceback.endswith("IndexError: list index out of range\n")
    assert "_invoke" not in outcome.traceback  # our own frame is left out


def chained_loader(data: bytes) -> object:
    try:
        return data[5]
    except IndexError as exc:
        raise Rejected("too short") from exc


def test_traceback_matches_the_standard_format_without_carets() -> None:
    outcome = in_process(chained_loader).call(b"")
    try:
        chained_loader(b"")
    except Rejected as exc:
        standard = "".join(traceback.format_exception(exc))
    # The standard text has one more frame (this test) and ^^^ marker lines.
    standard = re.sub(r"(?m)^\s*[~^]+\s*\n", "", standard)
    standard = re.sub(r'(?m)^  File ".*", line \d+, in test_traceback.*\n.*\n', "", standard)
    assert "The above exception was the direct cause" in outcome.traceback
    assert outcome.traceback == standard


def test_summarize_failure_is_raised_and_never_a_rejection() -> None:
    def bad_summary(value: object) -> object:
        raise Rejected("cannot summarize")

    outcome = in_process(lambda data: data, summarize=bad_summary).call(b"x")
    assert outcome.status == "raised"
    assert outcome.message == "cannot summarize"
    assert not outcome.exc_is_rejection
    assert "in bad_summary" in outcome.traceback


def test_unprintable_exception_is_still_reported() -> None:
    class Ugly(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    def loads(data: bytes) -> object:
        raise Ugly

    outcome = in_process(loads).call(b"")
    assert outcome.message == "<unprintable Ugly object>"


def test_keyboard_interrupt_stops_the_run() -> None:
    def loads(data: bytes) -> object:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        in_process(loads).call(b"")


def test_call_many_keeps_order() -> None:
    loader = in_process(msgpack.unpackb, rejects=(ValueError,))
    items = [msgpack.packb(1), b"\xc1", msgpack.packb("two")]
    statuses = [(o.status, o.value) for o in loader.call_many(items)]
    assert statuses == [("returned", 1), ("raised", None), ("returned", "two")]


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        in_process(identity, timeout=0)


# --- InProcessLoader: time-outs -------------------------------------------------------


def spin(data: bytes) -> object:
    while True:
        pass


def sleep(data: bytes) -> object:
    time.sleep(30)
    return None


def spin_catching_exception(data: bytes) -> object:
    while True:
        try:
            while True:
                pass
        except Exception:  # the classic "any error is a cache miss"
            return None


def sleep_catching_everything(data: bytes) -> object:
    try:
        time.sleep(30)
    except BaseException:
        return "swallowed"
    return None


@posix_only
@pytest.mark.parametrize(
    ("loads", "frame"),
    [
        (spin, "in spin"),
        (sleep, "in sleep"),
        (spin_catching_exception, "in spin_catching_exception"),
        (sleep_catching_everything, ""),
    ],
)
def test_timeout_interrupts_the_loader(loads: object, frame: str) -> None:
    started = time.monotonic()
    outcome = in_process(loads, timeout=0.2).call(b"")
    elapsed = time.monotonic() - started
    assert outcome.status == "timeout"
    assert outcome.message == "loader did not return within 0.2 s"
    assert frame in outcome.traceback
    assert 0.15 < elapsed < 1.5


@posix_only
def test_previous_alarm_handler_and_timer_are_restored() -> None:
    calls: list[int] = []

    def handler(signum: int, frame: object) -> None:
        calls.append(signum)

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 100.0)
        loader = in_process(msgpack.unpackb, timeout=0.2)
        assert loader.call(msgpack.packb(1)).status == "returned"
        assert in_process(spin, timeout=0.1).call(b"").status == "timeout"
        assert signal.getsignal(signal.SIGALRM) is handler
        remaining, _interval = signal.getitimer(signal.ITIMER_REAL)
        assert 98.0 < remaining <= 100.0
        assert calls == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@posix_only
def test_an_expired_outer_timer_fires_after_the_call() -> None:
    calls: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: calls.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        in_process(sleep, timeout=0.2).call(b"")
        time.sleep(0.05)
        assert calls == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_outside_the_main_thread_a_helper_thread_times_out() -> None:
    outcomes: list[CallOutcome] = []
    release = threading.Event()

    def spin_until_released(data: bytes) -> object:
        # The abandoned helper thread must end with the test, or it would
        # compete for the GIL with every test after this one.
        while not release.is_set():
            pass
        return None

    def run() -> None:
        with in_process(spin_until_released, timeout=0.2) as loader:
            outcomes.append(loader.call(b""))
        with in_process(msgpack.unpackb) as loader:
            outcomes.extend(loader.call_many([msgpack.packb(1), msgpack.packb(2)]))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    release.set()
    timeout, one, two = outcomes
    assert timeout.status == "timeout"
    assert "in spin_until_released" in timeout.traceback
    assert "_bootstrap" not in timeout.traceback  # thread machinery is left out
    assert (one.value, two.value) == (1, 2)


# --- IsolatedLoader ------------------------------------------------------------------


def isolated(timeout: float = 2.0, **kwargs: object) -> IsolatedLoader:
    options: dict[str, object] = {
        "rejects_refs": [f"{CASES}:Rejected"],
        "summarize_ref": f"{CASES}:summarize",
        "memory_limit_mb": 256,
        "sys_path": [HERE, *sys.path],
    }
    options.update(kwargs)
    return IsolatedLoader(f"{CASES}:loads", timeout=timeout, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def worker() -> Iterator[IsolatedLoader]:
    with isolated(timeout=1.0) as loader:
        yield loader


def test_isolated_call_returns_and_raises(worker: IsolatedLoader) -> None:
    assert worker.call(msgpack.packb({"a": [1, 2]})) == CallOutcome("returned", {"a": [1, 2]})
    rejected = worker.call(b"reject")
    assert (rejected.status, rejected.exc_type, rejected.message, rejected.exc_is_rejection) == (
        "raised",
        "isolation_cases.loaders.Rejected",
        "unknown header",
        True,
    )
    failed = worker.call(b"index")
    assert failed.exc_type == "builtins.IndexError"
    assert not failed.exc_is_rejection
    assert "in _index_error" in failed.traceback


def test_printing_loader_does_not_corrupt_answers(worker: IsolatedLoader) -> None:
    assert worker.call(b"print").value == "printed"
    assert worker.call(msgpack.packb(5)).value == 5


def test_exit_is_a_crash_and_the_next_call_works(worker: IsolatedLoader) -> None:
    outcome = worker.call(b"exit")
    assert outcome == CallOutcome("crashed", message="worker exited with code 3")
    assert worker.call(msgpack.packb("next")).value == "next"


def test_segfault_is_a_crash_with_the_python_stack(worker: IsolatedLoader) -> None:
    outcome = worker.call(b"segfault")
    assert outcome.status == "crashed"
    assert outcome.message == "killed by signal SIGSEGV"
    assert "_segfault" in outcome.traceback  # faulthandler's dump
    assert worker.call(msgpack.packb(1)).value == 1


def test_hang_is_a_timeout_and_the_next_call_works(worker: IsolatedLoader) -> None:
    started = time.monotonic()
    outcome = worker.call(b"hang")
    assert outcome.status == "timeout"
    assert outcome.message == "loader did not return within 1 s (worker killed)"
    assert "_hang" in outcome.traceback  # where it hung, from faulthandler
    assert time.monotonic() - started < 5
    assert worker.call(msgpack.packb(2)).value == 2


def test_memory_hog_is_an_out_of_memory_crash(worker: IsolatedLoader) -> None:
    outcome = worker.call(b"hog")
    assert outcome.status == "crashed"
    assert outcome.message == "worker ran out of memory (limit 256 MB)"
    assert "MemoryError" in outcome.traceback
    assert worker.call(msgpack.packb(3)).value == 3


def test_call_many_continues_after_a_crash_and_a_hang(worker: IsolatedLoader) -> None:
    items = [msgpack.packb(1), b"exit", msgpack.packb(2), b"hang", msgpack.packb(3), b"reject"]
    outcomes = list(worker.call_many(items))
    assert [o.status for o in outcomes] == [
        "returned",
        "crashed",
        "returned",
        "timeout",
        "returned",
        "raised",
    ]
    assert [outcomes[i].value for i in (0, 2, 4)] == [1, 2, 3]


def test_abandoned_batch_leaves_the_loader_usable(worker: IsolatedLoader) -> None:
    batch = worker.call_many(msgpack.packb(i) for i in range(1000))
    assert next(batch).value == 0
    batch.close()
    assert worker.call(msgpack.packb("after")).value == "after"


def test_worker_killed_between_calls_is_not_blamed_on_the_next(worker: IsolatedLoader) -> None:
    assert worker.call(msgpack.packb(1)).value == 1
    assert worker._worker is not None
    worker._worker._proc.kill()
    worker._worker._proc.wait()
    assert worker.call(msgpack.packb(2)) == CallOutcome("returned", 2)


def test_empty_batch_starts_no_worker() -> None:
    loader = isolated()
    assert list(loader.call_many([])) == []
    assert loader._worker is None


def test_isolated_throughput(worker: IsolatedLoader) -> None:
    items = [msgpack.packb(i) for i in range(5_000)]
    worker.call(items[0])  # the worker is up
    started = time.perf_counter()
    values = [o.value for o in worker.call_many(items)]
    rate = len(items) / (time.perf_counter() - started)
    print(f"IsolatedLoader: {rate:,.0f} calls/s")
    assert values == list(range(5_000))
    assert rate > 1_000


def test_unpicklable_value_is_reported() -> None:
    with isolated(summarize_ref=f"{CASES}:unpicklable") as loader:
        outcome = loader.call(msgpack.packb(1))
    assert outcome.status == "raised"
    assert outcome.message.startswith("the loader's value could not be sent back")


def test_default_sys_path_is_the_parents(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(HERE)
    with isolated(sys_path=None) as loader:
        assert loader.call(msgpack.packb(7)).value == 7


def test_bad_refs_fail_the_first_call_naming_the_ref() -> None:
    with isolated(summarize_ref=f"{CASES}:nope") as loader, pytest.raises(AttributeError) as info:
        loader.call(b"")
    assert f"'{CASES}:nope'" in str(info.value)
    with (
        isolated(rejects_refs=["no_such_module_xyz:Error"]) as loader,
        pytest.raises(ImportError, match="no_such_module_xyz:Error"),
    ):
        loader.call(b"")


def test_close_ends_the_worker() -> None:
    loader = isolated()
    assert loader.call(msgpack.packb(1)).value == 1
    worker = loader._worker
    assert worker is not None
    loader.close()
    assert worker._proc.poll() is not None
    assert loader.call(msgpack.packb(2)).value == 2  # a closed loader starts afresh
    loader.close()
