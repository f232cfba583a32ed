"""pytest-xdist gives the same outcomes as one process (docs/golden.md).

The same story -- record, freeze, an unbumped layout change, a bump with a
loader that rejects old archives, one that crashes on them -- is played from
an empty store in one process, with ``-n 2`` and with ``-n 4``. Every step
must give the same exit status, the same failed node ids and the same store.
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

pytestmark = pytest.mark.slow

CRASHING_LOADS = """\
def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    next(unpacker)
    filename, hashes, requires_python, yanked = next(unpacker)
    return File(filename, Hashes(hashes[0], hashes[1]), requires_python, Yanked(yanked))
"""


def failed_ids(out: str) -> list[str]:
    return sorted(set(re.findall(r"^FAILED (\S+)", out, re.MULTILINE)))


def story(project: Project, sources: dict[str, str], workers: tuple[str, ...]) -> list[object]:
    """Every step's (exit status, failed node ids, store) from an empty store."""
    shutil.rmtree(project.store, ignore_errors=True)
    for relative, text in sources.items():
        project.write(relative, text)
    steps: list[object] = []

    def step(*args: str) -> None:
        result = project.run(*workers, *args)
        steps.append(
            (
                args,
                int(result.ret),
                failed_ids(result.stdout.str()),
                project.store_state(),
            )
        )

    step("--cache-compat", "--snapshot-update")  # record v0
    step("--cache-compat", "--cache-compat-freeze")  # freeze v0
    step("--cache-compat", "--cache-compat-fuzz=50")  # golden checks and fuzzing pass
    project.edit(
        "mypkg/models.py",
        "class Hashes:\n    sha256",
        "class Hashes:\n    md5: str | None\n    sha256",
    )
    step("--cache-compat")  # layout changed without a bump
    project.set_version(1)
    step("--cache-compat", "--snapshot-update")  # bump: v1 recorded, v0 rejected cleanly
    step("--cache-compat", "--cache-compat-freeze")  # freeze v1
    text = project.read("mypkg/cache.py")
    project.write("mypkg/cache.py", text[: text.index("def loads(data):")] + CRASHING_LOADS)
    step("--cache-compat")  # a loader that crashes on v0 archives
    return steps


def test_one_process_and_xdist_give_the_same_outcomes_and_store(project: Project) -> None:
    sources = {p: project.read(p) for p in ("mypkg/models.py", "mypkg/cache.py")}

    single = story(project, sources, ())
    two = story(project, sources, ("-n", "2"))
    four = story(project, sources, ("-n", "4"))

    statuses = [s[1] for s in single]  # type: ignore[index]
    assert statuses == [0, 0, 0, 1, 0, 0, 1]
    assert "tests/cachecompat/simple::layout[mypkg.models:Hashes]" in single[3][2]  # type: ignore[index]
    assert single[-1][2] == ["tests/cachecompat/simple::golden[v0]"]  # type: ignore[index]
    for spread in (two, four):
        for one, other in zip(single, spread, strict=True):
            assert one == other
