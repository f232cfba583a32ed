"""The layout gate (docs/failures.md, rules 1-7), as a developer of ``mypkg`` meets it.

Each test edits the little project the way a developer would (a new field, a
renamed one, a bumped constant) and runs real pytest sessions against it.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest
from helpers import assert_clean, family_hook_conftest, outcomes

if TYPE_CHECKING:
    from conftest import Project


LAYOUT_FILES = {
    "simple/v0/CHANGES.md",
    "simple/v0/mypkg.models.File.layout.json",
    "simple/v0/mypkg.models.File.samples.json",
    "simple/v0/mypkg.models.Hashes.layout.json",
    "simple/v0/mypkg.models.Yanked.layout.json",
}
NEW_FIRST_FIELD = ("class Hashes:\n    sha256", "class Hashes:\n    md5: str | None\n    sha256")


# --- rule 1: record, then pass -------------------------------------------------------------------


def test_first_update_records_v0_and_the_next_run_passes(project: Project) -> None:
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    assert set(project.store_state()) == LAYOUT_FILES
    assert "v0: recorded" in result.stdout.str()
    changes = project.read("tests/cachecompat/simple/v0/CHANGES.md")
    assert "First recorded version" in changes and "SIMPLE_CACHE_VERSION" in changes
    layout = project.read("tests/cachecompat/simple/v0/mypkg.models.Hashes.layout.json")
    assert '"name": "sha256"' in layout and '"type": "str | None"' in layout

    before = project.store_state()
    result = project.run("--cache-compat")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=4)
    assert project.store_state() == before


def test_without_update_a_project_with_nothing_recorded_fails(project: Project) -> None:
    result = project.run("--cache-compat")
    assert result.ret == 1
    out = result.stdout.str()
    assert "no layout of mypkg.models:File is recorded for v0 of family 'simple'" in out
    assert "No earlier version is recorded." in out
    assert "pytest --cache-compat --snapshot-update" in out
    assert project.store_state() == {}


# --- rule 2: a changed layout without a bump -----------------------------------------------------


def test_new_first_field_without_bump_fails_and_update_cannot_overwrite(recorded: Project) -> None:
    before = recorded.store_state()
    recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)

    result = recorded.run("--cache-compat")
    assert result.ret == 1
    out = result.stdout.str()
    assert_clean(out)
    assert "layout of mypkg.models:Hashes changed but SIMPLE_CACHE_VERSION is still 0" in out
    assert "field md5 (str | None) added at position 0 (before sha256)" in out
    assert "Fix: bump mypkg.cache:SIMPLE_CACHE_VERSION from 0 to 1" in out
    # The nesting record's bytes moved too: its serialized form names the new field.
    assert "serialized form of mypkg.models:File changed" in out
    result.assert_outcomes(passed=2, failed=2)
    assert "FAILED tests/cachecompat/simple::layout[mypkg.models:Hashes]" in out

    updated = recorded.run("--cache-compat", "--snapshot-update")
    assert updated.ret == 1
    assert "layout of mypkg.models:Hashes changed but SIMPLE_CACHE_VERSION is still 0" in (
        updated.stdout.str()
    )
    assert recorded.store_state() == before


# --- rule 3: a bump, recorded with --snapshot-update ---------------------------------------------


def test_bump_is_recorded_as_new_version_with_changelog(recorded: Project) -> None:
    v0 = recorded.store_state()
    recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)
    recorded.set_version(1)

    result = recorded.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    state = recorded.store_state()
    assert {k: v for k, v in state.items() if k.startswith("simple/v0/")} == v0
    assert {k for k in state if k.startswith("simple/v1/")} == {
        k.replace("/v0/", "/v1/") for k in v0
    }
    changes = recorded.read("tests/cachecompat/simple/v1/CHANGES.md")
    assert "Changes against v0" in changes
    assert "SIMPLE_CACHE_VERSION` bumped 0 -> 1" in changes
    assert "mypkg.models:Hashes: field md5 (str | None) added at position 0 (before sha256)" in (
        changes
    )
    assert '"name": "md5"' in recorded.read(
        "tests/cachecompat/simple/v1/mypkg.models.Hashes.layout.json"
    )

    result = recorded.run("--cache-compat")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=4)
    assert recorded.store_state() == state


def test_bump_without_update_says_which_version_and_what_changed(recorded: Project) -> None:
    before = recorded.store_state()
    recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)
    recorded.set_version(1)

    result = recorded.run("--cache-compat")
    assert result.ret == 1
    out = result.stdout.str()
    assert_clean(out)
    assert (
        "no layout of mypkg.models:Hashes is recorded for v1 of family 'simple' "
        "(SIMPLE_CACHE_VERSION was bumped from 0)" in out
    )
    assert "Changes against v0:" in out
    assert "field md5 (str | None) added at position 0 (before sha256)" in out
    assert "bumped v0 -> v1" in out  # the summary
    assert recorded.store_state() == before


# --- rule 4: versions only go up -----------------------------------------------------------------


def test_lowering_the_constant_fails_in_the_layout_items(recorded: Project) -> None:
    recorded.set_version(1)
    assert recorded.run("--cache-compat", "--snapshot-update").ret == 0
    recorded.set_version(0)
    before = recorded.store_state()

    for args in [("--cache-compat",), ("--cache-compat", "--snapshot-update")]:
        result = recorded.run(*args)
        assert result.ret == 1, result.stdout.str()  # a test failure, not a start-up error
        out = result.stdout.str()
        assert_clean(out)
        result.assert_outcomes(passed=1, failed=3)
        assert "FAILED tests/cachecompat/simple::layout[mypkg.models:File]" in out
        assert (
            "mypkg.cache:SIMPLE_CACHE_VERSION is 0, lower than v1, which is already recorded "
            "for family 'simple'" in out
        )
        assert recorded.store_state() == before


# --- rule 5: the serialized form -----------------------------------------------------------------


def test_enum_encoded_by_name_instead_of_value_is_a_serialized_form_change(
    recorded: Project,
) -> None:
    before = recorded.store_state()
    recorded.edit("mypkg/cache.py", "return obj.value", "return obj.name")

    result = recorded.run("--cache-compat", "-rA")
    assert result.ret == 1
    out = result.stdout.str()
    assert_clean(out)
    assert outcomes(result) == {
        "tests/test_plain.py::test_plain": "PASSED",
        "tests/cachecompat/simple::layout[mypkg.models:File]": "FAILED",
        "tests/cachecompat/simple::layout[mypkg.models:Hashes]": "PASSED",
        "tests/cachecompat/simple::layout[mypkg.models:Yanked]": "PASSED",
    }
    assert "serialized form of mypkg.models:File changed but SIMPLE_CACHE_VERSION is still 0" in out
    assert "layout of" not in out  # no class changed
    assert "Decoded difference (recorded -> now):" in out
    # The positional array is read through the layout: the field is named, and why.
    by_name = "(int -> str: the enum member is now written by its name instead of its value)"
    assert f"sample 0: File.yanked: 0 -> 'NO' {by_name}" in out
    assert f"sample 1: File.yanked: 1 -> 'YES' {by_name}" in out
    assert recorded.store_state() == before


# --- each structural change has its own words ----------------------------------------------------

MOVED_HASHES = """\
from __future__ import annotations

