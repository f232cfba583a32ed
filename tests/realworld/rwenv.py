"""Virtual environments with real releases from the package index, and runs of pytest in them.

Each release gets its own environment, built once and kept under a folder
keyed by its requirements (see ``cache_root``), so that a second run of the
suite starts in seconds. The environments hold the release and the plugin's
dependencies, never the plugin itself: this checkout is built into a wheel
once per source state and installed (with its metadata and entry point) into
a folder of its own that every run puts on ``PYTHONPATH``. So a cached
environment is never modified after it is built, and every run tests exactly
the checkout it runs from.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parents[2]
CACHE_ENV = "CACHECOMPAT_REALWORLD_CACHE"


def _plugin_dependencies() -> tuple[str, ...]:
    """The checkout's declared dependencies; pytest and syrupy at the versions tested here.

    So the only thing that differs between two environments is the release,
    and a dependency the plugin gains is installed (and keys new environments).
    """
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {name: importlib.metadata.version(name) for name in ("pytest", "syrupy")}
    out = []
    for requirement in declared:
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()
        out.append(f"{name}=={pinned[name]}" if name in pinned else requirement)
    return tuple(out)


PLUGIN_DEPENDENCIES = _plugin_dependencies()

# Environment variables of the outer run that must not leak into the inner
# sessions (xdist worker ids, addopts, a step summary, another interpreter's paths).
_DROPPED_PREFIXES = ("PYTEST_", "PYTHON", "GITHUB_", "VIRTUAL_ENV", "COV_")


def cache_root() -> Path:
    """``$CACHECOMPAT_REALWORLD_CACHE``, else ``$XDG_CACHE_HOME`` (or ``~/.cache``) + our name."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pytest-cachecompat-realworld"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created), so that xdist workers build each thing once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pip(*args: str | os.PathLike[str]) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"pip failed ({done.returncode}): {' '.join(command)}\n{done.stdout}\n{done.stderr}"
        )


def _source_files() -> list[Path]:
    files = [REPO / "pyproject.toml", REPO / "README.md"]
    package = REPO / "pytest_cachecompat"
    files += sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return files


def plugin_site() -> Path:
    """A folder holding this checkout of pytest-cachecompat, installed from its wheel.

    Keyed by the sha256 of the sources, so an unchanged checkout is built once.
    The wheel is built from a copy, so the checkout gets no ``build/`` folder.
    """
    digest = hashlib.sha256()
    for path in _source_files():
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    site = cache_root() / "plugin" / digest.hexdigest()[:16]
    with _locked(site.parent / f"{site.name}.lock"):
        if (site / ".complete").exists():
            return site
        shutil.rmtree(site, ignore_errors=True)
        with tempfile.TemporaryDirectory(prefix="cachecompat-wheel-") as scratch:
            source = Path(scratch) / "src"
            for path in _source_files():
                target = source / path.relative_to(REPO)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            wheels = Path(scratch) / "wheels"
            _pip("wheel", "-q", "--no-deps", "-w", wheels, source)
            (wheel,) = wheels.glob("pytest_cachecompat-*.whl")
            _pip("install", "-q", "--no-deps", "--target", site, wheel)
        (site / ".complete").write_text("")
    return site


@dataclass(frozen=True)
class Run:
    """One finished pytest session in a release's environment, with its JSON report if any."""

    command: str
    ret: int
    output: str
    report: dict[str, Any] | None

    def __str__(self) -> str:
        return f"$ {self.command}\n(exit {self.ret})\n{self.output}"

    # Assertion messages show the repr: make it the session as it was printed.
    __repr__ = __str__

    def family(self, name: str) -> dict[str, Any]:
        assert self.report is not None, f"no report was written\n{self}"
        for family in self.report["families"]:
            if family["name"] == name:
                return cast("dict[str, Any]", family)
        raise AssertionError(f"family {name!r} is not in the report\n{self}")

    def archives(self, family: str, version: str) -> dict[str, str]:
        """``{archive file: outcome}`` of one golden version, from the JSON report."""
        for golden in self.family(family)["golden"]:
            if golden["version"] == version:
                return {a["file"]: a["outcome"] for a in golden["archives"]}
        raise AssertionError(f"{family} has no golden archives v{version} in the report\n{self}")


