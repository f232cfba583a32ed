"""``--cache-compat-release`` and stale store content."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

HASHES = "class Hashes:\n    sha256: str | None\n"
HASHES_WITH_BLAKE2 = "class Hashes:\n    sha256: str | None\n    blake2b: str | None = None\n"


@pytest.fixture
def bumped(recorded: Project) -> Project:
    """v0 recorded and frozen; then ``Hashes`` changed, bumped to v1 and v1 recorded."""
    assert recorded.run("--cache-compat", "--cache-compat-freeze").ret == 0
    recorded.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    recorded.set_version(1)
    result = recorded.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    return recorded


def test_release_fails_until_the_current_version_is_frozen(bumped: Project) -> None:
    before = bumped.run("--cache-compat-release")
    out = before.stdout.str()
    assert before.ret == 1, out
    assert "release: family 'simple' v1 (mypkg.cache:SIMPLE_CACHE_VERSION)" in out
    assert "has no golden archives" in out
    assert "--cache-compat-freeze" in out

    freeze = bumped.run("--cache-compat", "--cache-compat-freeze")
    assert freeze.ret == 0, freeze.stdout.str()
    assert (bumped.store / "simple/v1/MANIFEST.json").is_file()

    after = bumped.run("--cache-compat-release")
    assert after.ret == 0, after.stdout.str()
    assert "FAILED" not in after.stdout.str()


def test_release_fails_when_a_check_fails(recorded: Project) -> None:
    assert recorded.run("--cache-compat", "--cache-compat-freeze").ret == 0
    recorded.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    result = recorded.run("--cache-compat-release")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert (
        "release: tests/cachecompat/simple::layout[mypkg.models:Hashes] failed (family 'simple')"
        in out
    )


def test_release_fails_when_the_checks_were_deselected(recorded: Project) -> None:
    assert recorded.run("--cache-compat", "--cache-compat-freeze").ret == 0
    result = recorded.run("--cache-compat-release", "-m", "not cachecompat")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert "4 of its checks did not run in this run" in out


def test_stale_content_is_a_warning_and_never_deleted(recorded: Project) -> None:
    assert recorded.run("--cache-compat", "--cache-compat-freeze").ret == 0
    leftovers = {
        "tests/cachecompat/old/v3/mypkg.models.Gone.layout.json": "{}\n",
        "tests/cachecompat/simple/v0/notes.txt": "hand-written notes\n",
        # What a rename leaves behind: the layout of a record type the code no longer has.
        "tests/cachecompat/simple/v0/mypkg.models.Renamed.layout.json": recorded.read(
            "tests/cachecompat/simple/v0/mypkg.models.Hashes.layout.json"
        ).replace("mypkg.models:Hashes", "mypkg.models:Renamed"),
        "tests/cachecompat/simple/v0/archives/extra.bin": "x",
        "tests/cachecompat/simple/draft/x.txt": "x",
    }
    for path, text in leftovers.items():
        recorded.write(path, text)
    state = recorded.store_state()

    result = recorded.run("--cache-compat", "--cache-compat-report=report.json")
    out = result.stdout.str()
    assert result.ret == 0, out
    assert (
        "warning: stale: tests/cachecompat/old: folder of a family named 'old', "
        "but no such family is declared" in out
    )
    assert "stale: tests/cachecompat/simple/v0/notes.txt: unknown file in family 'simple' v0" in out
    assert (
        "stale: tests/cachecompat/simple/v0/mypkg.models.Renamed.layout.json: layout of a record "
        "type the current code does not have" in out
    )
    assert "stale: tests/cachecompat/simple/v0/archives/extra.bin: archive not listed" in out
    assert "stale: tests/cachecompat/simple/draft: unknown folder in family 'simple'" in out
    assert recorded.store_state() == state

    report = json.loads((recorded.root / "report.json").read_text(encoding="utf-8"))
    assert [item["path"] for item in report["stale"]] == ["tests/cachecompat/old"]
    family_stale = {item["path"] for item in report["families"][0]["stale"]}
    assert family_stale == {path.rsplit("/x.txt", 1)[0] for path in leftovers} - {
        "tests/cachecompat/old/v3/mypkg.models.Gone.layout.json"
    }

    release = recorded.run("--cache-compat-release")
    assert release.ret == 1, release.stdout.str()
    assert (
        "release: stale store content tests/cachecompat/simple/v0/notes.txt" in release.stdout.str()
    )
    assert recorded.store_state() == state


def test_a_frozen_history_is_not_stale(bumped: Project) -> None:
    """Three recorded and frozen versions, each with its CHANGES.md: nothing is stale."""
    bumped.edit("mypkg/models.py", HASHES_WITH_BLAKE2, HASHES)
    bumped.set_version(2)
    assert bumped.run("--cache-compat", "--snapshot-update").ret == 0
    assert bumped.run("--cache-compat", "--cache-compat-freeze").ret == 0
    result = bumped.run("--cache-compat-release")
    assert result.ret == 0, result.stdout.str()
    assert "stale:" not in result.stdout.str()


@pytest.mark.parametrize(
    ("selection", "missing"),
    [
        (
            ("-k", "Hashes"),
            ["layout[mypkg.models:File]", "layout[mypkg.models:Yanked]", "golden[v0]"],
        ),
        (("-m", "cachecompat_layout"), ["golden[v0]"]),
    ],
    ids=["keyword", "marker"],
)
def test_release_fails_when_some_checks_were_deselected(
    recorded: Project, selection: tuple[str, str], missing: list[str]
) -> None:
    assert recorded.run("--cache-compat", "--cache-compat-freeze").ret == 0
    everything = recorded.run("--cache-compat-release")
    assert everything.ret == 0, everything.stdout.str()

    result = recorded.run("--cache-compat-release", *selection)
    out = result.stdout.str()
    assert result.ret == 1, out
    assert (
        "release: family 'simple' v0 (mypkg.cache:SIMPLE_CACHE_VERSION): "
        f"{len(missing)} of its checks did not run in this run (" in out
    )
    for name in missing:
        assert name in out
    assert "the release check needs every check of every family" in out
    # What did run is not blamed.
    assert "layout[mypkg.models:Hashes]," not in out
