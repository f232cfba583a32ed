"""Golden archives (docs/golden.md): freezing, and loading every archive with the current loads.

Each test drives real pytest sessions on the little ``mypkg`` project of
``conftest.py``: it freezes archives, edits the project the way a developer
would (bumps, new fields, careless loaders) and checks what the run says.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Project

V0 = "tests/cachecompat/simple/v0"
V1 = "tests/cachecompat/simple/v1"
ARCHIVE_0 = "archives/mypkg.models.File-0.bin"  # File("filename", Hashes("hashes.sha256"), ...)
ARCHIVE_1 = "archives/mypkg.models.File-1.bin"  # File("filename", Hashes(None), None, YES)
GOLDEN_V0 = "tests/cachecompat/simple::golden[v0]"
GOLDEN_V1 = "tests/cachecompat/simple::golden[v1]"

# The loaders below replace `def loads` of the project's mypkg/cache.py.

# Ignores the version header and decodes positional arrays leniently (missing
# trailing fields become None, extra ones are dropped): v0's sha256 lands in
# v1's new first field md5, and v0 code reads v1's md5 as its sha256.
MISREADING_LOADS = """\
def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    next(unpacker)  # the version header, never looked at
    filename, hashes, requires_python, yanked = next(unpacker)
    width = len(attrs.fields(Hashes))
    hashes = (list(hashes) + [None] * width)[:width]
    return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))
"""

# Ignores the version header and indexes into the hashes array: IndexError on v0 data.
INDEXING_LOADS = """\
def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    next(unpacker)
    filename, hashes, requires_python, yanked = next(unpacker)
    md5 = hashes[0]
    sha256 = hashes[1]
    return File(filename, Hashes(md5, sha256), requires_python, Yanked(yanked))
"""

# Correct for the current version, but never returns for an entry without requires_python.
HANGING_LOADS = """\
def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    version = next(unpacker)
    filename, hashes, requires_python, yanked = next(unpacker)
    while requires_python is None: pass  # never returns
    return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))
"""

# Returns None for an entry of another version instead of raising CacheMiss.
NONE_LOADS = """\
def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    version = next(unpacker)
    if version != SIMPLE_CACHE_VERSION:
        return None
    filename, hashes, requires_python, yanked = next(unpacker)
    return File(filename, Hashes(*hashes), requires_python, Yanked(yanked))
"""

# Hands back the raw positional array instead of a File.
RAW_LOADS = """\
def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    next(unpacker)
    return next(unpacker)
"""

# Builds a File without running __init__: reading its fields raises AttributeError.
HOLLOW_LOADS = """\
def loads(data):
    return object.__new__(File)
"""


def replace_loads(project: Project, body: str) -> None:
    text = project.read("mypkg/cache.py")
    head = text[: text.index("def loads(data):")]
    project.write("mypkg/cache.py", head + body)


def add_md5(project: Project) -> None:
    """The README.md's change: a new first field in Hashes."""
    project.edit(
        "mypkg/models.py",
        "class Hashes:\n    sha256: str | None",
        "class Hashes:\n    md5: str | None\n    sha256: str | None",
    )


def frozen_v0(project: Project) -> Project:
    result = project.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    return project


def bump_to_v1(project: Project) -> None:
    """Add md5, bump the constant, record v1's layouts (the golden checks may fail meanwhile)."""
    add_md5(project)
    project.set_version(1)
    result = project.run("--cache-compat", "--snapshot-update", "-m", "cachecompat_layout")
    assert result.ret == 0, result.stdout.str()


def manifest(project: Project, folder: str = V0) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(project.read(f"{folder}/MANIFEST.json"))
    return document


def output(result: pytest.RunResult) -> str:
    return result.stdout.str()


def assert_line(result: pytest.RunResult, start: str) -> None:
    """Some line of the output starts with ``start`` (node ids hold [], which fnmatch reads)."""
    assert any(line.startswith(start) for line in result.stdout.lines), output(result)


@pytest.fixture
def frozen(recorded: Project) -> Project:
    """The project with v0 recorded and frozen."""
    return frozen_v0(recorded)


