"""The pull-request gate: the store as it is at a git ref must survive in this tree (docs/ci.md).

``--cache-compat-base=REF`` reads, with git, every recorded layout, serialized
form, manifest and golden archive under ``<store>/<family>/v<V>/`` at REF and
fails when the working tree rewrote or deleted one, or when a family's version
constant is now lower than a version recorded at REF. Files that REF does not
have are new and free to record.

Pure functions around ``git`` subprocesses: the working tree is never checked
out, switched or modified. Paths given to git are relative to the repository
top level, because the pytest rootdir may be a subfolder of the repository.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import attrs

from pytest_cachecompat import store
from pytest_cachecompat.config import ConfigError, versions

if TYPE_CHECKING:
    from pytest_cachecompat.config import ResolvedFamily
    from pytest_cachecompat.run import Run

OPTION = "--cache-compat-base"
FETCH_HINT = (
    "on a CI clone, fetch it first: `git fetch origin <branch>` (a shallow clone needs the "
    "ref's commit, e.g. actions/checkout with `fetch-depth: 0`)"
)
# Problems listed per version folder before the rest are only counted.
MAX_PER_FOLDER = 10


class GitError(ConfigError):
    """git cannot answer: not installed, not a checkout, unknown ref. The message says which."""


@attrs.frozen
class TreeEntry:
    """A file in the store at the base ref: its path from the repo top and its blob id."""

    path: str
    oid: str


@attrs.frozen
class Base:
    """A validated base: the repository top level, the ref as given, and its commit."""

    toplevel: Path
    ref: str
    commit: str


def _git(args: Sequence[str], cwd: Path, ref: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError(
            f"{OPTION}={ref}: git is not installed or not on PATH; "
            "the base gate reads the store at the ref with git"
        ) from None
    except OSError as exc:
        raise GitError(f"{OPTION}={ref}: cannot run git in {cwd}: {exc}") from None


def _stderr(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", "replace").strip()


def validate_ref(rootpath: Path, ref: str) -> Base:
    """Check that git runs, ``rootpath`` is in a checkout and ``ref`` names a commit.

    Raises ``GitError`` (a ``ConfigError``, so a pytest usage error) saying which.
    """
    if not ref or ref.startswith("-"):
        raise GitError(f"{OPTION}={ref!r}: expected a git ref such as origin/main")
    if shutil.which("git") is None:
        raise GitError(
            f"{OPTION}={ref}: git is not installed or not on PATH; "
            "the base gate reads the store at the ref with git"
        )
    top = _git(["rev-parse", "--show-toplevel"], rootpath, ref)
    if top.returncode != 0:
        raise GitError(
            f"{OPTION}={ref}: {rootpath} is not inside a git checkout, so there is no ref to "
            f"compare the store with (git: {_stderr(top) or 'rev-parse failed'})"
        )
    toplevel = Path(top.stdout.decode("utf-8").strip()).resolve()
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], toplevel, ref)
    if commit.returncode != 0:
        shallow = _git(["rev-parse", "--is-shallow-repository"], toplevel, ref)
        is_shallow = shallow.stdout.decode("utf-8").strip() == "true"
        raise GitError(
            f"{OPTION}={ref}: unknown git ref {ref!r} in {toplevel}"
            f"{' (a shallow clone)' if is_shallow else ''}; {FETCH_HINT}"
        )
    return Base(toplevel=toplevel, ref=ref, commit=commit.stdout.decode("utf-8").strip())


def list_tree(base: Base, folder: str) -> list[TreeEntry]:
    """Every file under ``folder`` (relative to the repo top) at the base commit."""
    result = _git(
        ["ls-tree", "-r", "-z", "--full-tree", base.commit, "--", folder], base.toplevel, base.ref
    )
    if result.returncode != 0:
        raise GitError(f"{OPTION}={base.ref}: git ls-tree {folder} failed: {_stderr(result)}")
    entries = []
    for record in result.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        _mode, kind, oid = meta.decode("ascii").split()
        if kind == "blob":
            entries.append(TreeEntry(path=path.decode("utf-8", "surrogateescape"), oid=oid))
    return entries


def blob_id(data: bytes, like: str) -> str:
    """The git object id of ``data`` as a blob, in the repository's hash (sha1 or sha256)."""
    algorithm = hashlib.sha256 if len(like) == 64 else hashlib.sha1
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest()


