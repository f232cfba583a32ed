"""Recording and freezing are all-or-nothing (docs/errors.md, docs/reference.md), in real sessions.

A version is recorded whole or not at all, a freeze writes no archive that
the current loader does not load equal, and what an interrupted write leaves
is never store content and is cleaned up by the next writing run.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from helpers import assert_clean

if TYPE_CHECKING:
    from conftest import Project

V0 = "tests/cachecompat/simple/v0"
V1 = "tests/cachecompat/simple/v1"

EXTRA = """\
import attrs


@attrs.frozen
class Index:
    name: str
    size: int


def _https(instance, attribute, value):
    if not value.startswith("https://"):
        raise ValueError(f"mirror url must be https, not {value!r}")


@attrs.frozen
class Mirror:
    url: str = attrs.field(validator=_https)
"""
# The same records, with a Mirror that default samples can build.
EXTRA_PLAIN = EXTRA.replace("attrs.field(validator=_https)", "attrs.field()")

THREE_ROOTS = '"mypkg.models:File", "mypkg.extra:Index", "mypkg.extra:Mirror"'

# The samples hook builds File and Index samples, then fails on Mirror's.
RAISING_SAMPLES = """\
from mypkg.extra import Index, Mirror
from mypkg.models import File, Hashes, Yanked


def samples():
    yield File("a.whl", Hashes("00"), None, Yanked.NO)
    yield Index("simple", 3)
    raise ConnectionError("the mirror list needs the network")
"""

FIXED_SAMPLES = """\
from mypkg.extra import Index, Mirror
from mypkg.models import File, Hashes, Yanked


def samples():
    yield File("a.whl", Hashes("00"), None, Yanked.NO)
    yield Index("simple", 3)
    yield Mirror("https://mirror.example")
"""


def _three_roots(project: Project, how: str) -> None:
    """Bump to v1 with three roots; the third root's samples cannot be built (``how``)."""
    project.write("mypkg/extra.py", EXTRA_PLAIN if how == "hook" else EXTRA)
    if how == "hook":
        project.write("mypkg/testing.py", RAISING_SAMPLES)
        project.declare(records=THREE_ROOTS, extra='samples = "mypkg.testing:samples"')
    else:  # default samples of Mirror fail its validator
        project.declare(records=THREE_ROOTS)
    project.set_version(1)


def _fix(project: Project, how: str) -> None:
    if how == "hook":
        project.write("mypkg/testing.py", FIXED_SAMPLES)
    else:
        project.write("mypkg/testing.py", FIXED_SAMPLES)
        project.declare(
            records=THREE_ROOTS,
            extra='samples = "mypkg.testing:samples"\ndefault_samples = false',
        )


@pytest.mark.parametrize(
    ("how", "args"),
    [("hook", ()), ("defaults", ()), ("defaults", ("-n", "2"))],
    ids=["samples-hook", "default-samples", "default-samples-xdist"],
)
def test_a_version_with_one_unbuildable_root_is_not_recorded_at_all(
    recorded: Project, how: str, args: tuple[str, ...]
) -> None:
    _three_roots(recorded, how)
    before = recorded.store_state(dotfiles=True)

    result = recorded.run("--cache-compat", "--snapshot-update", "-rA", *args)

    out = result.stdout.str()
    assert result.ret == 1, out
    assert_clean(out)
    assert recorded.store_state(dotfiles=True) == before  # not one file of v1
    assert not (recorded.root / V1).exists()
    assert not [p for p in (recorded.store / "simple").iterdir() if p.name.startswith(".")]
    assert "FAILED: simple v1: nothing recorded, because" in out
    assert "mypkg.extra:Mirror" in out
    assert "so none of the" in out and "were written" in out
    assert "recorded; changes written" not in out
    layouts = next(line for line in out.splitlines() if line.strip().startswith("layouts:"))
    assert "recorded" not in layouts.replace("not recorded", "")  # nothing counted as recorded

    _fix(recorded, how)
    fixed = recorded.run("--cache-compat", "--snapshot-update", *args)
    assert fixed.ret == 0, fixed.stdout.str()
    assert "simple v1: recorded; changes written to" in fixed.stdout.str()
    written = {p for p in recorded.store_state() if p.startswith("simple/v1/")}
    assert written == {
        "simple/v1/CHANGES.md",
        *(
            f"simple/v1/{stem}.layout.json"
            for stem in (
                "mypkg.models.File",
                "mypkg.models.Hashes",
                "mypkg.models.Yanked",
                "mypkg.extra.Index",
                "mypkg.extra.Mirror",
            )
        ),
        *(
            f"simple/v1/{stem}.samples.json"
            for stem in ("mypkg.models.File", "mypkg.extra.Index", "mypkg.extra.Mirror")
        ),
    }
    assert "mypkg.extra:Mirror" in recorded.read(f"{V1}/CHANGES.md")
    check = recorded.run("--cache-compat")
    assert check.ret == 0, check.stdout.str()


