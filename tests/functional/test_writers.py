"""Which releases wrote a golden archive.

``writers = [...]`` records each distribution's installed version in the
manifest at freeze time, and every golden failure names them. Without it the
manifest names the distribution of the ``dumps`` module, else of the
records, else the project's own.
"""

from __future__ import annotations

import importlib.metadata
import json
from typing import TYPE_CHECKING

import pytest
from helpers import assert_clean

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Project

V0 = "tests/cachecompat/simple/v0"
CRASHING_LOADS = """\
def loads(data):
    raise RuntimeError("reader broke")
"""


def dist_info(root: Path, name: str, version: str, top_level: str | None = None) -> None:
    folder = root / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    if top_level is not None:
        (folder / "top_level.txt").write_text(f"{top_level}\n", encoding="utf-8")


def manifest(project: Project) -> dict[str, object]:
    document: dict[str, object] = json.loads(project.read(f"{V0}/MANIFEST.json"))
    return document


def break_loads(project: Project) -> None:
    text = project.read("mypkg/cache.py")
    project.write("mypkg/cache.py", text[: text.index("def loads(data):")] + CRASHING_LOADS)


def test_writers_are_in_the_manifest_and_in_every_golden_failure(project: Project) -> None:
    project.configure('writers = ["msgpack", "attrs"]')
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    result = project.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    msgpack, attrs = importlib.metadata.version("msgpack"), importlib.metadata.version("attrs")
    document = manifest(project)
    assert document["writers"] == {"msgpack": msgpack, "attrs": attrs}
    assert list(document["writers"]) == ["msgpack", "attrs"]  # in declared order

    break_loads(project)
    result = project.run(
        "--cache-compat", "--cache-compat-fuzz=5", "--cache-compat-report=report.json"
    )
    assert result.ret == 1
    out = result.stdout.str()
    # The failure reports only: with CI set, pytest's short summary repeats whole messages.
    lines = out.split("short test summary info")[0].splitlines()
    # Both archives' failures and the fuzz failures name the writers, right under their header.
    headers = [
        i
        for i, line in enumerate(lines)
        if line.startswith(("golden archive ", "fuzzing golden archive "))
    ]
    assert len(headers) == 4, out
    for i in headers:
        assert lines[i + 1] == f"written by msgpack {msgpack}, attrs {attrs}", lines[i : i + 2]
    report = json.loads(project.read("report.json"))
    golden = report["families"][0]["golden"][0]
    assert golden["written_by"] == {"msgpack": msgpack, "attrs": attrs}


def test_without_writers_the_owner_of_dumps_is_recorded(project: Project) -> None:
    project.write("codec/__init__.py", "")
    project.write(
        "codec/msgpack_codec.py",
        "from mypkg.cache import dumps as _dumps\n\n\ndef dumps(obj):\n    return _dumps(obj)\n",
    )
    dist_info(project.root, "codec-dist", "3.1", top_level="codec")
    project.edit("pyproject.toml", '"mypkg.cache:dumps"', '"codec.msgpack_codec:dumps"')
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    assert project.run("--cache-compat", "--cache-compat-freeze").ret == 0
    assert manifest(project)["written_by"] == {"distribution": "codec-dist", "version": "3.1"}
    assert "writers" not in manifest(project)

    break_loads(project)
    result = project.run("--cache-compat")
    assert result.ret == 1
    assert (
        "record mypkg.models:File), loaded with mypkg.cache:loads:\nwritten by codec-dist 3.1\n"
        in (result.stdout.str())
    )


def test_without_writers_an_adapter_falls_back_to_the_project(project: Project) -> None:
    # dumps and records live in modules no distribution owns (an adapter in
    # the test tree, say): the project's own distribution wrote the archive.
    project.edit(
        "pyproject.toml",
        "[tool.pytest.ini_options]",
        '[project]\nname = "my-project"\nversion = "4.2"\n\n[tool.pytest.ini_options]',
    )
    dist_info(project.root, "my-project", "4.2")
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    assert project.run("--cache-compat", "--cache-compat-freeze").ret == 0
    assert manifest(project)["written_by"] == {"distribution": "my-project", "version": "4.2"}


def test_an_uninstalled_writer_is_a_usage_error(project: Project) -> None:
    project.configure('writers = ["msgpack", "no-such-writer"]')
    result = project.run("--cache-compat")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert (
        "family 'simple': writers = 'no-such-writer': the distribution 'no-such-writer' is not "
        "installed" in err
    )
    assert_clean(result.stdout.str() + err)
    assert project.store_state() == {}
