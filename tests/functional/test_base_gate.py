"""``--cache-compat-base=REF``: the pull-request gate, against real git repositories."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import pytest
from helpers import CARELESS_LOADS

from pytest_cachecompat.gates import guarded_kind

if TYPE_CHECKING:
    from conftest import Project

HASHES = "class Hashes:\n    sha256: str | None\n"
HASHES_WITH_BLAKE2 = "class Hashes:\n    sha256: str | None\n    blake2b: str | None = None\n"
V0 = "tests/cachecompat/simple/v0"


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "--no-gpg-sign", "-m", message)


@pytest.fixture
def main_frozen(recorded: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A git repository whose ``main`` has v0 recorded and frozen, and a branch checked out."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(recorded.root.parent))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    result = recorded.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    assert (recorded.root / V0 / "MANIFEST.json").is_file()
    recorded.write(".gitignore", "__pycache__/\n.cachecompat.lock\n")
    git(recorded.root, "init", "-q", "-b", "main")
    commit_all(recorded.root, "record and freeze v0")
    git(recorded.root, "checkout", "-q", "-b", "feature")
    return recorded


def test_rerecording_a_deleted_version_passes_alone_but_fails_against_base(
    main_frozen: Project,
) -> None:
    project = main_frozen
    project.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    shutil.rmtree(project.root / V0)
    update = project.run("--cache-compat", "--snapshot-update")
    assert update.ret == 0, update.stdout.str()
    commit_all(project.root, "re-record v0 without a bump")

    alone = project.run("--cache-compat")
    assert alone.ret == 0, alone.stdout.str()

    gated = project.run("--cache-compat", "--cache-compat-base=main")
    out = gated.stdout.str()
    assert gated.ret == 1, out
    assert (
        f"FAILED: {V0}/mypkg.models.Hashes.layout.json: recorded layout rewritten since main" in out
    )
    assert (
        f"{V0}/mypkg.models.File.samples.json: recorded serialized form rewritten since main" in out
    )
    assert f"{V0}/MANIFEST.json: golden manifest deleted since main" in out
    assert f"{V0}/archives/mypkg.models.File-0.bin: golden archive deleted since main" in out
    assert f"git checkout main -- {V0}/mypkg.models.Hashes.layout.json" in out
    # Files that are byte-identical to main are not blamed.
    assert "Yanked.layout.json" not in out


def test_edited_archive_and_uncommitted_deletion_fail(main_frozen: Project) -> None:
    project = main_frozen
    archive = project.root / V0 / "archives" / "mypkg.models.File-1.bin"
    archive.write_bytes(archive.read_bytes() + b"\x00")
    (project.root / V0 / "mypkg.models.Yanked.layout.json").unlink()

    result = project.run("--cache-compat", "--cache-compat-base=main", "-m", "cachecompat")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert f"{V0}/archives/mypkg.models.File-1.bin: golden archive rewritten since main" in out
    assert f"{V0}/mypkg.models.Yanked.layout.json: recorded layout deleted since main" in out


def test_bump_and_record_passes_base_and_reports_the_bump(main_frozen: Project) -> None:
    project = main_frozen
    project.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    project.set_version(1)
    update = project.run("--cache-compat", "--snapshot-update")
    assert update.ret == 0, update.stdout.str()
    commit_all(project.root, "bump to v1")

    result = project.run(
        "--cache-compat", "--cache-compat-base=main", "--cache-compat-report=report.json"
    )
    out = result.stdout.str()
    assert result.ret == 0, out
    assert "bumped v0 -> v1 (since main)" in out

    report = json.loads((project.root / "report.json").read_text(encoding="utf-8"))
    assert report["outcome"] == "passed"
    assert report["base"]["ref"] == "main"
    assert report["base"]["commit"] == git(project.root, "rev-parse", "main").strip()
    (family,) = report["families"]
    assert family["name"] == "simple"
    assert family["version"] == 1
    assert family["recorded_versions"] == [0, 1]
    bump = family["bump"]
    assert (bump["from"], bump["to"], bump["since"]) == (0, 1, "main")
    assert bump["records"] == ["mypkg.models:Hashes"]
    assert any("blake2b" in change["text"] for change in bump["changes"]), bump


def test_lowering_a_version_recorded_at_base_fails(main_frozen: Project) -> None:
    project = main_frozen
    git(project.root, "checkout", "-q", "main")
    project.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    project.set_version(1)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    commit_all(project.root, "v1")
    git(project.root, "checkout", "-q", "-b", "revert-v1")
    # The branch goes back to v0 and removes every trace of v1.
    project.edit("mypkg/models.py", HASHES_WITH_BLAKE2, HASHES)
    project.set_version(0)
    shutil.rmtree(project.root / "tests/cachecompat/simple/v1")

    assert project.run("--cache-compat").ret == 0
    result = project.run("--cache-compat", "--cache-compat-base=main")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert (
        "family 'simple': mypkg.cache:SIMPLE_CACHE_VERSION is 0 here but v1 was recorded at main"
        in out
    )
    assert (
        "tests/cachecompat/simple/v1/mypkg.models.Hashes.layout.json: recorded layout deleted"
        in out
    )


def test_new_family_folder_and_new_files_are_free(main_frozen: Project) -> None:
    project = main_frozen
    project.set_version(1)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    result = project.run("--cache-compat", "--cache-compat-base=main")
    assert result.ret == 0, result.stdout.str()
    assert "FAILED" not in result.stdout.str()


def test_store_in_a_subfolder_of_the_repository(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pytest rootdir is ``app/`` inside the repository: paths are given from the repo top."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.root.parent))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    app = project.root / "app"
    app.mkdir()
    for name in ("pyproject.toml", "mypkg", "tests"):
        shutil.move(project.root / name, app / name)
    monkeypatch.chdir(app)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    git(project.root, "init", "-q", "-b", "main")
    commit_all(project.root, "v0")
    (app / V0 / "mypkg.models.Hashes.layout.json").write_text("{}\n", encoding="utf-8")

    result = project.run("--cache-compat", "--cache-compat-base=main")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert f"app/{V0}/mypkg.models.Hashes.layout.json: recorded layout rewritten since main" in out


def test_unknown_ref_is_a_usage_error(main_frozen: Project) -> None:
    result = main_frozen.run("--cache-compat", "--cache-compat-base=origin/nope")
    err = result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + err
    assert "cachecompat: --cache-compat-base=origin/nope: unknown git ref 'origin/nope'" in err
    assert "fetch-depth" in err
    assert "Traceback" not in err + result.stdout.str()


def test_not_a_git_checkout_is_a_usage_error(
    recorded: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(recorded.root.parent))
    result = recorded.run("--cache-compat", "--cache-compat-base=main")
    err = result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + err
    assert f"--cache-compat-base=main: {recorded.root} is not inside a git checkout" in err
    assert "Traceback" not in err + result.stdout.str()


def test_git_missing_is_a_usage_error(
    main_frozen: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = main_frozen.run("--cache-compat", "--cache-compat-base=main")
    err = result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + err
    assert "--cache-compat-base=main: git is not installed or not on PATH" in err


def test_shallow_clone_with_the_base_fetched(main_frozen: Project, tmp_path: Path) -> None:
    """The CI case: a depth-1 clone of the branch, then a depth-1 fetch of the base."""
    project = main_frozen
    project.edit("mypkg/models.py", HASHES, HASHES_WITH_BLAKE2)
    project.set_version(1)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    commit_all(project.root, "bump to v1")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", "--branch=feature", project.root.as_uri(), str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"

    unknown = _run_in(project, clone, "--cache-compat-base=origin/main")
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR, unknown.stdout.str()
    assert "unknown git ref 'origin/main'" in unknown.stderr.str()
    assert "(a shallow clone)" in unknown.stderr.str()

    git(clone, "fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main")
    fetched = _run_in(project, clone, "--cache-compat-base=origin/main")
    out = fetched.stdout.str()
    assert fetched.ret == 0, out
    assert "bumped v0 -> v1 (since origin/main)" in out


def _run_in(project: Project, folder: Path, *args: str) -> pytest.RunResult:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        return project.run("--cache-compat", "-m", "cachecompat", *args)


# --- fuzz regression archives ---------------------------------------------------------------------


def save_fuzz_regressions(project: Project, count: int) -> None:
    """Fuzz v0 with a careless loader, keep the crashing inputs, then restore the careful one."""
    careful = project.read("mypkg/cache.py")
    head = careful[: careful.index("def loads(data):")]
    project.write("mypkg/cache.py", head + CARELESS_LOADS)
    saved = project.run(
        "--cache-compat",
        "-m",
        "cachecompat_golden",
        f"--cache-compat-fuzz={count}",
        "--cache-compat-fuzz-save",
    )
    assert saved.ret == 1, saved.stdout.str()
    assert "REGRESSIONS.json (expect = 'reject')" in saved.stdout.str()
    project.write("mypkg/cache.py", careful)


@pytest.fixture
def main_with_regressions(main_frozen: Project) -> Project:
    """``main`` also holds v0/REGRESSIONS.json (kept by a fuzz run); a new branch is checked out."""
    project = main_frozen
    git(project.root, "checkout", "-q", "main")
    save_fuzz_regressions(project, 20)
    checked = project.run("--cache-compat")
    assert checked.ret == 0, checked.stdout.str()
    commit_all(project.root, "keep fuzz regressions")
    git(project.root, "checkout", "-q", "-b", "regressions")
    return project


def test_deleting_the_fuzz_regression_list_fails_against_base(
    main_with_regressions: Project,
) -> None:
    project = main_with_regressions
    (project.root / V0 / "REGRESSIONS.json").unlink()
    commit_all(project.root, "drop the fuzz regressions")

    alone = project.run("--cache-compat")
    assert alone.ret == 0, alone.stdout.str()

    result = project.run("--cache-compat", "--cache-compat-base=main")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert f"FAILED: {V0}/REGRESSIONS.json: fuzz regression list deleted since main" in out
    assert f"git checkout main -- {V0}/REGRESSIONS.json" in out


def test_adding_fuzz_regressions_passes_against_base(main_with_regressions: Project) -> None:
    project = main_with_regressions
    path = project.root / V0 / "REGRESSIONS.json"
    before = json.loads(path.read_text(encoding="utf-8"))["archives"]
    save_fuzz_regressions(project, 80)
    after = json.loads(path.read_text(encoding="utf-8"))["archives"]
    assert after[: len(before)] == before
    assert len(after) > len(before)
    commit_all(project.root, "keep more fuzz regressions")

    result = project.run("--cache-compat", "--cache-compat-base=main")
    out = result.stdout.str()
    assert result.ret == 0, out
    assert "FAILED" not in out
    assert "REGRESSIONS.json" not in out


def test_the_fuzz_regression_list_is_guarded() -> None:
    assert guarded_kind(PurePosixPath("v0/REGRESSIONS.json")) == "fuzz regression list"
    assert guarded_kind(PurePosixPath("v0/archives/fuzz-0123456789ab.bin")) == "golden archive"
    assert guarded_kind(PurePosixPath("REGRESSIONS.json")) is None
