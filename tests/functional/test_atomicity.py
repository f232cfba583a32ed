"""Atomic writes and the store lock, with real processes (docs/errors.md, docs/reference.md).

A run is SIGKILLed in the middle of ``--cache-compat-freeze`` or
``--snapshot-update``: every earlier file keeps its bytes, no half-written
file appears under a real name, and the next runs pass and complete the job.
Two writing runs at once queue on the family lock and leave one consistent
store, also where ``fcntl`` does not exist. The project's ``dumps`` sleeps
(``SLOW_DUMPS`` seconds per call) and touches a marker file, so the test
knows the run is busy inside it; a ``conftest.py`` can also kill the run at
a chosen step of the final commit (``KILL_AT``).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

pytestmark = pytest.mark.slow

V0 = "tests/cachecompat/simple/v0"
V1 = "tests/cachecompat/simple/v1"
SAMPLES = 30

TESTING = """\
from mypkg.models import File, Hashes, Yanked


def samples():
    return [
        File(f"file-{i}.whl", Hashes(f"{i:064x}"), ">=3.8" if i % 2 else None, Yanked(i % 2))
        for i in range(30)
    ]
"""

SLOW = """\
def dumps(file):
    import os, pathlib, time

    delay = float(os.environ.get("SLOW_DUMPS", "0"))
    if delay:
        pathlib.Path(os.environ["DUMPS_MARKER"]).touch()
        time.sleep(delay)
