"""A wheel built from this checkout holds the whole package and runs the bundled example.

An editable install hides a packaging mistake (a subpackage left out of the
wheel): this builds the wheel as a release would, installs it into a fresh
virtual environment, and runs ``pytest --cache-compat`` on a copy of the
example against that install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import make_venv
from test_example import EXAMPLE, IGNORED, _env, output, run_pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pytest_cachecompat"


def _subpackages() -> list[str]:
    return sorted(
        init.parent.relative_to(ROOT).as_posix() + "/__init__.py"
        for init in PACKAGE.rglob("__init__.py")
        if "__pycache__" not in init.parts
    )


def _build_wheel(folder: Path) -> Path:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(folder),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = folder.glob("pytest_cachecompat-*.whl")
    return wheel


def test_the_wheel_holds_every_subpackage_and_runs_the_example(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(_subpackages()) <= names, sorted(set(_subpackages()) - names)
    assert "pytest_cachecompat/py.typed" in names
    assert "pytest_cachecompat/loading/worker.py" in names

    python = make_venv(tmp_path / "venv", with_editable_plugin=False)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    where = subprocess.run(
        [str(python), "-P", "-c", "import pytest_cachecompat.glue as g; print(g.__file__)"],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "venv"), where

    example = tmp_path / "pkgindex"
    shutil.copytree(EXAMPLE, example, ignore=IGNORED)
    result = run_pytest(example, "--cache-compat", code=example, python=str(python))

    assert result.returncode == 0, output(result)
    assert "archives v2 (current): 2 loaded" in result.stdout
