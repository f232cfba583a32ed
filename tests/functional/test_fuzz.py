"""``--cache-compat-fuzz=N`` and ``--cache-compat-fuzz-save`` (docs/golden.md).

Real pytest sessions on the ``mypkg`` project of ``conftest.py``: a careless
msgpack loader that indexes into the decoded payload, the same loader
wrapped to turn bad input into ``CacheMiss``, and the printed reproduction
command run in a real subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from helpers import CARELESS_LOADS

from pytest_cachecompat import golden as fuzz
from pytest_cachecompat.golden import (
    Expectation,
    FuzzedArchive,
    VersionOutcome,
    fuzz_archive,
    reproduce_command,
)
from pytest_cachecompat.layout import canonical
from pytest_cachecompat.loading import InProcessLoader
from pytest_cachecompat.run import Options

if TYPE_CHECKING:
    from conftest import Project

V0 = "tests/cachecompat/simple/v0"
GOLDEN_V0 = "tests/cachecompat/simple::golden[v0]"


# The same reader, with every surprise turned into a cache miss.
WRAPPED_LOADS = (
    CARELESS_LOADS.replace("def loads(data):", "def _careless_loads(data):")
    + """

def loads(data):
    try:
        return _careless_loads(data)
    except CacheMiss:
        raise
    except Exception as exc:
        raise CacheMiss(f"bad entry: {exc!r}") from exc
"""
)


def replace_loads(project: Project, body: str) -> None:
    text = project.read("mypkg/cache.py")
    project.write("mypkg/cache.py", text[: text.index("def loads(data):")] + body)


@pytest.fixture
def frozen(recorded: Project) -> Project:
    result = recorded.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    return recorded


def reproduce_line(out: str) -> str:
    lines = out.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("reproduce (from "))
    return lines[index + 1].strip()


def run_command(project: Project, command: str) -> subprocess.CompletedProcess[str]:
    """The printed command as a user runs it: from the rootdir, in the project's environment."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(project.root)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(
        command, shell=True, cwd=project.root, env=env, capture_output=True, text=True, timeout=60
    )


def test_careless_loader_fails_and_the_printed_command_reproduces_the_crash(
    frozen: Project,
) -> None:
    replace_loads(frozen, CARELESS_LOADS)
    before = frozen.store_state()

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden", "--cache-compat-fuzz=200")

    assert result.ret == 1
    out = result.stdout.str()
    result.assert_outcomes(failed=1)
    archive = f"{V0}/archives/mypkg.models.File-0.bin"
    assert f"fuzzing golden archive {archive} (family 'simple', record mypkg.models:File)" in out
    match = re.search(r"(\d+) of 200 corrupted variants crashed the loader", out)
    assert match and int(match.group(1)) > 1
    first = re.search(r"first crash: seed (\d+) \(([\w-]+): ", out)
    assert first
    crash_line = re.search(r"  unexpected exception (builtins\.\w+): ", out)
    assert crash_line
    assert "other crashing seeds: " in out
    assert "--cache-compat-fuzz-save" in out
    # The loader's own frames, not the plugin's.
    assert 'mypkg/cache.py", line' in out
    # Counts in the summary, for both archives.
    assert re.search(r"archives v0 \(current\): 2 loaded; fuzz: .*\d+ crashed", out)
    assert frozen.store_state() == before

    command = reproduce_line(out)
    assert command.startswith("python -c ")
    assert f'mypkg.cache as m; m.loads(f.variant(open("{V0}/archives/' in command
    assert f", {first.group(1)}).data)" in command
    replay = run_command(frozen, command)
    assert replay.returncode == 1, replay.stderr
    exc_name = crash_line.group(1).removeprefix("builtins.")
    assert replay.stderr.splitlines()[-1].startswith(exc_name), replay.stderr
    assert "mypkg/cache.py" in replay.stderr


def test_every_printed_command_reproduces_a_crash_of_a_later_seed(frozen: Project) -> None:
    """Not only seed 0 (empty input): a later crashing seed replays the same exception."""
    replace_loads(frozen, CARELESS_LOADS)
    loads_ref = "mypkg.cache:loads"
    archive = frozen.root / V0 / "archives/mypkg.models.File-0.bin"
    data = archive.read_bytes()
    # Find, with the library, a seed > 1 whose variant crashes a careless read.
    sys.path.insert(0, str(frozen.root))
    try:
        import importlib

        for name in [n for n in sys.modules if n == "mypkg" or n.startswith("mypkg.")]:
            del sys.modules[name]
        cache = importlib.import_module("mypkg.cache")
        crashing = []
        for variant in fuzz.variants(data, 60):
            try:
                cache.loads(variant.data)
            except cache.CacheMiss:
                continue
            except Exception as exc:
                if variant.seed > 1:
                    crashing.append((variant.seed, type(exc).__name__))
    finally:
        sys.path.remove(str(frozen.root))
        for name in [n for n in sys.modules if n == "mypkg" or n.startswith("mypkg.")]:
            del sys.modules[name]
    assert crashing
    seed, exc_name = crashing[0]
    replay = run_command(frozen, reproduce_command(loads_ref, archive, seed, frozen.root))
    assert replay.returncode == 1
    assert replay.stderr.splitlines()[-1].startswith(exc_name), replay.stderr