"""


@pytest.fixture
def slow(project: Project) -> Project:
    """v0 recorded with 30 extra samples; dumps sleeps when SLOW_DUMPS is set."""
    recorded = project
    recorded.write("mypkg/testing.py", TESTING)
    recorded.configure('samples = "mypkg.testing:samples"')
    recorded.edit("mypkg/cache.py", "def dumps(file):\n", SLOW)
    result = recorded.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    result = recorded.run("--cache-compat")
    assert result.ret == 0, result.stdout.str()
    return recorded


# pytest in a process where ``import fcntl`` fails, as on a platform without it;
# it prints which lock filelock had to use.
WITHOUT_FCNTL = """\
import sys
sys.modules["fcntl"] = None
import pytest
code = pytest.main(sys.argv[1:])
import filelock
print("filelock lock:", filelock.FileLock.__name__)
sys.exit(code)
"""


def start(
    project: Project,
    *args: str,
    delay: float = 0.05,
    tag: str = "run",
    fcntl: bool = True,
    kill_at: str = "",
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        SLOW_DUMPS=str(delay),
        DUMPS_MARKER=str(project.root / f"{tag}.dumping"),
        PYTHONDONTWRITEBYTECODE="1",
        KILL_AT=kill_at,
    )
    env.pop("PYTEST_ADDOPTS", None)
    log = open(project.root / f"{tag}.log", "wb")  # noqa: SIM115 - closed with the process
    runner = ["-m", "pytest"] if fcntl else ["-c", WITHOUT_FCNTL]
    return subprocess.Popen(
        [sys.executable, *runner, "-p", "no:cacheprovider", *args],
        cwd=project.root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def kill_while_dumping(project: Project, proc: subprocess.Popen[bytes], tag: str = "run") -> None:
    marker = project.root / f"{tag}.dumping"
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, (project.root / f"{tag}.log").read_text()
        assert time.monotonic() < deadline, "the run never reached dumps"
        time.sleep(0.01)
    time.sleep(0.3)  # well inside the run: 30+ samples at 50 ms per call
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def wait(project: Project, proc: subprocess.Popen[bytes], tag: str) -> str:
    proc.wait(timeout=120)
    return (project.root / f"{tag}.log").read_text()


def test_sigkill_during_freeze_leaves_the_store_as_before(slow: Project) -> None:
    before = slow.store_state(dotfiles=True)

    kill_while_dumping(slow, start(slow, "--cache-compat", "--cache-compat-freeze"))

    assert (
        slow.store_state(dotfiles=True) == before
    )  # nothing new, nothing half-written, nothing lost
    normal = slow.run("--cache-compat")
    assert normal.ret == 0, normal.stdout.str()
    assert "warning: stale" not in normal.stdout.str()
    assert slow.store_state(dotfiles=True) == before

    again = slow.run("--cache-compat", "--cache-compat-freeze")
    assert again.ret == 0, again.stdout.str()
    assert f"froze {SAMPLES + 2} archives" in again.stdout.str()
    manifest = json.loads(slow.read(f"{V0}/MANIFEST.json"))
    for entry in manifest["archives"]:
        data = (slow.root / V0 / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert {k: v for k, v in slow.store_state(dotfiles=True).items() if k in before} == before


def test_sigkill_during_snapshot_update_leaves_no_half_written_file(slow: Project) -> None:
    slow.edit(
        "mypkg/models.py",
        "class Hashes:\n    sha256",
        "class Hashes:\n    md5: str | None\n    sha256",
    )
    slow.edit("mypkg/testing.py", 'Hashes(f"{i:064x}")', 'Hashes(None, f"{i:064x}")')
    slow.set_version(1)
    before = slow.store_state(dotfiles=True)

    kill_while_dumping(slow, start(slow, "--cache-compat", "--snapshot-update"))

    killed = slow.store_state(dotfiles=True)
    assert {k: killed.get(k) for k in before} == before  # every earlier file intact
    completed = slow.run("--cache-compat", "--snapshot-update")
    assert completed.ret == 0, completed.stdout.str()
    done = slow.store_state(dotfiles=True)
    # Whatever the killed run left is exactly what a complete run writes: no partial file.
    for path, digest in killed.items():
        assert done.get(path) == digest, path
    assert not [p for p in done if p.endswith(".tmp")]
    normal = slow.run("--cache-compat")
    assert normal.ret == 0, normal.stdout.str()
    assert slow.store_state(dotfiles=True) == done


def test_two_freezes_at_once_leave_one_consistent_freeze(slow: Project) -> None:
    before = slow.store_state(dotfiles=True)

    first = start(slow, "--cache-compat", "--cache-compat-freeze", delay=0.02, tag="first")
    second = start(slow, "--cache-compat", "--cache-compat-freeze", delay=0.02, tag="second")
    outputs = [wait(slow, first, "first"), wait(slow, second, "second")]

    assert first.returncode == 0, outputs[0]
    assert second.returncode == 0, outputs[1]
    froze = [out for out in outputs if f"simple v0: froze {SAMPLES + 2} archives" in out]
    already = [out for out in outputs if "simple v0: already frozen" in out]
    assert len(froze) == 1 and len(already) == 1, outputs
    after = slow.store_state(dotfiles=True)
    assert {k: after[k] for k in before} == before
    manifest = json.loads(slow.read(f"{V0}/MANIFEST.json"))
    listed = {entry["file"] for entry in manifest["archives"]}
    assert len(listed) == SAMPLES + 2
    for entry in manifest["archives"]:
        data = (slow.root / V0 / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    new = {path for path in after if path not in before}
    assert new == {f"simple/v0/{file}" for file in listed} | {"simple/v0/MANIFEST.json"}
    normal = slow.run("--cache-compat")
    assert normal.ret == 0, normal.stdout.str()


def test_two_recordings_of_a_new_version_at_once_agree(slow: Project) -> None:
    slow.set_version(1)

    first = start(slow, "--cache-compat", "--snapshot-update", delay=0.01, tag="first")
    second = start(slow, "--cache-compat", "--snapshot-update", delay=0.01, tag="second")
    outputs = [wait(slow, first, "first"), wait(slow, second, "second")]

    assert first.returncode == 0, outputs[0]
    assert second.returncode == 0, outputs[1]
    recorded = slow.store_state(dotfiles=True)
    assert not [p for p in recorded if p.endswith(".tmp")]
    assert "simple/v1/CHANGES.md" in recorded
    normal = slow.run("--cache-compat")
    assert normal.ret == 0, normal.stdout.str()
    assert slow.store_state(dotfiles=True) == recorded
    assert Path(slow.root / V1).is_dir()


# --- all or nothing, leftovers, and no fcntl ----------------------------------------------------

# Kills the run at one step of the final commit (store/_commit.py): "stage" when
# a finished stage is about to be renamed into place as a new version folder,
# "manifest" when a freeze moves its MANIFEST.json into a recorded version,
# "regressions" when --cache-compat-fuzz-save moves its REGRESSIONS.json in.
KILLER = """\
import os
import signal

_rename, _replace = os.rename, os.replace
_when = os.environ.get("KILL_AT", "")


def _kill_if(src, dst):
    src, dst = os.fspath(src), os.fspath(dst)
    if ".stage" not in src:
        return
    if (_when == "stage" and src.endswith(".stage")) or (
        _when == "manifest" and dst.endswith("MANIFEST.json")
    ) or (_when == "regressions" and dst.endswith("REGRESSIONS.json")):
        os.kill(os.getpid(), signal.SIGKILL)


def rename(src, dst, *args, **kwargs):
    _kill_if(src, dst)
    return _rename(src, dst, *args, **kwargs)


