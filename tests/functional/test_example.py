"""The bundled example project, ``examples/pkgindex``, and its real history.

Its store holds v0, v1 and v2 of the ``simple`` family, each recorded and
frozen by that release's own code (``fixtures/pkgindex-v0``, ``-v1``, and the
example itself). These tests run real pytest processes on a copy of it, with
one release's code on ``PYTHONPATH`` at a time, the way ``tox -e example``
and ``tox -e example-downgrade`` do with installed releases.

The last test is docs/golden.md's "adopts late": a project without a cache version
constant, whose family is guarded by its release version; its releases are
wheels built in a temporary folder and installed one after the other into one
virtual environment, each freezing its archives into the same store.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from helpers import make_venv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pkgindex"
FIXTURES = ROOT / "fixtures"
STORE = Path("tests", "cachecompat")
IGNORED = shutil.ignore_patterns(
    "__pycache__", ".pytest_cache", "*.egg-info", "build", ".cachecompat.lock"
)


def _env(pythonpath: Path | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "GITHUB_", "COV_CORE_"))
        and key not in ("PYTHONPATH", "PYTHONSAFEPATH")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def run_pytest(
    cwd: Path, *args: str, code: Path | None = None, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    """Run pytest in ``cwd`` in a new process, importing the project only from ``code``.

    ``-P`` keeps ``cwd`` off ``sys.path``: in the example folder it holds the
    current release's sources, which must not shadow an older release's.
    """
    return subprocess.run(
        [python, "-P", "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=_env(code),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def summary_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines of the ``cache compatibility`` section of the terminal summary."""
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "cache compatibility" in line)
    section = []
    for line in lines[start + 1 :]:
        if line.startswith(("===", "---")):
            break
        section.append(line.strip())
    return section