def test_the_wrapped_loader_passes_and_undetected_changes_are_counted(frozen: Project) -> None:
    replace_loads(frozen, WRAPPED_LOADS)

    result = frozen.run(
        "--cache-compat",
        "-m",
        "cachecompat_golden",
        "--cache-compat-fuzz=200",
        "--cache-compat-report=report.json",
    )

    assert result.ret == 0, result.stdout.str()
    out = result.stdout.str()
    match = re.search(r"archives v0 \(current\): 2 loaded; fuzz: (.*)", out)
    assert match, out
    counts = dict(
        (kind, int(n)) for n, kind in (part.split(" ") for part in match.group(1).split(", "))
    )
    assert "crashed" not in counts
    assert counts["rejected"] > 200
    # Bit flips inside a string load as a File with another filename: no
    # loader without a checksum can see that; counted, not failed.
    assert counts.get("undetected", 0) > 0
    assert sum(counts.values()) == 400
    report = json.loads((frozen.root / "report.json").read_text())
    assert "undetected" in json.dumps(report)


def test_fuzzing_is_deterministic(frozen: Project) -> None:
    replace_loads(frozen, CARELESS_LOADS)

    first = frozen.run("--cache-compat", "-m", "cachecompat_golden", "--cache-compat-fuzz=50")
    second = frozen.run("--cache-compat", "-m", "cachecompat_golden", "--cache-compat-fuzz=50")

    def essentials(out: str) -> list[str]:
        keep = ("first crash:", "other crashing seeds:", "python -c", "  archives v0")
        return [line for line in out.splitlines() if line.strip().startswith(keep)]

    assert essentials(first.stdout.str())
    assert essentials(first.stdout.str()) == essentials(second.stdout.str())