@dataclass(frozen=True)
class Release:
    """An environment with one release of a third-party project (and what it needs pinned)."""

    name: str  # e.g. "cachecontrol-0.12.14": the folder name, for people
    requirements: tuple[str, ...]

    @property
    def key(self) -> str:
        spec = "\n".join((sys.version, *self.requirements, *PLUGIN_DEPENDENCIES))
        return f"{self.name}-{hashlib.sha256(spec.encode()).hexdigest()[:10]}"

    def build(self) -> Path:
        """The environment's folder, created and installed on first use."""
        venv = cache_root() / "venvs" / self.key
        with _locked(venv.parent / f"{venv.name}.lock"):
            if (venv / ".complete").exists():
                return venv
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run(
                [sys.executable, "-m", "venv", "--without-pip", str(venv)],
                check=True,
                capture_output=True,
            )
            python = venv / "bin" / "python"
            _pip("--python", python, "install", "-q", *self.requirements, *PLUGIN_DEPENDENCIES)
            (venv / ".complete").write_text("\n".join(self.requirements) + "\n")
        return venv


@dataclass(frozen=True)
class Environment:
    """A built release environment with the checkout's plugin on its path."""

    release: Release
    venv: Path
    site: Path

    def pytest(
        self,
        project: Path,
        *args: str,
        timeout: float = 300,
        environ: Mapping[str, str] | None = None,
    ) -> Run:
        """``pytest ARGS`` in ``project``, as a user runs it there (the venv's own script).

        ``environ``: variables set on top of the cleaned environment (a hash seed, say).
        """
        env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
        env.update(environ or {})
        env["PYTHONPATH"] = str(self.site)
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        report = project / ".cachecompat-report.json"
        report.unlink(missing_ok=True)
        if "--cache-compat" in args:
            args = (*args, f"--cache-compat-report={report}")
        command = [str(self.venv / "bin" / "pytest"), "-p", "no:cacheprovider", *args]
        done = subprocess.run(
            command,
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        shown = f"[{self.release.name}] pytest {' '.join(args)}"
        parsed = json.loads(report.read_text()) if report.exists() else None
        return Run(shown, done.returncode, done.stdout, parsed)

    def python(self, code: str, *, cwd: Path) -> str:
        """Run ``code`` with the release's interpreter; its stdout."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
        done = subprocess.run(
            [str(self.venv / "bin" / "python"), "-c", code],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout


def environments(releases: Sequence[Release]) -> list[Environment]:
    site = plugin_site()
    return [Environment(release, release.build(), site) for release in releases]


ADOPTERS = Path(__file__).parent / "adopters"


def store_files(project: Path) -> dict[str, bytes]:
    """Every file of the project's store (``tests/cachecompat``) and its bytes."""
    store = project / "tests" / "cachecompat"
    return {str(p.relative_to(store)): p.read_bytes() for p in store.rglob("*") if p.is_file()}


def copy_adopter(name: str, target: Path) -> Path:
    """A fresh copy of the adopter project ``adopters/<name>`` at ``target``."""
    shutil.copytree(ADOPTERS / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def record_and_freeze(env: Environment, project: Path) -> Run:
    """What a release does when it ships: record its layouts, then freeze its golden archives.

    Golden checks of versions already in the store run too (the freeze is a
    full ``--cache-compat`` run); both sessions must pass. The freeze's run is returned.
    """
    recorded = env.pytest(project, "--cache-compat", "--snapshot-update")
    assert recorded.ret == 0, recorded
    frozen = env.pytest(project, "--cache-compat", "--cache-compat-freeze")
    assert frozen.ret == 0, frozen
    assert re.search(r": froze \d+ archives in ", frozen.output), frozen
    return frozen


def shared_project(tmp_path_factory: Any, name: str, make: Callable[[Path], None]) -> Path:
    """``make(folder)`` run once per test run, even across xdist workers; the folder.

    Under xdist each worker's base temp is a sub-folder of the run's, so the
    run's folder is common to them (without xdist the base temp is the run's).
    A worker that finds the folder made uses it; a failed ``make`` leaves no
    marker, so the next worker tries again (and fails the same way).
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder, done = base / name, base / f"{name}.complete"
    with _locked(base / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            make(folder)
            done.write_text("")
    return folder