def _same_as_worktree(base: Base, entry: TreeEntry, path: Path) -> bool:
    """Whether the working-tree file is the blob recorded at the base."""
    if blob_id(path.read_bytes(), entry.oid) == entry.oid:
        return True
    # git may store the file with clean filters applied (e.g. core.autocrlf on
    # Windows); ask git to hash the file the way it would commit it.
    hashed = _git(["hash-object", "--path", entry.path, "--", str(path)], base.toplevel, base.ref)
    return hashed.returncode == 0 and hashed.stdout.decode("ascii").strip() == entry.oid


def guarded_kind(relative: PurePosixPath) -> str | None:
    """What a store file is, when the base gate guards it (path from the family folder)."""
    parts = relative.parts
    if len(parts) < 2 or not parts[0].startswith(versions.FOLDER_PREFIX):
        return None
    if any(part.startswith(".") for part in parts):
        # Hidden names are never store content: temporary files and stages of
        # an interrupted write (store/_commit.py), another tool's dotfiles.
        return None
    name = parts[-1]
    if len(parts) >= 3 and parts[1] == store.ARCHIVES_DIR:
        return "golden archive"
    if len(parts) != 2:
        return None
    if name == store.MANIFEST_NAME:
        return "golden manifest"
    if name == store.REGRESSIONS_NAME:
        return "fuzz regression list"
    if name.endswith(store.LAYOUT_SUFFIX):
        return "recorded layout"
    if name.endswith(store.SAMPLES_SUFFIX):
        return "recorded serialized form"
    return None


@attrs.frozen
class FamilyAtBase:
    """What a family folder holds at the base ref, by version folder name."""

    name: str
    files: Mapping[str, list[tuple[PurePosixPath, TreeEntry]]]

    def recorded_versions(self, like: versions.VersionValue) -> list[versions.VersionValue]:
        found = []
        for folder, files in self.files.items():
            value = versions.parse_folder(folder, like)
            if value is not None and any(p.name.endswith(store.LAYOUT_SUFFIX) for p, _ in files):
                found.append(value)
        return versions.ordered(found)

    def has_manifest(self, folder: str) -> bool:
        return any(p.parts == (folder, store.MANIFEST_NAME) for p, _ in self.files.get(folder, []))


def families_at_base(entries: Iterable[TreeEntry], store_relative: str) -> dict[str, FamilyAtBase]:
    """Group the guarded files of the store at the base by family and version folder."""
    grouped: dict[str, dict[str, list[tuple[PurePosixPath, TreeEntry]]]] = {}
    prefix = PurePosixPath(store_relative)
    for entry in entries:
        try:
            relative = PurePosixPath(entry.path).relative_to(prefix)
        except ValueError:
            continue
        if len(relative.parts) < 3:
            continue
        family, in_family = relative.parts[0], PurePosixPath(*relative.parts[1:])
        if guarded_kind(in_family) is None:
            continue
        grouped.setdefault(family, {}).setdefault(in_family.parts[0], []).append((in_family, entry))
    return {name: FamilyAtBase(name=name, files=files) for name, files in sorted(grouped.items())}