def test_a_failing_record_of_a_first_recording_writes_no_family_folder(project: Project) -> None:
    _three_roots(project, "defaults")
    project.set_version(0)

    result = project.run("--cache-compat", "--snapshot-update")

    assert result.ret == 1, result.stdout.str()
    assert project.store_state(dotfiles=True) == {}
    assert not (project.store / "simple" / "v0").exists()
    assert "FAILED: simple v0: nothing recorded" in result.stdout.str()


def test_staged_contents_stay_out_of_junit_xml(recorded: Project) -> None:
    recorded.edit(
        "mypkg/models.py", "class Hashes:\n    sha256", "class Hashes:\n    md5: str\n    sha256"
    )
    recorded.set_version(1)
    xml = recorded.root / "junit.xml"

    result = recorded.run("--cache-compat", "--snapshot-update", f"--junitxml={xml}")

    assert result.ret == 0, result.stdout.str()
    assert (recorded.root / V1 / "mypkg.models.Hashes.layout.json").is_file()
    text = xml.read_text(encoding="utf-8")
    assert "cachecompat-staged" not in text
    assert '"fields"' not in text  # no layout text copied into the report


# --- freezing verifies before it writes ------------------------------------------------------

WRONG_FIELD = (
    "return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))",
    'return File(filename, Hashes(*hashes), requires_python or "utf-8", Yanked(yanked))',
)


