"""Assertions shared by the functional tests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


# Checks the header, then trusts the payload: indexes without looking, so corrupted entries crash it
# (the loads of the little project of conftest.py, with its checks taken out).
CARELESS_LOADS = """\
def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    version = next(unpacker)
    if version != SIMPLE_CACHE_VERSION:
        raise CacheMiss(f"entry written by cache version {version}")
    payload = next(unpacker)
    return File(payload[0], Hashes(payload[1][0]), payload[2], Yanked(payload[3]))
"""


# The keys of the little project's family, as Python source for a conftest hook.
HOOK_FAMILY_KEYS = {
    "name": '"simple"',
    "version": '"mypkg.cache:SIMPLE_CACHE_VERSION"',
    "records": '["mypkg.models:File"]',
    "dumps": '"mypkg.cache:dumps"',
    "loads": '"mypkg.cache:loads"',
}


def family_hook_conftest(**keys: str | None) -> str:
    """A conftest declaring the family "simple" by the hook.

    Each key's value is Python source replacing the default; ``None`` leaves
    the key out (a misspelt key is added as given).
    """
    merged = {**HOOK_FAMILY_KEYS, **keys}
    arguments = "".join(
        f"            {key}={value},\n" for key, value in merged.items() if value is not None
    )
    return (
        "import pytest_cachecompat\n\n\n"
        "def pytest_cachecompat_families(config):\n"
        "    return [\n"
        "        pytest_cachecompat.Family(\n"
        f"{arguments}"
        "        )\n"
        "    ]\n"
    )


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """``{node id: PASSED|FAILED|...}`` from the ``-rA`` short summary."""
    found: dict[str, str] = {}
    for line in result.outlines:
        match = re.match(r"^(PASSED|FAILED|ERROR|SKIPPED) (\S+?)(?: - .*)?$", line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


def assert_clean(output: str) -> None:
    """A failure report written by the plugin, not a crash inside it."""
    assert "Traceback" not in output
    assert "pytest_cachecompat/" not in output
    assert "INTERNALERROR" not in output


def validate_report(path: Path) -> dict[str, Any]:
    """The JSON report at ``path``, checked against docs/report.schema.json."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    return report


def validate_reports_of(args: tuple[str, ...], invocation_dir: Path) -> None:
    """Validate every report a run with these arguments wrote (``--cache-compat-report=P``)."""
    for index, arg in enumerate(args):
        if arg.startswith("--cache-compat-report="):
            value = arg.partition("=")[2]
        elif arg == "--cache-compat-report" and index + 1 < len(args):
            value = args[index + 1]
        else:
            continue
        path = invocation_dir / value
        if path.is_file():
            validate_report(path)


def make_venv(path: Path, *, with_editable_plugin: bool = True) -> Path:
    """A venv that sees this environment's packages (pytest, pip, ...); its python.

    ``with_editable_plugin``: the outer site-packages is added with
    ``site.addsitedir``, which also runs its ``.pth`` files, among them the
    editable install's import hook. Without it, the folder goes on
    ``sys.path`` as a plain path, and the plugin is not importable until the
    venv installs its own copy.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    outer = sysconfig.get_path("purelib")
    line = f"import site; site.addsitedir({outer!r})" if with_editable_plugin else outer
    Path(purelib, "_outer_env.pth").write_text(line + "\n")
    return python