# --- 1. freezing ------------------------------------------------------------------------


def test_freeze_writes_v0_archives_and_a_readable_manifest(recorded: Project) -> None:
    result = recorded.run("--cache-compat", "--cache-compat-freeze")

    assert result.ret == 0, output(result)
    result.stdout.fnmatch_lines(["*simple v0: froze 2 archives in *simple/v0*"])
    document = manifest(recorded)
    assert document["family"] == "simple"
    assert document["version"] == "0"
    assert document["version_ref"] == "mypkg.cache:SIMPLE_CACHE_VERSION"
    assert set(document["written_by"]) >= {"version"}
    files = [entry["file"] for entry in document["archives"]]
    assert files == [ARCHIVE_0, ARCHIVE_1]
    for entry in document["archives"]:
        data = (recorded.root / V0 / entry["file"]).read_bytes()
        import hashlib

        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
        assert entry["record"] == "mypkg.models:File"
    # The expected value is class-independent: plain JSON with type names.
    first = document["archives"][0]["expected"]
    assert first["$record"] == "mypkg.models:File"
    assert first["fields"]["hashes"] == {
        "$record": "mypkg.models:Hashes",
        "fields": {"sha256": "hashes.sha256"},
    }
    assert first["fields"]["yanked"] == {"$enum": "mypkg.models:Yanked", "name": "NO", "value": 0}
    # The archive holds exactly what the project's dumps wrote.
    data = (recorded.root / V0 / ARCHIVE_0).read_bytes()
    assert data.startswith(b"\x00\x94\xa8filename")


def test_manifest_names_the_distribution_version_that_wrote_it(recorded: Project) -> None:
    dist_info = recorded.root / "mypkg-2.5.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: mypkg\nVersion: 2.5.0\n")
    (dist_info / "top_level.txt").write_text("mypkg\n")

    result = recorded.run_subprocess("--cache-compat", "--cache-compat-freeze")

    assert result.ret == 0, output(result)
    assert manifest(recorded)["written_by"] == {"distribution": "mypkg", "version": "2.5.0"}


def test_manifest_falls_back_to_the_package_version(recorded: Project) -> None:
    recorded.write("mypkg/__init__.py", '__version__ = "0.7.1"\n')

    result = recorded.run("--cache-compat", "--cache-compat-freeze")

    assert result.ret == 0, output(result)
    assert manifest(recorded)["written_by"] == {"module": "mypkg", "version": "0.7.1"}


def test_second_freeze_changes_nothing_and_says_so(frozen: Project) -> None:
    before = frozen.store_state()
    mtimes = {p: p.stat().st_mtime_ns for p in (frozen.root / V0).rglob("*") if p.is_file()}

    result = frozen.run("--cache-compat", "--cache-compat-freeze")

    assert result.ret == 0, output(result)
    result.stdout.fnmatch_lines(["*simple v0: already frozen (2 archives); nothing changed*"])
    assert frozen.store_state() == before
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


def test_collect_only_never_freezes(recorded: Project) -> None:
    before = recorded.store_state()
    result = recorded.run("--cache-compat", "--cache-compat-freeze", "--co")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*--cache-compat-freeze skipped: --collect-only writes nothing*"])
    assert recorded.store_state() == before


def test_freeze_never_rewrites_a_listed_archive_even_when_dumps_changed(frozen: Project) -> None:
    """A serializer change at the same version does not sneak into the archives."""
    before = frozen.store_state()
    frozen.edit("mypkg/cache.py", "msgpack.packb(_fields(file))", "msgpack.packb([_fields(file)])")

    result = frozen.run("--cache-compat", "--cache-compat-freeze", "-m", "cachecompat_golden")

    assert "already frozen" in output(result)
    assert frozen.store_state() == before


