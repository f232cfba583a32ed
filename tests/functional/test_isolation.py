"""``isolate = true`` (docs/golden.md): a dying loader fails its item, not the run.

The project's correct ``loads`` is kept as ``_good_loads``; each test wraps it
with a loader that misbehaves on one archive (the one without
``requires_python``) and runs a real pytest session.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

V0 = "tests/cachecompat/simple/v0"
ARCHIVE_0 = "archives/mypkg.models.File-0.bin"  # has requires_python
ARCHIVE_1 = "archives/mypkg.models.File-1.bin"  # requires_python is None
GOLDEN_V0 = "tests/cachecompat/simple::golden[v0]"


def wrap_loads(project: Project, misbehave: str) -> None:
    """Keep the right loader as _good_loads; loads misbehaves without requires_python."""
    project.edit("mypkg/cache.py", "def loads(data):", "def _good_loads(data):")
    body = "\n".join("        " + line for line in misbehave.splitlines())
    text = project.read("mypkg/cache.py") + (
        "\n\ndef loads(data):\n"
        "    value = _good_loads(data)\n"
        "    if value.requires_python is None:\n"
        f"{body}\n"
        "    return value\n"
    )
    project.write("mypkg/cache.py", text)


@pytest.fixture
def frozen(recorded: Project) -> Project:
    result = recorded.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    return recorded


def test_os_exit_in_the_loader_fails_its_item_and_the_run_completes(frozen: Project) -> None:
    wrap_loads(frozen, "import os\nos._exit(3)")
    frozen.configure("isolate = true")

    result = frozen.run("--cache-compat", "-v")

    assert result.ret == 1
    out = result.stdout.str()
    assert f"{GOLDEN_V0} FAILED" in out
    # Everything else ran and is reported: the layouts and the project's own test.
    result.assert_outcomes(passed=4, failed=1)
    assert "tests/test_plain.py::test_plain PASSED" in out
    assert f"golden archive {V0}/{ARCHIVE_1}" in out
    assert "the loader's process died: worker exited with code 3" in out
    assert str(frozen.root / V0 / ARCHIVE_0) not in out  # the other archive loaded
    assert "archives v0 (current): 1 failed, 1 loaded" in out


def test_without_isolation_the_same_loader_kills_the_whole_run(frozen: Project) -> None:
    """The contrast that makes isolate = true worth having (a real subprocess: it really dies)."""
    wrap_loads(frozen, "import os\nos._exit(3)")

    result = frozen.run_subprocess("--cache-compat")

    assert result.ret == 3
    assert "cache compatibility" not in result.stdout.str()  # no summary: the run is gone


def test_a_segfault_fails_the_item_with_the_loaders_stack(frozen: Project) -> None:
    wrap_loads(frozen, "import ctypes\nctypes.string_at(0)")
    frozen.configure("isolate = true")

    result = frozen.run("--cache-compat")

    assert result.ret == 1
    result.assert_outcomes(passed=4, failed=1)
    out = result.stdout.str()
    assert "the loader's process died: killed by signal SIGSEGV" in out
    assert "mypkg/cache.py" in out  # faulthandler's stack of the loader
    assert "archives v0 (current): 1 failed, 1 loaded" in out


def test_a_hang_is_a_time_out_and_the_worker_is_replaced(frozen: Project) -> None:
    wrap_loads(frozen, "import time\nwhile True:\n    time.sleep(0.01)")
    frozen.configure("isolate = true\ntimeout = 1")

    result = frozen.run("--cache-compat")

    assert result.ret == 1
    result.assert_outcomes(passed=4, failed=1)
    out = result.stdout.str()
    assert "time-out: loads did not return within 1 s" in out
    assert "archives v0 (current): 1 failed, 1 loaded" in out


def test_runaway_memory_fails_the_item(frozen: Project) -> None:
    wrap_loads(frozen, "hoard = bytearray(8 << 30)")
    frozen.configure("isolate = true")

    result = frozen.run("--cache-compat")

    assert result.ret == 1
    result.assert_outcomes(passed=4, failed=1)
    out = result.stdout.str()
    assert "worker ran out of memory" in out
    assert "archives v0 (current): 1 failed, 1 loaded" in out


def test_fuzzing_runs_in_the_worker_and_a_dying_loader_fails_only_its_item(
    frozen: Project,
) -> None:
    # Dies on every variant shorter than a real entry (empty input, truncations).
    frozen.edit("mypkg/cache.py", "def loads(data):", "def _good_loads(data):")
    frozen.write(
        "mypkg/cache.py",
        frozen.read("mypkg/cache.py")
        + "\n\ndef loads(data):\n    import os\n    if len(data) < 20:\n        os._exit(7)\n"
        "    return _good_loads(data)\n",
    )
    frozen.configure("isolate = true")

    result = frozen.run("--cache-compat", "--cache-compat-fuzz=30")

    assert result.ret == 1
    result.assert_outcomes(passed=4, failed=1)
    out = result.stdout.str()
    assert "first crash: seed 0 (empty: empty input)" in out
    assert "the loader's process died: worker exited with code 7" in out
    assert "stopped after" in out  # three lost workers per archive are enough
    assert re.search(r"fuzz: .*\d+ crashed", out)
    command = next(line.strip() for line in out.splitlines() if "python -c" in line)
    assert ".read(), 0).data)" in command


def test_archives_are_loaded_only_by_a_run_that_asks_for_them(frozen: Project) -> None:
    """Loading an archive (a pickle one would run code) happens only in the checks the user ran."""
    marker = frozen.root / "loaded.txt"
    frozen.edit("mypkg/cache.py", "def loads(data):", "def _good_loads(data):")
    frozen.write(
        "mypkg/cache.py",
        frozen.read("mypkg/cache.py") + "\n\ndef loads(data):\n    import os\n"
        f"    with open({str(marker)!r}, 'a') as f:\n        f.write(f'{{os.getpid()}}\\n')\n"
        "    return _good_loads(data)\n",
    )
    frozen.configure("isolate = true")

    for args in (
        (),
        ("--co",),
        ("--cache-compat", "--co"),
        ("--cache-compat", "-m", "cachecompat_layout"),
        ("--cache-compat", "--snapshot-update", "-m", "cachecompat_layout"),
        ("--cache-compat", "-k", "plain"),
        ("--cache-compat", "--cache-compat-freeze", "-m", "not cachecompat_golden"),
        ("--snapshot-update",),
    ):
        result = frozen.run(*args)
        assert result.ret in (0, 5), (args, result.stdout.str())
        assert not marker.exists(), args

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 0, result.stdout.str()
    pids = {int(line) for line in marker.read_text().split()}
    assert len(marker.read_text().split()) == 2  # both archives, once each
    assert os.getpid() not in pids  # in the worker process, not in pytest's