def store_state(store: Path) -> dict[str, str]:
    """sha256 of every file of a store, by relative path (lock files left out)."""
    return {
        path.relative_to(store).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(store.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the example project (the current release, 0.3.0, cache v2)."""
    copy = tmp_path / "pkgindex"
    shutil.copytree(EXAMPLE, copy, ignore=IGNORED)
    return copy


def release(tmp_path: Path, version: str) -> Path:
    """A copy of an old release's code, to put on PYTHONPATH."""
    copy = tmp_path / f"pkgindex-{version}"
    shutil.copytree(FIXTURES / f"pkgindex-{version}", copy, ignore=IGNORED)
    return copy


def test_the_committed_history() -> None:
    store = EXAMPLE / STORE / "simple"
    assert sorted(p.name for p in store.iterdir() if p.is_dir()) == ["v0", "v1", "v2"]
    written_by = {}
    for version in ("v0", "v1", "v2"):
        manifest = json.loads((store / version / "MANIFEST.json").read_text(encoding="utf-8"))
        written_by[version] = manifest["written_by"]
    assert written_by == {
        "v0": {"distribution": "pkgindex", "version": "0.1.0"},
        "v1": {"distribution": "pkgindex", "version": "0.2.0"},
        "v2": {"distribution": "pkgindex", "version": "0.3.0"},
    }
    changes = (store / "v1" / "CHANGES.md").read_text(encoding="utf-8")
    assert "field md5" in changes
    assert "added at position 0" in changes


@pytest.mark.slow
def test_current_release_checks_the_whole_history(example: Path) -> None:
    result = run_pytest(example, "--cache-compat", code=example)
    assert result.returncode == 0, output(result)
    summary = summary_lines(result)
    assert "simple: pkgindex.cache:CACHE_VERSION = 2; recorded: v0, v1, v2; passed" in summary
    assert "layouts: 4 passed" in summary
    assert "archives v0 (older): 2 rejected" in summary
    assert "archives v1 (older): 2 rejected" in summary
    assert "archives v2 (current): 2 loaded" in summary
    assert "21 passed" in result.stdout  # the ordinary tests ran too


@pytest.mark.slow
@pytest.mark.parametrize(
    ("version", "current", "newer"),
    [("v0", "v0", ["v1", "v2"]), ("v1", "v1", ["v2"])],
)
def test_downgrade_older_release_rejects_newer_archives(
    example: Path, tmp_path: Path, version: str, current: str, newer: list[str]
) -> None:
    code = release(tmp_path, version)
    result = run_pytest(example, "--cache-compat", "-m", "cachecompat_golden", code=code)
    assert result.returncode == 0, output(result)
    summary = summary_lines(result)
    assert f"archives {current} (current): 2 loaded" in summary
    for archive_version in newer:
        assert f"archives {archive_version} (newer): 2 rejected" in summary
    assert "3 passed" in result.stdout


@pytest.mark.slow
def test_older_release_fails_the_layout_gate_against_newer_store(
    example: Path, tmp_path: Path
) -> None:
    # Without -m cachecompat_golden, the old code is rightly told that its
    # cache version is lower than a recorded one: the downgrade run is only
    # the golden half.
    result = run_pytest(
        example, "--cache-compat", "-m", "cachecompat", code=release(tmp_path, "v1")
    )
    assert result.returncode == 1, output(result)
    assert "CACHE_VERSION is 1, lower than v2" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("version", "later"), [("v0", ["v1", "v2"]), ("v1", ["v2"])])
def test_old_release_code_is_what_recorded_its_version(
    example: Path, tmp_path: Path, version: str, later: list[str]
) -> None:
    # The store as it was right after that release: its code must still pass
    # every check, so fixtures/pkgindex-vN is the code that wrote vN.
    for folder in later:
        shutil.rmtree(example / STORE / "simple" / folder)
    before = store_state(example / STORE)
    result = run_pytest(example, "--cache-compat", code=release(tmp_path, version))
    assert result.returncode == 0, output(result)
    summary = summary_lines(result)
    assert "layouts: 4 passed" in summary
    assert f"archives {version} (current): 2 loaded" in summary
    assert store_state(example / STORE) == before


@pytest.mark.slow
def test_the_committed_store_is_what_the_code_records(example: Path) -> None:
    store = example / STORE
    before = store_state(store)
    for args in (["--cache-compat"], ["--cache-compat", "--snapshot-update"]):
        result = run_pytest(example, *args, code=example)
        assert result.returncode == 0, output(result)
        assert store_state(store) == before, f"{args} changed the store"

    # Recording and freezing v2 afresh gives the committed files again; only
    # the manifest's ``written_by`` differs (the code is not installed here).
    committed = store / "simple" / "v2"
    shutil.rmtree(committed)
    for args in (["--snapshot-update"], ["--cache-compat-freeze"]):
        result = run_pytest(example, "--cache-compat", *args, code=example)
        assert result.returncode == 0, output(result)
    after = store_state(store)
    manifest = "simple/v2/MANIFEST.json"
    assert {k: v for k, v in after.items() if k != manifest} == {
        k: v for k, v in before.items() if k != manifest
    }
    fresh = json.loads((committed / "MANIFEST.json").read_text(encoding="utf-8"))
    original = json.loads((EXAMPLE / STORE / manifest).read_text(encoding="utf-8"))
    assert {**fresh, "written_by": None} == {**original, "written_by": None}


# --- docs/golden.md: a project that adopts late, with no cache version constant ----------

TINY_CODE = '''\
"""A cache with no version constant: its release version guards it."""

import dataclasses
import json

__version__ = "{version}"


class CacheMiss(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class Entry:
    key: str
    size: int
{extra_field}

def dumps(entry):
    return json.dumps(dataclasses.asdict(entry), sort_keys=True).encode()


def loads(data):
    try:
        return Entry(**json.loads(data))
    except (ValueError, TypeError) as exc:
        raise CacheMiss(str(exc)) from exc
'''

# The project's checkout: its tests and its store; the code under test is
# whichever release is installed.
TINY_PROJECT = """\
[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.cachecompat.families.entries]
version = "tinypkg:__version__"
records = ["tinypkg:Entry"]
dumps = "tinypkg:dumps"
loads = "tinypkg:loads"
rejects = ["tinypkg:CacheMiss"]
"""

RELEASES = {
    "0.9.8": "",
    # "0.10.0" sorts before "0.9.8" as text, after it as PEP 440.
    "0.10.0": "",
    "1.0.0": "    etag: str | None = None\n",
}


def pip_install(python: Path, wheel: Path) -> None:
    command = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet"]
    command += ["--disable-pip-version-check", "--force-reinstall", str(wheel)]
    result = subprocess.run(command, capture_output=True, text=True, env=_env(), check=False)
    assert result.returncode == 0, f"pip install {wheel} failed:\n{result.stdout}\n{result.stderr}"


def build_release(folder: Path, version: str) -> Path:
    """The wheel of one tinypkg release, built by hand: offline, and no build backend needed."""
    dist_info = f"tinypkg-{version}.dist-info"
    files = {
        "tinypkg/__init__.py": TINY_CODE.format(version=version, extra_field=RELEASES[version]),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: tinypkg\nVersion: {version}\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test_example\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
    }
    record = []
    for name, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{name},sha256={encoded},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"tinypkg-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


@pytest.mark.slow
def test_adopts_late_release_versions_guard_the_cache(tmp_path: Path) -> None:
    if importlib.util.find_spec("pip") is None:
        pytest.skip("pip is not installed")
    wheels = {version: build_release(tmp_path / "dist", version) for version in RELEASES}
    python = make_venv(tmp_path / "venv")
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text(TINY_PROJECT)
    (project / "tests" / "test_tiny.py").write_text(
        textwrap.dedent(
            """\
            import tinypkg


            def test_round_trip():
                entry = tinypkg.Entry(key="k", size=1)
                assert tinypkg.loads(tinypkg.dumps(entry)) == entry
            """
        )
    )
    store = project / STORE / "entries"

    for version in RELEASES:
        pip_install(python, wheels[version])
        # A release records its layouts and freezes its archives in one run.
        result = run_pytest(
            project,
            "--cache-compat",
            "--snapshot-update",
            "--cache-compat-freeze",
            python=str(python),
        )
        assert result.returncode == 0, output(result)
        manifest = json.loads((store / f"v{version}" / "MANIFEST.json").read_text())
        assert manifest["written_by"] == {"distribution": "tinypkg", "version": version}

    # The newest release checks every release's archives.
    result = run_pytest(project, "--cache-compat", python=str(python))
    assert result.returncode == 0, output(result)
    summary = summary_lines(result)
    assert (
        "entries: tinypkg:__version__ = '1.0.0'; recorded: v0.9.8, v0.10.0, v1.0.0; passed"
        in summary
    )
    # Entries written before etag existed load equal on every shared field.
    assert "archives v0.9.8 (older): 1 loaded" in summary
    assert "archives v0.10.0 (older): 1 loaded" in summary
    assert "archives v1.0.0 (current): 2 loaded" in summary
    changes = (store / "v1.0.0" / "CHANGES.md").read_text()
    assert "etag" in changes
    assert "0.10.0" in changes

    # Downgrade: 0.10.0 reinstalled reads 1.0.0's entries, which carry etag: it
    # rejects them cleanly (Entry() does not take etag).
    pip_install(python, wheels["0.10.0"])
    result = run_pytest(project, "--cache-compat", "-m", "cachecompat_golden", python=str(python))
    assert result.returncode == 0, output(result)
    summary = summary_lines(result)
    assert "archives v0.9.8 (older): 1 loaded" in summary
    assert "archives v0.10.0 (current): 1 loaded" in summary
    assert "archives v1.0.0 (newer): 2 rejected" in summary