@pytest.mark.parametrize("args", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_freeze_writes_nothing_when_the_loader_misreads_a_field(
    recorded: Project, args: tuple[str, ...]
) -> None:
    recorded.edit("mypkg/cache.py", *WRONG_FIELD)
    before = recorded.store_state(dotfiles=True)

    result = recorded.run("--cache-compat", "--cache-compat-freeze", *args)

    out = result.stdout.str()
    assert result.ret == 1, out
    assert_clean(out)
    assert recorded.store_state(dotfiles=True) == before
    assert not (recorded.root / V0 / "MANIFEST.json").exists()
    assert not (recorded.root / V0 / "archives").exists()
    assert "freeze of simple v0 failed" in out
    assert "1 of the 2 new archives does not load equal to their sample" in out
    assert "with the current loader, so nothing was written" in out
    assert "no archive, no MANIFEST.json" in out
    assert f"{V0}/archives/mypkg.models.File-" in out  # the archive it would have been
    assert "File.requires_python: expected None, got 'utf-8'" in out
    assert "record mypkg.models:File" in out

    recorded.edit("mypkg/cache.py", WRONG_FIELD[1], WRONG_FIELD[0])
    fixed = recorded.run("--cache-compat", "--cache-compat-freeze", *args)
    assert fixed.ret == 0, fixed.stdout.str()
    assert "simple v0: froze 2 archives" in fixed.stdout.str()
    manifest = json.loads(recorded.read(f"{V0}/MANIFEST.json"))
    assert {entry["file"] for entry in manifest["archives"]} == {
        "archives/mypkg.models.File-0.bin",
        "archives/mypkg.models.File-1.bin",
    }
    assert recorded.run("--cache-compat").ret == 0


def test_freeze_writes_nothing_when_dumps_is_not_deterministic(recorded: Project) -> None:
    recorded.edit(
        "mypkg/cache.py",
        "def dumps(file):\n",
        "import itertools\n_calls = itertools.count()\n\n\ndef dumps(file):\n"
        "    return msgpack.packb(next(_calls))\n",
    )
    before = recorded.store_state(dotfiles=True)

    result = recorded.run("--cache-compat", "--cache-compat-freeze")

    assert result.ret == 1
    assert "is not deterministic" in result.stdout.str()
    assert recorded.store_state(dotfiles=True) == before


# --- leftovers of an interrupted write -------------------------------------------------------

LEFTOVERS = (
    f"{V0}/.mypkg.models.File.layout.json.k2j4h5g6.tmp",
    f"{V0}/.CHANGES.md.a1b2c3d4.tmp",
    "tests/cachecompat/simple/.v1.x7y8z9w0.stage/mypkg.models.File.layout.json",
    "tests/cachecompat/simple/.v0.q1w2e3r4.stage/archives/mypkg.models.File-0.bin",
)


def _plant_leftovers(project: Project) -> None:
    for relative in LEFTOVERS:
        project.write(relative, '{"half": ')
    project.write(f"{V0}/.gitkeep", "")  # another tool's dotfile: never touched


def test_leftovers_are_no_store_content_and_the_next_writing_run_removes_them(
    recorded: Project,
) -> None:
    _plant_leftovers(recorded)
    assert recorded.run("--cache-compat", "--cache-compat-freeze").ret == 0
    _plant_leftovers(recorded)  # the freeze removed them; plant them again

    check = recorded.run("--cache-compat")
    out = check.stdout.str()
    assert check.ret == 0, out
    assert "stale" not in out
    release = recorded.run("--cache-compat", "--cache-compat-release")
    assert release.ret == 0, release.stdout.str()
    for relative in LEFTOVERS:
        assert (recorded.root / relative).exists()  # a checking run writes nothing

    update = recorded.run("--cache-compat", "--snapshot-update")
    assert update.ret == 0, update.stdout.str()
    assert "removed .v1.x7y8z9w0.stage (an interrupted write" in update.stdout.str()
    for relative in LEFTOVERS:
        assert not (recorded.root / relative).exists(), relative
    hidden = [p for p in recorded.store.rglob(".*") if p.name != ".gitkeep"]
    assert hidden == []
    assert (recorded.root / V0 / ".gitkeep").exists()
    assert recorded.run("--cache-compat").ret == 0


def test_a_committed_stage_is_finished_by_the_next_writing_run(recorded: Project) -> None:
    """A run killed after its commit marker: the next writer moves the rest into place."""
    family = recorded.store / "simple"
    stage = family / ".v1.m5n6b7v8.stage"
    layouts = sorted(p.name for p in (recorded.root / V0).glob("*.layout.json"))
    stage.mkdir()
    for name in layouts:
        (stage / name).write_bytes((recorded.root / V0 / name).read_bytes())
    (stage / ".commit").write_text("v1")
    recorded.set_version(1)

    result = recorded.run("--cache-compat", "--snapshot-update")

    assert result.ret == 0, result.stdout.str()
    assert "finished the interrupted write .v1.m5n6b7v8.stage into v1" in result.stdout.str()
    assert not stage.exists()
    assert sorted(p.name for p in (recorded.root / V1).iterdir()) == sorted(
        [*layouts, "mypkg.models.File.samples.json", "CHANGES.md"]
    )
    assert recorded.run("--cache-compat").ret == 0


def test_the_lock_file_is_outside_the_store(recorded: Project) -> None:
    from pytest_cachecompat.store import lock_path

    recorded.set_version(1)
    assert recorded.run("--cache-compat", "--snapshot-update").ret == 0
    lock = lock_path(recorded.store / "simple")
    assert recorded.store not in lock.parents
    assert recorded.root not in lock.parents
    assert not [p for p in recorded.root.rglob("*.lock")]