def test_fuzz_save_keeps_crashing_inputs_as_regression_archives(frozen: Project) -> None:
    manifest_before = frozen.read(f"{V0}/MANIFEST.json")
    replace_loads(frozen, CARELESS_LOADS)

    saved = frozen.run(
        "--cache-compat",
        "-m",
        "cachecompat_golden",
        "--cache-compat-fuzz=40",
        "--cache-compat-fuzz-save",
    )

    assert saved.ret == 1
    out = saved.stdout.str()
    assert "kept " in out and "REGRESSIONS.json (expect = 'reject')" in out
    assert frozen.read(f"{V0}/MANIFEST.json") == manifest_before  # never rewritten
    regressions = json.loads(frozen.read(f"{V0}/REGRESSIONS.json"))
    assert regressions["kind"] == "pytest-cachecompat fuzz regressions"
    entries = regressions["archives"]
    assert entries
    import hashlib

    for entry in entries:
        assert re.fullmatch(r"archives/fuzz-[0-9a-f]{12}\.bin", entry["file"])
        assert entry["expect"] == "reject"
        data = (frozen.root / V0 / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["file"] == f"archives/fuzz-{entry['sha256'][:12]}.bin"
    assert len({e["sha256"] for e in entries}) == len(entries)
    files = sorted(p.name for p in (frozen.root / V0 / "archives").glob("fuzz-*.bin"))
    assert files == sorted(e["file"].removeprefix("archives/") for e in entries)

    # Saving again adds nothing: each input is kept once.
    state = frozen.store_state()
    again = frozen.run(
        "--cache-compat",
        "-m",
        "cachecompat_golden",
        "--cache-compat-fuzz=40",
        "--cache-compat-fuzz-save",
    )
    assert again.ret == 1
    assert frozen.store_state() == state

    # Every later run loads them, without fuzzing: the careless loader still fails...
    plain = frozen.run("--cache-compat", "-m", "cachecompat_golden")
    assert plain.ret == 1
    assert f"fuzz regression archive {V0}/{entries[0]['file']}" in plain.stdout.str()
    assert "warning: stale" not in plain.stdout.str()  # they are known files

    # ...and the fixed one rejects them cleanly.
    replace_loads(frozen, WRAPPED_LOADS)
    fixed = frozen.run("--cache-compat", "-m", "cachecompat_golden")
    assert fixed.ret == 0, fixed.stdout.str()
    assert f"archives v0 (current): 2 loaded, {len(entries)} rejected" in fixed.stdout.str()
    assert frozen.store_state() == state


def test_fuzz_save_writes_all_its_regressions_or_none(frozen: Project) -> None:
    """One input that cannot be kept stops the whole save of its archive, listing included."""
    replace_loads(frozen, CARELESS_LOADS)
    args = ("--cache-compat", "-m", "cachecompat_golden", "--cache-compat-fuzz=40")
    frozen.run(*args, "--cache-compat-fuzz-save")
    entries = json.loads(frozen.read(f"{V0}/REGRESSIONS.json"))["archives"]
    # Inputs of the first archive fuzzed: the one whose save the test breaks.
    first = [e["file"] for e in entries if "of archives/mypkg.models.File-0.bin" in e["note"]]
    assert len(first) > 1
    (frozen.root / V0 / "REGRESSIONS.json").unlink()
    for entry in entries:
        (frozen.root / V0 / entry["file"]).unlink()
    taken = frozen.root / V0 / first[-1]
    taken.write_bytes(b"other bytes")  # the slot of one crashing input is taken
    before = frozen.store_state(dotfiles=True)

    result = frozen.run(*args, "--cache-compat-fuzz-save")

    assert result.ret == 1
    assert f"{V0}/{first[-1]} exists with other bytes; cannot keep a regression there" in (
        result.stdout.str()
    )
    assert frozen.store_state(dotfiles=True) == before  # no other input, no REGRESSIONS.json
    assert not [p for p in frozen.store.rglob(".*")]


def test_an_edited_regression_file_fails_naming_it(frozen: Project) -> None:
    replace_loads(frozen, CARELESS_LOADS)
    frozen.run(
        "--cache-compat",
        "-m",
        "cachecompat_golden",
        "--cache-compat-fuzz=10",
        "--cache-compat-fuzz-save",
    )
    path = frozen.root / V0 / "REGRESSIONS.json"
    path.write_text("{ not json")
    before = frozen.store_state()

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    assert f"{V0}/REGRESSIONS.json: not valid JSON" in result.stdout.str()
    assert frozen.store_state() == before


def test_fuzz_of_an_older_version_accepts_rejection_of_every_variant(frozen: Project) -> None:
    """After a bump the v0 archives are rejected by the header; so are all their variants."""
    frozen.edit(
        "mypkg/models.py",
        "class Hashes:\n    sha256",
        "class Hashes:\n    md5: str | None\n    sha256",
    )
    frozen.set_version(1)
    record = frozen.run("--cache-compat", "--snapshot-update", "-m", "cachecompat_layout")
    assert record.ret == 0, record.stdout.str()

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden", "--cache-compat-fuzz=100")

    assert result.ret == 0, result.stdout.str()
    assert "archives v0 (older): 2 rejected; fuzz: 200 rejected" in result.stdout.str()


@pytest.mark.parametrize(
    "args",
    [("--cache-compat-fuzz-save",), ("--cache-compat", "--cache-compat-fuzz-save")],
    ids=["alone", "with-cache-compat"],
)
def test_fuzz_save_without_fuzz_is_a_usage_error(frozen: Project, args: tuple[str, ...]) -> None:
    replace_loads(frozen, CARELESS_LOADS)
    before = frozen.store_state()

    result = frozen.run(*args)

    text = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, text
    assert (
        "cachecompat: --cache-compat-fuzz-save keeps crashing fuzz inputs, so it needs "
        "--cache-compat-fuzz=N" in result.stderr.str()
    )
    assert "Traceback" not in text
    assert frozen.store_state() == before
    assert not (frozen.root / V0 / "REGRESSIONS.json").exists()


# --- speed ---------------------------------------------------------------------------------------


class CacheMiss(Exception):
    pass


def careful_loads(data: bytes) -> object:
    import msgpack

    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    try:
        version = next(unpacker)
        payload = next(unpacker)
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
    if version != 0 or not isinstance(payload, list) or len(payload) != 3:
        raise CacheMiss("bad entry")
    return {"name": payload[0], "size": payload[1], "tags": payload[2]}


def test_fuzz_archive_judges_every_variant_of_every_archive() -> None:
    # Its speed is measured by benchmarks/ (docs/performance.md), not asserted here.
    import msgpack

    values = [
        {"name": "a" * n, "size": n * 1000, "tags": [f"t{i}" for i in range(n)]} for n in range(4)
    ]
    archives = [msgpack.packb(0) + msgpack.packb(list(v.values())) for v in values]
    options = Options(rootpath=Path.cwd(), invocation_dir=Path.cwd())
    family: Any = SimpleNamespace(name="speed", loads_ref=f"{__name__}:careful_loads")
    outcome = VersionOutcome()
    loader = InProcessLoader(careful_loads, rejects=(CacheMiss,), summarize=canonical, timeout=10)
    for data, value in zip(archives, values, strict=True):
        expectation = Expectation(canonical(value), exact=True, pinned=None, miss=None, timeout=10)
        entry: Any = SimpleNamespace(file="a.bin", record="r")
        archive = FuzzedArchive(Path("v0"), entry, data)
        fuzzed = fuzz_archive(loader, family, archive, expectation, 200, options)
        outcome.add_fuzz(fuzzed)
    loader.close()

    assert not outcome.failures, outcome.failures
    assert sum(outcome.fuzz.values()) == 800
