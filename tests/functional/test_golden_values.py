"""A golden archive of the current version that loads to another value: told field by field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpers import assert_clean

if TYPE_CHECKING:
    from conftest import Project


def test_a_field_the_archive_lacks_is_named_with_what_was_loaded(recorded: Project) -> None:
    assert recorded.run("--cache-compat", "--cache-compat-freeze").ret == 0
    # A new field with a default, no bump: the v0 archives load, and fill it in.
    recorded.edit(
        "mypkg/models.py",
        "class Hashes:\n    sha256: str | None\n",
        "class Hashes:\n    sha256: str | None\n    blake2: str | None = None\n",
    )

    result = recorded.run("--cache-compat", "-m", "cachecompat_golden")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert_clean(out)
    assert "loaded a value that differs from the one written" in out
    assert "  - File.hashes.blake2: not in the archive, loaded None\n" in out
    assert "expected File(" not in out  # never two truncated reprs
