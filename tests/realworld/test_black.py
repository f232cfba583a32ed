"""black 23.7.0 -> 23.9.0: the file cache, a crash on the old cache.

What the releases really do (found by hand first; README.md here): 23.7.0
pickles ``{path: (mtime, size)}``; 23.9.0 reads the same file into
``Cache.file_data`` expecting ``FileData`` named tuples, and the first
``filtered_cached`` call (before every format) raises ``AttributeError:
'tuple' object has no attribute 'st_size'``: black exits 123 with "error:
cannot format". Up to 23.9 the cache folder carries no version when
``BLACK_CACHE_DIR`` is set, so every release shares the one file; 23.10 put
the release into the path. black has no cache version constant, so the
family's version is the release (``black:__version__``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rwenv import Release, copy_adopter, environments, record_and_freeze

pytestmark = pytest.mark.realworld

_SHARED = (
    "click==8.5.1",
    "mypy_extensions==1.2.0",
    "packaging==26.4",
    "pathspec==1.1.1",
    "platformdirs==4.14.9",
)
BLACK_23_7 = Release("black-23.7.0", ("black==23.7.0", *_SHARED))
BLACK_23_9 = Release("black-23.9.0", ("black==23.9.0", *_SHARED))

ARCHIVE = "archives/bkadapter.CacheFile-0.bin"


def test_upgrade_to_23_9_crashes_on_the_23_7_cache(tmp_path: Path) -> None:
    old, new = environments([BLACK_23_7, BLACK_23_9])
    project = copy_adopter("black", tmp_path / "black")
    record_and_freeze(old, project)

    # The new release records its own version (it is a new release: a new folder) ...
    recorded = new.pytest(project, "--cache-compat", "--snapshot-update")
    assert recorded.ret == 1, recorded
    assert (project / "tests/cachecompat/files/v23.9.0/CHANGES.md").exists(), recorded
    assert "black.cache:FileData: record added" in recorded.output, recorded
    # ... and still fails: the cache 23.7.0 left behind crashes it.
    run = new.pytest(project, "--cache-compat")

    assert run.ret == 1, run
    assert run.archives("files", "23.7.0") == {ARCHIVE: "failed"}, run
    failed = [r["record"] for r in run.family("files")["records"] if r["outcome"] != "passed"]
    assert failed == [], run
    text = run.output
    assert f"golden archive tests/cachecompat/files/v23.7.0/{ARCHIVE}" in text, run
    assert "older version 23.7.0" in text, run
    assert (
        "unexpected exception builtins.AttributeError: 'tuple' object has no attribute 'st_size'"
        in text
    ), run
    # The traceback goes into black's own code, where the crash is.
    assert "black/cache.py" in text, run
    assert "in is_changed" in text, run