@pytest.mark.slow
def test_freeze_under_xdist_is_done_once_by_the_controller(recorded: Project) -> None:
    result = recorded.run("-n", "2", "--cache-compat", "--cache-compat-freeze")

    assert result.ret == 0, output(result)
    assert output(result).count("froze 2 archives") == 1
    assert "already frozen" not in output(result)
    # The workers collected and checked the archives the controller had just written.
    result.assert_outcomes(passed=5)
    assert "archives v0 (current): 2 loaded" in output(result)
    assert [e["file"] for e in manifest(recorded)["archives"]] == [ARCHIVE_0, ARCHIVE_1]


def test_freeze_refuses_a_version_whose_layout_changed_since_it_was_recorded(
    recorded: Project,
) -> None:
    add_md5(recorded)  # no bump: these bytes are not what users' v0 caches hold

    result = recorded.run("--cache-compat", "--cache-compat-freeze")

    assert result.ret == 1
    out = output(result)
    assert "freeze of simple v0 failed" in out
    assert "layout" in out and "mypkg.models:Hashes" in out
    assert not (recorded.root / V0 / "MANIFEST.json").exists()
    assert not (recorded.root / V0 / "archives").exists()


# --- items, markers, reports ------------------------------------------------------------


def test_golden_items_are_named_marked_and_selectable(frozen: Project) -> None:
    result = frozen.run("--cache-compat", "--co", "-q", "-m", "cachecompat_golden")
    assert result.ret == 0, output(result)
    assert GOLDEN_V0 in output(result).splitlines()
    # Nothing deselected: -m cachecompat_golden cannot select a layout item, so
    # none is built, and the ordinary test file is not collected at all.
    assert "1 test collected" in output(result)
    assert "deselected" not in output(result)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden", "-v")
    assert result.ret == 0, output(result)
    assert_line(result, f"{GOLDEN_V0} PASSED")
    result.assert_outcomes(passed=1)

    result = frozen.run("--cache-compat", "-m", "cachecompat", "-v", "-k", "golden")
    result.assert_outcomes(passed=1, deselected=3)


def test_no_golden_items_before_a_freeze(recorded: Project) -> None:
    result = recorded.run("--cache-compat", "--co", "-q", "-m", "cachecompat_golden")
    assert "golden[" not in output(result)


def test_junit_xml_has_the_golden_testcase(frozen: Project) -> None:
    replace_loads(frozen, RAW_LOADS)
    xml = frozen.root / "junit.xml"

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden", f"--junitxml={xml}")

    assert result.ret == 1
    cases = {case.get("name"): case for case in ET.parse(xml).iter("testcase")}
    assert "golden[v0]" in cases
    failure = cases["golden[v0]"].find("failure")
    assert failure is not None
    assert ARCHIVE_0 in (failure.text or "") + (failure.get("message") or "")


# --- 2. a bump with a careful loader: clean rejection -------------------------------------


def test_bump_with_header_check_rejects_old_archives_cleanly(frozen: Project) -> None:
    bump_to_v1(frozen)

    result = frozen.run("--cache-compat", "-v")

    assert result.ret == 0, output(result)
    assert_line(result, f"{GOLDEN_V0} PASSED")
    assert "archives v0 (older): 2 rejected" in output(result)


# --- 3. a bump with a careless loader: silent misread -------------------------------------


def test_loader_that_ignores_the_header_misreads_old_archives(frozen: Project) -> None:
    bump_to_v1(frozen)
    replace_loads(frozen, MISREADING_LOADS)

    result = frozen.run("--cache-compat")

    assert result.ret == 1
    out = output(result)
    assert f"golden archive {V0}/{ARCHIVE_0} " in out  # relative to the rootdir
    assert "older version 0" in out
    assert "record mypkg.models:File" in out
    assert "silent misread" in out
    assert "File.hashes.sha256: expected 'hashes.sha256', got None" in out
    # Where the value went: the new field now holds the old sha256.
    assert "hashes.md5 = 'hashes.sha256'" in out
    # The other v0 archive held no hash, so it reads the same either way.
    assert "archives v0 (older): 1 failed, 1 loaded" in out
    assert_line(result, f"FAILED {GOLDEN_V0}")