def replace(src, dst, *args, **kwargs):
    _kill_if(src, dst)
    return _replace(src, dst, *args, **kwargs)


os.rename, os.replace = rename, replace
"""

V1_FILES = {
    "simple/v1/CHANGES.md",
    "simple/v1/mypkg.models.File.layout.json",
    "simple/v1/mypkg.models.File.samples.json",
    "simple/v1/mypkg.models.Hashes.layout.json",
    "simple/v1/mypkg.models.Yanked.layout.json",
}


def hidden(project: Project) -> list[str]:
    return sorted(p.relative_to(project.store).as_posix() for p in project.store.rglob(".*"))


def visible(project: Project) -> dict[str, str]:
    """The store as every check sees it: no hidden file, nothing inside a hidden folder."""
    state = project.store_state()
    return {path: digest for path, digest in state.items() if "/." not in f"/{path}"}


def killed(project: Project, proc: subprocess.Popen[bytes], tag: str = "run") -> None:
    assert proc.wait(timeout=120) == -signal.SIGKILL, (project.root / f"{tag}.log").read_text()


def test_sigkill_during_a_recording_leaves_no_version_folder(slow: Project) -> None:
    slow.set_version(1)
    before = slow.store_state(dotfiles=True)

    kill_while_dumping(slow, start(slow, "--cache-compat", "--snapshot-update"))

    assert slow.store_state(dotfiles=True) == before
    assert not (slow.root / V1).exists()
    assert hidden(slow) == []
    completed = slow.run("--cache-compat", "--snapshot-update")
    assert completed.ret == 0, completed.stdout.str()
    assert {p for p in slow.store_state() if p.startswith("simple/v1/")} == V1_FILES


def test_sigkill_while_a_version_folder_is_put_in_place(slow: Project) -> None:
    """Killed at the last step: the stage is complete but hidden; the next recording replaces it."""
    slow.write("conftest.py", KILLER)
    slow.set_version(1)
    before = slow.store_state()

    killed(slow, start(slow, "--cache-compat", "--snapshot-update", delay=0, kill_at="stage"))
    (slow.root / "conftest.py").unlink()  # in-process runs must not load the killer

    assert not (slow.root / V1).exists()  # no version folder, not even a part of one
    assert visible(slow) == before
    left = hidden(slow)
    assert left and all(p.startswith("simple/.v1.") for p in left), left
    check = slow.run("--cache-compat")
    assert check.ret == 1  # v1 is simply not recorded...
    assert "no layout of mypkg.models:File is recorded for v1" in check.stdout.str()
    assert "stale" not in check.stdout.str()  # ...and the leftover is no store content

    completed = slow.run("--cache-compat", "--snapshot-update")
    assert completed.ret == 0, completed.stdout.str()
    assert "an interrupted write; nothing of it was visible" in completed.stdout.str()
    assert hidden(slow) == []
    assert {p for p in slow.store_state() if p.startswith("simple/v1/")} == V1_FILES
    assert slow.run("--cache-compat").ret == 0


def test_sigkill_between_the_archives_and_the_manifest_is_finished_by_the_next_freeze(
    slow: Project,
) -> None:
    slow.write("conftest.py", KILLER)

    freeze = start(slow, "--cache-compat", "--cache-compat-freeze", delay=0, kill_at="manifest")
    killed(slow, freeze)
    (slow.root / "conftest.py").unlink()  # in-process runs must not load the killer

    assert not (slow.root / V0 / "MANIFEST.json").exists()  # not frozen yet
    assert [p for p in hidden(slow) if p.endswith("/.commit")]  # the commit was decided
    check = slow.run("--cache-compat")
    assert check.ret == 0, check.stdout.str()  # v0 is simply not frozen yet...
    assert "stale" not in check.stdout.str()  # ...and its moved archives are no store content

    again = slow.run("--cache-compat", "--cache-compat-freeze")
    assert again.ret == 0, again.stdout.str()
    out = again.stdout.str()
    assert "finished the interrupted write" in out
    assert "simple v0: already frozen" in out  # the first freeze's archives, not new ones
    assert hidden(slow) == []
    manifest = json.loads(slow.read(f"{V0}/MANIFEST.json"))
    assert len(manifest["archives"]) == SAMPLES + 2
    for entry in manifest["archives"]:
        data = (slow.root / V0 / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert slow.run("--cache-compat").ret == 0


def test_sigkill_between_fuzz_regressions_and_their_listing_is_finished_by_the_next_save(
    slow: Project,
) -> None:
    """docs/reference.md: fuzz-save writes the crashing inputs and REGRESSIONS.json at once."""
    from helpers import CARELESS_LOADS
    from test_fuzz import WRAPPED_LOADS, replace_loads

    assert slow.run("--cache-compat", "--cache-compat-freeze").ret == 0
    replace_loads(slow, CARELESS_LOADS)  # crashes on many fuzzed inputs
    slow.write("conftest.py", KILLER)
    fuzz = ("--cache-compat", "-m", "cachecompat_golden", "--cache-compat-fuzz=20")
    frozen = visible(slow)

    killed(slow, start(slow, *fuzz, "--cache-compat-fuzz-save", delay=0, kill_at="regressions"))
    (slow.root / "conftest.py").unlink()  # in-process runs must not load the killer

    assert not (slow.root / V0 / "REGRESSIONS.json").exists()  # nothing kept yet
    assert [p for p in hidden(slow) if p.endswith("/.commit")]  # the commit was decided
    check = slow.run("--cache-compat")
    assert check.ret == 0, check.stdout.str()  # the frozen archives load; no regression listed
    assert "stale" not in check.stdout.str()  # and no half-kept input is store content

    again = slow.run(*fuzz, "--cache-compat-fuzz-save")
    assert again.ret == 1  # the careless loader still crashes
    assert "finished the interrupted write" in again.stdout.str()
    assert hidden(slow) == []
    entries = json.loads(slow.read(f"{V0}/REGRESSIONS.json"))["archives"]
    assert entries
    listed = {f"simple/v0/{entry['file']}" for entry in entries}
    after = visible(slow)
    assert {path for path in after if path not in frozen} == listed | {"simple/v0/REGRESSIONS.json"}
    for entry in entries:
        data = (slow.root / V0 / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert {path: after[path] for path in frozen} == frozen  # the frozen version untouched
    replace_loads(slow, WRAPPED_LOADS)
    fixed = slow.run("--cache-compat")
    assert fixed.ret == 0, fixed.stdout.str()
    assert f"{len(entries)} rejected" in fixed.stdout.str()


def test_without_fcntl_runs_lock_and_write(project: Project) -> None:
    record = start(project, "--cache-compat", "--snapshot-update", delay=0, fcntl=False)
    out = wait(project, record, "run")
    assert record.returncode == 0, out
    assert "INTERNALERROR" not in out
    assert "filelock lock: SoftFileLock" in out  # fcntl really was missing
    assert "only soft file lock is available" not in out
    assert "simple v0: recorded" in out

    freeze = start(project, "--cache-compat", "--cache-compat-freeze", delay=0, fcntl=False)
    out = wait(project, freeze, "run")
    assert freeze.returncode == 0, out
    assert "simple v0: froze 2 archives" in out
    assert project.run("--cache-compat").ret == 0


def test_without_fcntl_two_freezes_at_once_leave_one_consistent_freeze(slow: Project) -> None:
    runs = [
        start(slow, "--cache-compat", "--cache-compat-freeze", delay=0.02, tag=tag, fcntl=False)
        for tag in ("first", "second")
    ]
    outputs = [wait(slow, proc, tag) for proc, tag in zip(runs, ("first", "second"), strict=True)]

    assert [proc.returncode for proc in runs] == [0, 0], outputs
    assert all("filelock lock: SoftFileLock" in out for out in outputs)
    froze = [out for out in outputs if f"simple v0: froze {SAMPLES + 2} archives" in out]
    already = [out for out in outputs if "simple v0: already frozen" in out]
    assert len(froze) == 1 and len(already) == 1, outputs
    manifest = json.loads(slow.read(f"{V0}/MANIFEST.json"))
    assert len(manifest["archives"]) == SAMPLES + 2
    for entry in manifest["archives"]:
        data = (slow.root / V0 / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert hidden(slow) == []
    assert slow.run("--cache-compat").ret == 0


def test_without_fcntl_two_recordings_at_once_agree(slow: Project) -> None:
    slow.set_version(1)
    runs = [
        start(slow, "--cache-compat", "--snapshot-update", delay=0.01, tag=tag, fcntl=False)
        for tag in ("first", "second")
    ]
    outputs = [wait(slow, proc, tag) for proc, tag in zip(runs, ("first", "second"), strict=True)]

    assert [proc.returncode for proc in runs] == [0, 0], outputs
    assert {p for p in slow.store_state() if p.startswith("simple/v1/")} == V1_FILES
    assert hidden(slow) == []
    assert slow.run("--cache-compat").ret == 0