import attrs


@attrs.frozen
class Hashes:
    sha256: str | None
"""


def _move_hashes(project: Project) -> None:
    project.write("mypkg/hashes.py", MOVED_HASHES)
    project.edit(
        "mypkg/models.py",
        "@attrs.frozen\nclass Hashes:\n    sha256: str | None\n",
        "from mypkg.hashes import Hashes\n",
    )


@pytest.mark.parametrize(
    ("change", "item", "words"),
    [
        pytest.param(
            lambda p: p.edit("mypkg/models.py", "YES = 1", "YES = 2"),
            "layout[mypkg.models:Yanked]",
            "layout of mypkg.models:Yanked changed but SIMPLE_CACHE_VERSION is still 0",
            id="enum-member-value",
        ),
        pytest.param(
            lambda p: p.edit(
                "mypkg/models.py",
                "    requires_python: str | None\n    yanked: Yanked\n",
                "    yanked: Yanked\n    requires_python: str | None\n",
            ),
            "layout[mypkg.models:File]",
            "mypkg.models:File: fields reordered: filename, hashes, requires_python, yanked "
            "-> filename, hashes, yanked, requires_python",
            id="reorder",
        ),
        pytest.param(
            lambda p: p.edit("mypkg/models.py", "sha256: str | None", "sha512: str | None"),
            "layout[mypkg.models:Hashes]",
            "mypkg.models:Hashes: field renamed sha256 -> sha512 (str | None at position 0)",
            id="rename",
        ),
        pytest.param(
            _move_hashes,
            "layout[mypkg.hashes:Hashes]",
            "mypkg.models:Hashes moved to mypkg.hashes:Hashes",
            id="move",
        ),
    ],
)
def test_each_structural_change_is_explained(
    recorded: Project, change: object, item: str, words: str
) -> None:
    before = recorded.store_state()
    change(recorded)  # type: ignore[operator]

    result = recorded.run("--cache-compat")
    assert result.ret == 1
    out = result.stdout.str()
    assert_clean(out)
    assert f"FAILED tests/cachecompat/simple::{item}" in out
    assert words in out
    assert "Fix: bump mypkg.cache:SIMPLE_CACHE_VERSION from 0 to 1" in out
    assert recorded.run("--cache-compat", "--snapshot-update").ret == 1
    assert recorded.store_state() == before


def test_enum_member_value_change_is_named(recorded: Project) -> None:
    recorded.edit("mypkg/models.py", "YES = 1", "YES = 2")
    result = recorded.run("--cache-compat")
    assert result.ret == 1
    assert "mypkg.models:Yanked: member YES value changed: 1 -> 2" in result.stdout.str()


def test_moved_class_also_changes_the_type_of_the_nesting_field(recorded: Project) -> None:
    _move_hashes(recorded)
    result = recorded.run("--cache-compat")
    assert result.ret == 1
    assert (
        "mypkg.models:File: field hashes type changed: mypkg.models:Hashes -> mypkg.hashes:Hashes"
        in result.stdout.str()
    )


# --- rule 6: a dumps that is not deterministic ---------------------------------------------------


def test_non_deterministic_dumps_is_a_clear_error(project: Project) -> None:
    project.edit("mypkg/cache.py", "import attrs\n", "import time\n\nimport attrs\n")
    project.edit(
        "mypkg/cache.py",
        "msgpack.packb(_fields(file))",
        "msgpack.packb(_fields(file)) + msgpack.packb(time.time_ns())",
    )
    result = project.run("--cache-compat", "--snapshot-update")
    assert result.ret == 1
    out = result.stdout.str()
    assert_clean(out)
    assert "dumps = mypkg.cache:dumps is not deterministic" in out
    assert "sample 0 of mypkg.models:File gave different bytes" in out
    assert "samples.json" not in " ".join(project.store_state())


# --- rule 7: a bump with no layout change --------------------------------------------------------


def test_bump_without_layout_change_passes_with_a_warning(recorded: Project) -> None:
    recorded.set_version(1)
    result = recorded.run("--cache-compat", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    out = result.stdout.str()
    assert "warning: v1 was bumped from v0 with no layout change" in out
    assert "Bumped from v0 with no layout change" in recorded.read(
        "tests/cachecompat/simple/v1/CHANGES.md"
    )


# --- freeze = "released" -------------------------------------------------------------------------


@pytest.mark.parametrize("freeze", ["recorded", "released"])
def test_freeze_mode_decides_whether_an_unreleased_version_can_be_re_recorded(
    project: Project, freeze: str
) -> None:
    project.configure(f'freeze = "{freeze}"')
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    before = project.store_state()
    project.edit("mypkg/models.py", *NEW_FIRST_FIELD)

    result = project.run("--cache-compat", "--snapshot-update")
    if freeze == "recorded":
        assert result.ret == 1
        assert "layout of mypkg.models:Hashes changed but SIMPLE_CACHE_VERSION is still 0" in (
            result.stdout.str()
        )
        assert project.store_state() == before
    else:
        assert result.ret == 0, result.stdout.str()
        assert '"name": "md5"' in project.read(
            "tests/cachecompat/simple/v0/mypkg.models.Hashes.layout.json"
        )
        assert project.store_state() != before
        again = project.run("--cache-compat")
        assert again.ret == 0, again.stdout.str()


def test_released_mode_change_without_update_says_to_re_record(project: Project) -> None:
    project.configure('freeze = "released"')
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    before = project.store_state()
    project.edit("mypkg/models.py", *NEW_FIRST_FIELD)

    result = project.run("--cache-compat", "-rA")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert outcomes(result)["tests/cachecompat/simple::layout[mypkg.models:Hashes]"] == "FAILED"
    assert "layout of mypkg.models:Hashes changed but SIMPLE_CACHE_VERSION is still 0" in out
    assert 'v0 has no golden archives yet (freeze = "released")' in out
    # Both failures (Hashes' layout, File's serialized form) say so, and neither says to bump.
    # (Counted in the failure reports: with CI set, pytest repeats messages in the summary.)
    failures = out.split("short test summary info")[0]
    assert failures.count("re-record it with `pytest --cache-compat --snapshot-update`") == 2
    assert "Fix: bump" not in out
    assert_clean(out)
    assert project.store_state() == before


def test_released_mode_re_recording_rewrites_the_changelog(recorded: Project) -> None:
    recorded.configure('freeze = "released"')
    recorded.set_version(1)
    bumped = recorded.run("--cache-compat", "--snapshot-update")
    assert bumped.ret == 0, bumped.stdout.str()
    changes = "tests/cachecompat/simple/v1/CHANGES.md"
    assert "Bumped from v0 with no layout change" in recorded.read(changes)

    recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)
    result = recorded.run("--cache-compat", "--snapshot-update")
    out = result.stdout.str()
    assert result.ret == 0, out
    assert "simple v1: re-recorded;" in out
    text = recorded.read(changes)
    assert "no layout change" not in text
    assert "Changes against v0" in text
    assert "mypkg.models:Hashes: field md5 (str | None) added at position 0 (before sha256)" in text
    assert '"name": "md5"' in recorded.read(
        "tests/cachecompat/simple/v1/mypkg.models.Hashes.layout.json"
    )
    # v0 is left as it was recorded.
    assert '"name": "md5"' not in recorded.read(
        "tests/cachecompat/simple/v0/mypkg.models.Hashes.layout.json"
    )

    again = recorded.run("--cache-compat")
    assert again.ret == 0, again.stdout.str()


# --- the same family declared in a conftest ------------------------------------------------------

HOOK_CONFTEST = family_hook_conftest(rejects='["mypkg.cache:CacheMiss"]')
PLAIN_PYPROJECT = """\
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
"""


def _store_bytes(project: Project) -> dict[str, bytes]:
    return {
        path.relative_to(project.store).as_posix(): path.read_bytes()
        for path in sorted(project.store.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _failure_section(result: pytest.RunResult) -> str:
    out = result.stdout.str()
    return out[out.index("= FAILURES =") : out.index("= cache compatibility =")]


def test_conftest_hook_declaration_behaves_like_pyproject(project: Project) -> None:
    original_models = project.read("mypkg/models.py")
    runs = {}
    for how in ("pyproject", "hook"):
        if how == "hook":
            shutil.rmtree(project.store)
            project.write("mypkg/models.py", original_models)
            project.write("pyproject.toml", PLAIN_PYPROJECT)
            project.write("tests/conftest.py", HOOK_CONFTEST)
        result = project.run("--cache-compat", "--snapshot-update")
        assert result.ret == 0, result.stdout.str()
        recorded = _store_bytes(project)
        project.edit("mypkg/models.py", *NEW_FIRST_FIELD)
        failing = project.run("--cache-compat")
        assert failing.ret == 1
        runs[how] = (recorded, _failure_section(failing))

    assert runs["hook"][0] == runs["pyproject"][0]
    assert runs["hook"][1] == runs["pyproject"][1]
    assert "field md5 (str | None) added at position 0" in runs["hook"][1]


# --- xdist ---------------------------------------------------------------------------------------


def test_xdist_records_a_bump_exactly_like_one_process(recorded: Project) -> None:
    """Rule 3 under ``-n 2`` (outcomes of ``-n 2`` checks: test_collection.py)."""
    recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)
    recorded.set_version(1)
    assert recorded.run("--cache-compat", "--snapshot-update").ret == 0
    single_files = _store_bytes(recorded)
    shutil.rmtree(recorded.store / "simple" / "v1")

    result = recorded.run("--cache-compat", "--snapshot-update", "-n", "2", "-rA")
    assert result.ret == 0, result.stdout.str()
    assert len(outcomes(result)) == 4
    assert _store_bytes(recorded) == single_files
    assert "v1: recorded" in result.stdout.str()


# --- a partial recording can be completed --------------------------------------------------------


def test_a_bump_recorded_for_one_item_can_be_completed(recorded: Project) -> None:
    """``--snapshot-update -k Hashes`` must not freeze v1 with File and Yanked missing."""
    recorded.edit("mypkg/models.py", *NEW_FIRST_FIELD)
    recorded.set_version(1)
    partial = recorded.run("--cache-compat", "--snapshot-update", "-k", "Hashes")
    assert partial.ret == 0, partial.stdout.str()
    assert "v1: partially recorded (no layout yet for mypkg.models:File, mypkg.models:Yanked)" in (
        partial.stdout.str()
    )
    assert not (recorded.store / "simple" / "v1" / "CHANGES.md").exists()

    check = recorded.run("--cache-compat")
    assert check.ret == 1
    assert "no layout of mypkg.models:File is recorded for v1" in check.stdout.str()

    complete = recorded.run("--cache-compat", "--snapshot-update")
    assert complete.ret == 0, complete.stdout.str()
    changes = recorded.read("tests/cachecompat/simple/v1/CHANGES.md")
    assert "record removed" not in changes and "record added" not in changes
    assert "mypkg.models:Hashes: field md5 (str | None) added at position 0" in changes
    assert recorded.run("--cache-compat").ret == 0


def test_first_recording_with_an_erroring_item_can_be_completed_after_the_fix(
    project: Project,
) -> None:
    project.edit("mypkg/cache.py", "def dumps(file):\n", "def dumps(file):\n    1 / 0\n")
    first = project.run("--cache-compat", "--snapshot-update")
    assert first.ret == 1
    assert "raised ZeroDivisionError" in first.stdout.str()
    project.edit("mypkg/cache.py", "    1 / 0\n", "")

    fixed = project.run("--cache-compat", "--snapshot-update")
    assert fixed.ret == 0, fixed.stdout.str()
    assert set(project.store_state()) == LAYOUT_FILES
    assert project.run("--cache-compat").ret == 0


def test_a_new_record_after_a_complete_recording_needs_a_bump(recorded: Project) -> None:
    before = recorded.store_state()
    recorded.write(
        "mypkg/extra.py",
        "import attrs\n\n\n@attrs.frozen\nclass Extra:\n    size: int\n",
    )
    recorded.edit(
        "pyproject.toml",
        'records = ["mypkg.models:File"]',
        'records = ["mypkg.models:File", "mypkg.extra:Extra"]',
    )
    result = recorded.run("--cache-compat", "--snapshot-update")
    assert result.ret == 1
    assert "layout of mypkg.extra:Extra changed but SIMPLE_CACHE_VERSION is still 0" in (
        result.stdout.str()
    )
    assert recorded.store_state() == before


def test_opaque_version_tags_do_not_claim_a_history(recorded: Project) -> None:
    """Tags that are neither ints nor PEP 440 versions have no order: nothing is compared."""
    recorded.set_version("alpha")
    assert recorded.run("--cache-compat", "--snapshot-update").ret == 0
    recorded.set_version("beta")

    missing = recorded.run("--cache-compat")

    assert missing.ret == 1
    out = missing.stdout.str()
    assert "No earlier version is recorded." not in out
    assert "'beta' is not a number or a PEP 440 version" in out
    assert recorded.run("--cache-compat", "--snapshot-update").ret == 0
    changes = recorded.read("tests/cachecompat/simple/vbeta/CHANGES.md")
    assert "First recorded version" not in changes
    assert "Also recorded: v0, valpha" in changes or "Also recorded: valpha, v0" in changes