def test_loader_returning_another_type_fails(frozen: Project) -> None:
    replace_loads(frozen, RAW_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = output(result)
    assert f"{V0}/{ARCHIVE_0}" in out
    assert "current version 0" in out
    assert "wrong type: expected mypkg.models:File, got list" in out


def test_loader_returning_an_unreadable_value_fails_clearly(frozen: Project) -> None:
    replace_loads(frozen, HOLLOW_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = output(result)
    assert f"{V0}/{ARCHIVE_0}" in out
    assert "loads returned a mypkg.models.File whose value cannot be read" in out
    assert "AttributeError" in out
    assert "unexpected exception" not in out
    assert "canonical.py" not in out  # the plugin's own frames are noise


# --- 4. a loader that crashes on old data ---------------------------------------------------


def test_loader_crashing_on_old_data_fails_with_its_traceback(frozen: Project) -> None:
    bump_to_v1(frozen)
    replace_loads(frozen, INDEXING_LOADS)

    result = frozen.run("--cache-compat")

    assert result.ret == 1
    out = output(result)
    assert f"golden archive {V0}/{ARCHIVE_0}" in out
    assert "older version 0" in out
    assert "unexpected exception builtins.IndexError: list index out of range" in out
    assert "not one of the family's `rejects`" in out
    # The loader's own frame and line, not the plugin's.
    assert 'File "mypkg/cache.py"' in out
    assert "sha256 = hashes[1]" in out
    assert "archives v0 (older): 2 failed" in out


# --- 5. an edited archive -------------------------------------------------------------------


def test_an_edited_archive_fails_and_nothing_is_rewritten(frozen: Project) -> None:
    path = frozen.root / V0 / ARCHIVE_0
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    edited = frozen.store_state()

    result = frozen.run("--cache-compat")
    again = frozen.run("--cache-compat", "--cache-compat-freeze")

    for run in (result, again):
        assert run.ret == 1
        out = output(run)
        assert f"golden archive {V0}/{ARCHIVE_0} was edited" in out
        assert "restore it from version control" in out
        assert "archives v0 (current): 1 failed, 1 loaded" in out
    assert "already frozen" in output(again)
    assert frozen.store_state() == edited


def test_an_archive_copied_into_another_version_folder_fails(frozen: Project) -> None:
    document = manifest(frozen)
    document["version"] = "7"
    (frozen.root / V0 / "MANIFEST.json").write_text(json.dumps(document))

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    assert "says family 'simple' version 7 but lies in" in output(result)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text[:-20], "not valid JSON"),
        (lambda text: text.replace('"archives"', '"archive"'), "malformed manifest (KeyError"),
        (
            lambda text: text.replace('"size": ', '"size": "many", "old_size": '),
            "malformed manifest (ValueError",
        ),
    ],
    ids=["truncated", "missing-key", "bad-value"],
)
def test_an_unparsable_manifest_fails_naming_it(
    frozen: Project, damage: Callable[[str], str], message: str
) -> None:
    path = frozen.root / V0 / "MANIFEST.json"
    path.write_text(damage(path.read_text()))
    broken = frozen.store_state()

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")
    again = frozen.run("--cache-compat", "--cache-compat-freeze")

    assert result.ret == 1
    out = output(result)
    assert f"{V0}/MANIFEST.json: {message}" in out
    assert "Traceback" not in out
    assert_line(result, f"FAILED {GOLDEN_V0}")
    assert again.ret == 1
    assert f"freeze of simple v0 failed: {V0}/MANIFEST.json: {message}" in output(again)
    assert frozen.store_state() == broken


def test_a_listed_but_missing_archive_fails(frozen: Project) -> None:
    path = frozen.root / V0 / ARCHIVE_1
    path.unlink()

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = output(result)
    assert f"golden archive {V0}/{ARCHIVE_1} is listed in {V0}/MANIFEST.json but missing" in out
    assert "archives v0 (current): 1 failed, 1 loaded" in out
    assert not path.exists()


# --- 6. the downgrade run ---------------------------------------------------------------------


