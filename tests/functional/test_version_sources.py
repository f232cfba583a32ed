"""Versions without a constant.

A family's version may be an attribute path (``Serializer.serde_version``)
or the installed release of a distribution (``{ distribution = "NAME" }``),
compared as a PEP 440 version. The distribution here is a ``.dist-info``
folder in the project's root, which is on ``sys.path`` (``pythonpath``):
exactly what ``importlib.metadata`` reads for an installed package.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest
from helpers import assert_clean

if TYPE_CHECKING:
    from conftest import Project

HASHES_GAINS_MD5 = ("class Hashes:\n    sha256", "class Hashes:\n    md5: str | None\n    sha256")

SERIALIZER = """\
class Serializer:
    serde_version = "3"
"""


def install(project: Project, name: str, version: str) -> None:
    """Make ``name`` an installed distribution of ``version`` (replacing any other)."""
    for old in project.root.glob(f"{name.replace('-', '_')}-*.dist-info"):
        shutil.rmtree(old)
    folder = project.root / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )


def usage_error(result: pytest.RunResult) -> str:
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    err = result.stderr.str()
    assert_clean(result.stdout.str() + err)
    return err


# --- an attribute path ---------------------------------------------------------------------------


def test_an_attribute_path_is_the_version(project: Project) -> None:
    project.write("mypkg/serialize.py", SERIALIZER)
    project.configure("")
    project.edit(
        "pyproject.toml",
        'version = "mypkg.cache:SIMPLE_CACHE_VERSION"',
        'version = "mypkg.serialize:Serializer.serde_version"',
    )
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    assert (project.store / "simple" / "v3").is_dir()

    project.edit("mypkg/models.py", *HASHES_GAINS_MD5)
    result = project.run("--cache-compat")
    assert result.ret == 1
    out = result.stdout.str()
    assert "layout of mypkg.models:Hashes changed but Serializer.serde_version is still '3'" in out
    assert "Fix: bump mypkg.serialize:Serializer.serde_version from '3' to a higher version" in out

    project.edit("mypkg/serialize.py", 'serde_version = "3"', 'serde_version = "4"')
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    result = project.run("--cache-compat")
    assert result.ret == 0, result.stdout.str()
    assert "mypkg.serialize:Serializer.serde_version = '4'; recorded: v3, v4" in result.stdout.str()


def test_a_missing_attribute_on_the_path_is_a_usage_error(project: Project) -> None:
    project.write("mypkg/serialize.py", SERIALIZER)
    project.edit(
        "pyproject.toml",
        'version = "mypkg.cache:SIMPLE_CACHE_VERSION"',
        'version = "mypkg.serialize:Serializer.format_version"',
    )
    err = usage_error(project.run("--cache-compat"))
    assert (
        "family 'simple': version = 'mypkg.serialize:Serializer.format_version': "
        "'mypkg.serialize' has no attribute 'Serializer.format_version'" in err
    )
    assert project.store_state() == {}


# --- the installed version of a distribution ------------------------------------------------------


def use_distribution(project: Project, name: str = "mypkg") -> None:
    project.edit(
        "pyproject.toml",
        'version = "mypkg.cache:SIMPLE_CACHE_VERSION"',
        f'version = {{ distribution = "{name}" }}',
    )


def test_the_installed_release_is_the_version(project: Project) -> None:
    install(project, "mypkg", "1.9.0")
    use_distribution(project)
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    assert (project.store / "simple" / "v1.9.0").is_dir()
    changes = project.read("tests/cachecompat/simple/v1.9.0/CHANGES.md")
    assert "`installed mypkg` = '1.9.0'" in changes

    # A layout change in the same release: there is no constant to bump.
    project.edit("mypkg/models.py", *HASHES_GAINS_MD5)
    result = project.run("--cache-compat")
    assert result.ret == 1
    out = result.stdout.str()
    assert "layout of mypkg.models:Hashes changed but the installed mypkg is still '1.9.0'" in out
    assert "Fix: release a new version of mypkg (above '1.9.0') and install it" in out
    assert "bump" not in out.split("Fix:")[1].split("\n")[0]

    # 1.10.0 is above 1.9.0 as a PEP 440 version (not as a string).
    install(project, "mypkg", "1.10.0")
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    assert "bumped v1.9.0 -> v1.10.0" in result.stdout.str()
    result = project.run("--cache-compat")
    assert result.ret == 0, result.stdout.str()
    assert "installed mypkg = '1.10.0'; recorded: v1.9.0, v1.10.0" in result.stdout.str()

    # An older release than one recorded: versions only go up.
    install(project, "mypkg", "1.2")
    result = project.run("--cache-compat")
    assert result.ret == 1
    out = result.stdout.str()
    assert "installed mypkg is '1.2', lower than v1.10.0" in out
    assert "Install a release of mypkg above '1.10.0'" in out


def test_golden_archives_of_an_older_release_are_checked(project: Project) -> None:
    install(project, "mypkg", "2.0")
    use_distribution(project)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    result = project.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    manifest = project.read("tests/cachecompat/simple/v2.0/MANIFEST.json")
    assert '"version_ref": "installed mypkg"' in manifest

    install(project, "mypkg", "2.1")
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    assert "archives v2.0 (older)" in result.stdout.str()


def test_the_python_api_takes_a_distribution(project: Project) -> None:
    install(project, "mypkg", "0.5")
    project.write(
        "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["."]\n'
    )
    project.write(
        "tests/conftest.py",
        """\
        from pytest_cachecompat import Distribution, Family


        def pytest_cachecompat_families(config):
            common = dict(
                records=["mypkg.models:File"],
                dumps="mypkg.cache:dumps",
                loads="mypkg.cache:loads",
                rejects=["mypkg.cache:CacheMiss"],
            )
            return [
                Family(name="simple", version=Distribution("mypkg"), **common),
                Family(name="table", version={"distribution": "mypkg"}, **common),
            ]
        """,
    )
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    assert (project.store / "simple" / "v0.5").is_dir()
    assert (project.store / "table" / "v0.5").is_dir()


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        pytest.param(
            '{ distribution = "no-such-dist" }',
            "family 'simple': version = { distribution = \"no-such-dist\" }: the distribution "
            "'no-such-dist' is not installed",
            id="not-installed",
        ),
        pytest.param(
            '{ dist = "mypkg" }',
            "family 'simple': version = {'dist': 'mypkg'}: a table must be "
            '{ distribution = "NAME" } and nothing else',
            id="wrong-table",
        ),
        pytest.param(
            "3",
            "family 'simple': version = 3: must be a 'module:CONSTANT' reference string",
            id="a-number",
        ),
    ],
)
def test_a_bad_distribution_version_is_a_usage_error(
    project: Project, version: str, expected: str
) -> None:
    project.edit(
        "pyproject.toml", 'version = "mypkg.cache:SIMPLE_CACHE_VERSION"', f"version = {version}"
    )
    err = usage_error(project.run("--cache-compat"))
    assert expected in err
    assert project.store_state() == {}
