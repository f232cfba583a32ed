"""The stale-store scan takes archive lists from this run's golden items (docs/performance.md).

Under xdist the controller reads no manifest itself; an archive that no
manifest lists must still be reported, with and without ``-n 2``, and an
archive the manifest lists must not be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

EXTRA = "stale: tests/cachecompat/simple/v0/archives/extra.bin: archive not listed"
LISTED = "tests/cachecompat/simple/v0/archives/mypkg.models.File-0.bin"


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_unlisted_archive_is_stale_whoever_read_the_manifest(
    recorded: Project, workers: tuple[str, ...]
) -> None:
    assert recorded.run("--cache-compat", "--cache-compat-freeze").ret == 0
    (recorded.root / "tests/cachecompat/simple/v0/archives/extra.bin").write_bytes(b"x")

    result = recorded.run("--cache-compat", *workers)

    out = result.stdout.str()
    assert result.ret == 0, out
    assert EXTRA in out
    assert LISTED not in out
    golden_only = recorded.run("--cache-compat", "-m", "cachecompat_golden", *workers)
    assert EXTRA in golden_only.stdout.str()
    assert LISTED not in golden_only.stdout.str()