def _store_with_v1_archives(project: Project) -> None:
    frozen_v0(project)
    models, cache = project.read("mypkg/models.py"), project.read("mypkg/cache.py")
    bump_to_v1(project)
    result = project.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, output(result)
    assert "simple v1: froze 2 archives" in output(result)
    # Back to the previous release's code.
    project.write("mypkg/models.py", models)
    project.write("mypkg/cache.py", cache)


def test_old_code_rejects_newer_archives_cleanly(recorded: Project) -> None:
    _store_with_v1_archives(recorded)

    result = recorded.run("--cache-compat", "-m", "cachecompat_golden", "-v")

    assert result.ret == 0, output(result)
    assert_line(result, f"{GOLDEN_V0} PASSED")
    assert_line(result, f"{GOLDEN_V1} PASSED")
    result.assert_outcomes(passed=2)
    out = output(result)
    assert "archives v0 (current): 2 loaded" in out
    assert "archives v1 (newer): 2 rejected" in out


def test_old_code_that_misreads_newer_archives_fails(recorded: Project) -> None:
    _store_with_v1_archives(recorded)
    replace_loads(recorded, MISREADING_LOADS)

    result = recorded.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = output(result)
    assert f"golden archive {V1}/{ARCHIVE_0}" in out
    assert "newer version 1" in out
    # v0 code reads v1's [md5, sha256] and keeps only the first: the md5 value.
    assert "File.hashes.sha256: expected 'hashes.sha256', got 'hashes.md5'" in out