def check_base(run: Run, ref: str) -> list[str]:
    """Problem lines for ``--cache-compat-base=REF``, each naming the file or family and the ref."""
    try:
        base = validate_ref(run.options.rootpath, ref)
    except GitError as exc:
        return [str(exc)]
    store_path = run.settings.store.resolve()
    try:
        store_relative = store_path.relative_to(base.toplevel).as_posix()
    except ValueError:
        return [
            f"{OPTION}={ref}: the store {store_path} is outside the git checkout {base.toplevel}, "
            "so git has no history of it"
        ]
    try:
        at_base = families_at_base(list_tree(base, store_relative), store_relative)
    except GitError as exc:
        return [str(exc)]
    declared = {family.name: family for family in run.families}
    problems: list[str] = []
    for name, family_at_base in at_base.items():
        family = declared.get(name)
        problems.extend(_compare_family(base, store_path, family_at_base, family))
        if family is not None:
            problems.extend(_check_lowered(base, family_at_base, family))
    run.gates["base"] = {
        "ref": ref,
        "commit": base.commit,
        "recorded_versions": {
            name: at_base[name].recorded_versions(family.version) if name in at_base else []
            for name, family in declared.items()
        },
        "problems": len(problems),
    }
    return problems


def _compare_family(
    base: Base, store_path: Path, at_base: FamilyAtBase, family: ResolvedFamily | None
) -> list[str]:
    problems: list[str] = []
    for folder, files in sorted(at_base.files.items()):
        # freeze = "released": a version without golden archives at the base was
        # never released, so its recorded layouts may still be re-recorded.
        released_only = family is not None and family.freeze == "released"
        unfrozen = released_only and not at_base.has_manifest(folder)
        folder_problems = []
        for relative, entry in sorted(files, key=lambda item: item[0]):
            kind = guarded_kind(relative)
            if unfrozen and kind in ("recorded layout", "recorded serialized form"):
                continue
            problem = _compare_file(
                base, store_path / at_base.name / relative, entry, kind, at_base.name, folder
            )
            if problem:
                folder_problems.append(problem)
        if len(folder_problems) > MAX_PER_FOLDER:
            hidden = len(folder_problems) - MAX_PER_FOLDER
            where = f"{store_path.relative_to(base.toplevel).as_posix()}/{at_base.name}/{folder}"
            folder_problems = [
                *folder_problems[:MAX_PER_FOLDER],
                f"{where}: ... and {hidden} more files rewritten or deleted since {base.ref}",
            ]
        problems.extend(folder_problems)
    return problems


def _compare_file(
    base: Base, path: Path, entry: TreeEntry, kind: str | None, family: str, folder: str
) -> str | None:
    where = f"family {family!r}, {folder} as recorded at {base.ref}"
    if not path.is_file():
        return f"{entry.path}: {kind} deleted since {base.ref} ({where}). {_fix(kind, base, entry)}"
    if kind == "fuzz regression list":
        # --cache-compat-fuzz-save adds entries to it; only losing it loses checks.
        return None
    if not _same_as_worktree(base, entry, path):
        return (
            f"{entry.path}: {kind} rewritten since {base.ref} ({where}). {_fix(kind, base, entry)}"
        )
    return None


def _fix(kind: str | None, base: Base, entry: TreeEntry) -> str:
    restore = f"`git checkout {base.ref} -- {entry.path}`"
    if kind in ("golden archive", "golden manifest"):
        return (
            f"Golden archives and manifests are never edited or deleted: restore it with {restore}."
        )
    return (
        f"A recorded version is frozen: restore it with {restore}, bump the family's version "
        "constant and record the new version with `pytest --cache-compat --snapshot-update`."
    )


def _check_lowered(base: Base, at_base: FamilyAtBase, family: ResolvedFamily) -> list[str]:
    recorded = at_base.recorded_versions(family.version)
    higher = [v for v in recorded if versions.is_lower(family.version, v)]
    if not higher:
        return []
    return [
        f"family {family.name!r}: {family.version_ref} is {family.version!r} here but "
        f"v{higher[-1]} was recorded at {base.ref}: cache versions only go up "
        f"(set it to {higher[-1]!r} or higher)"
    ]