# --- 7. time-outs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message", "where"),
    [
        (
            "timeout = 0.5",
            "time-out: loads did not return within 0.5 s",
            # In process, the failure shows where the loader was stuck.
            [
                'File "mypkg/cache.py", line 30, in loads',
                "while requires_python is None: pass  # never returns",
            ],
        ),
        (
            "timeout = 0.5\nisolate = true",
            "time-out: loads did not return within 0.5 s (worker process killed)",
            [],
        ),
    ],
    ids=["in-process", "isolated"],
)
def test_a_loader_that_never_returns_times_out_and_the_rest_is_checked(
    frozen: Project, config: str, message: str, where: list[str]
) -> None:
    frozen.configure(config)
    replace_loads(frozen, HANGING_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = output(result)
    assert f"golden archive {V0}/{ARCHIVE_1}" in out
    assert message in out
    for line in where:
        assert line in out
    assert f"{V0}/{ARCHIVE_0}" not in out
    assert "archives v0 (current): 1 failed, 1 loaded" in out


def test_isolated_loader_reports_unreadable_values(frozen: Project) -> None:
    frozen.configure("isolate = true")
    replace_loads(frozen, HOLLOW_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    assert "loads returned a mypkg.models.File whose value cannot be read" in output(result)


def test_timeout_at_the_top_of_the_table_applies_to_every_family(frozen: Project) -> None:
    text = frozen.read("pyproject.toml")
    frozen.write(
        "pyproject.toml",
        text.replace(
            "[tool.cachecompat.families.simple]",
            "[tool.cachecompat]\ntimeout = 0.5\n\n[tool.cachecompat.families.simple]",
        ),
    )
    replace_loads(frozen, HANGING_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    assert "did not return within 0.5 s" in output(result)


# --- pins and miss values ---------------------------------------------------------------------


def test_expect_load_pin_makes_a_clean_rejection_fail(frozen: Project) -> None:
    bump_to_v1(frozen)
    frozen.configure('expect = { "0" = "load" }')

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = output(result)
    assert f"golden archive {V0}/{ARCHIVE_0}" in out
    assert "rejected (mypkg.cache.CacheMiss: entry written by cache version 0)" in out
    assert "expect = 'load'" in out


def test_expect_reject_pin_makes_a_load_fail(frozen: Project) -> None:
    bump_to_v1(frozen)
    frozen.configure('expect = { "0" = "reject" }')
    replace_loads(frozen, MISREADING_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = output(result)
    # The archive without hashes loads equal, but v0 is pinned to rejection.
    assert f"golden archive {V0}/{ARCHIVE_1}" in out
    assert "expect = 'reject'" in out


def test_miss_none_makes_a_returned_none_a_clean_rejection(frozen: Project) -> None:
    bump_to_v1(frozen)
    frozen.configure('miss = "none"')
    replace_loads(frozen, NONE_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 0, output(result)
    assert "archives v0 (older): 2 rejected" in output(result)


def test_a_returned_none_without_miss_fails_and_says_to_declare_it(frozen: Project) -> None:
    bump_to_v1(frozen)
    replace_loads(frozen, NONE_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = output(result)
    assert f"golden archive {V0}/{ARCHIVE_0}" in out
    assert "loads returned None, but the family declares no miss value" in out
    assert 'set miss = "none"' in out


def test_current_archive_returning_the_miss_value_fails(frozen: Project) -> None:
    frozen.configure('miss = "none"')
    replace_loads(frozen, "def loads(data):\n    return None\n")

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    assert "returned the miss value None but it must load (it is the current version)" in output(
        result
    )


# --- xdist --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("loads", "config", "outcome", "expected"),
    [
        (None, "", "passed", "archives v0 (older): 2 rejected"),
        (MISREADING_LOADS, "", "failed", "File.hashes.sha256: expected 'hashes.sha256', got None"),
        (INDEXING_LOADS, "", "failed", "sha256 = hashes[1]"),
        (HANGING_LOADS, "timeout = 0.5", "failed", "did not return within 0.5 s"),
    ],
    ids=["rejected", "misread", "crash", "timeout"],
)
def test_xdist_gives_the_same_outcomes(
    frozen: Project, loads: str | None, config: str, outcome: str, expected: str
) -> None:
    if loads is HANGING_LOADS:
        replace_loads(frozen, loads)  # at v0, where the other archive loads
    else:
        bump_to_v1(frozen)
        if loads is not None:
            replace_loads(frozen, loads)
    frozen.configure(config)

    single = frozen.run("--cache-compat", "-m", "cachecompat_golden")
    spread = frozen.run("--cache-compat", "-m", "cachecompat_golden", "-n", "2")

    single.assert_outcomes(**{outcome: 1})
    spread.assert_outcomes(**{outcome: 1})
    assert single.ret == spread.ret
    for result in (single, spread):
        assert expected in output(result)
    summary = [line for line in output(single).splitlines() if line.startswith("  archives v0")]
    assert summary
    assert all(line in output(spread) for line in summary)


def test_expect_pin_on_the_current_version_is_ignored(recorded: Project) -> None:
    recorded.configure('expect = { "0" = "reject" }')
    freeze = recorded.run("--cache-compat", "--cache-compat-freeze")
    assert freeze.ret == 0, output(freeze)

    result = recorded.run("--cache-compat", "-rA")

    out = output(result)
    assert result.ret == 0, out
    assert_line(result, f"PASSED {GOLDEN_V0}")
    assert "archives v0 (current): 2 loaded" in out
    assert "expect = 'reject'" not in out


# --- the summary of a family whose manifest cannot be read -----------------------------------


def test_an_unreadable_manifest_fails_the_family_in_the_summary_and_report(
    frozen: Project,
) -> None:
    path = frozen.root / V0 / "MANIFEST.json"
    path.write_text("{ not json", encoding="utf-8")

    result = frozen.run("--cache-compat", "--cache-compat-report=report.json")

    out = output(result)
    assert result.ret == 1, out
    assert f"{V0}/MANIFEST.json: not valid JSON" in out
    assert_line(result, f"FAILED {GOLDEN_V0}")
    assert "simple: mypkg.cache:SIMPLE_CACHE_VERSION = 0; recorded: v0; failed" in result.outlines
    assert "simple: mypkg.cache:SIMPLE_CACHE_VERSION = 0; recorded: v0; passed" not in out
    report = json.loads(frozen.read("report.json"))
    assert report["outcome"] == "failed"
    (family,) = report["families"]
    assert family["outcome"] == "failed"
    (golden,) = family["golden"]
    assert (golden["version"], golden["outcome"]) == ("0", "failed")
