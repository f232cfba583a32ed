"""Golden archives: freezing the current version's bytes, and checking every frozen version.

A freeze calls ``dumps`` on every root sample, then loads every new archive
with the current ``loads`` and judges it as the golden check would; only when
every one loads equal does it write them, with the manifest, into
``<store>/<family>/v<V>/`` in one commit (``store.write_version``: the
archives, then the manifest last). Otherwise nothing is written and the
failure names each archive, record and field. A run killed half-way leaves
no manifest, so the version is simply not frozen yet. An existing manifest
is never rewritten.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from pytest_cachecompat import forms, store
from pytest_cachecompat.config import ResolvedFamily, versions
from pytest_cachecompat.kinds import qualified_name
from pytest_cachecompat.layout import canonical
from pytest_cachecompat.store import ArchiveEntry, Manifest, StoreError, read_manifest

from ._archives import load, open_loader, read_archive
from ._fuzzcheck import FuzzedArchive, FuzzResult, fuzz_archive
from ._judge import FAILED, Expectation, Judgement, judge
from ._regressions import read_regressions
from ._writers import describe, writer_versions, written_by

if TYPE_CHECKING:
    from pytest_cachecompat.run import Run


def archived_versions(family: ResolvedFamily) -> list[versions.VersionValue]:
    """Versions of a family that have a manifest in the store, ordered."""
    if not family.folder.is_dir():
        return []
    found = [
        value
        for child in family.folder.iterdir()
        if (value := versions.parse_folder(child.name, family.version)) is not None
        and (child / store.MANIFEST_NAME).exists()
    ]
    return versions.ordered(found)


def freeze_all(run: Run) -> list[str]:
    """Freeze every family's current version; return one note per family for the summary."""
    notes = []
    for family in run.families:
        try:
            notes.append(freeze_family(family, run))
        except (forms.CheckError, StoreError) as exc:
            run.problems.append(f"freeze of {family.name} v{family.version} failed: {exc}")
    return notes


def freeze_family(family: ResolvedFamily, run: Run) -> str:
    folder = family.version_folder
    manifest_path = folder / store.MANIFEST_NAME
    with store.locked(family.folder):
        store.clean_leftovers(family.folder)
        if manifest_path.exists():
            count = len(read_manifest(manifest_path).archives)
            return (
                f"{family.name} v{family.version}: already frozen ({count} archives); "
                "nothing changed (archives are never rewritten)"
            )
        _check_layouts_unchanged(family, run)
        pending = _new_archives(family, run)
        _verify_before_writing(family, folder, pending)
        entries = [
            ArchiveEntry(
                file=archive.file,
                record=archive.record,
                sha256=store.content_sha256(archive.data),
                size=store.content_size(archive.data),
                expected=archive.expected,
            )
            for archive in pending
        ]
        manifest = Manifest(
            family=family.name,
            version=str(family.version),
            version_ref=family.version_ref,
            written_by=written_by(family, run.options.rootpath),
            archives=tuple(entries),
            writers=writer_versions(family),
        )
        files: dict[str, bytes] = {}
        for archive in pending:
            if isinstance(archive.data, bytes):
                files[archive.file] = archive.data
            else:  # a folder archive: its files (git keeps no empty folder either)
                files.update({f"{archive.file}/{k}": v for k, v in archive.data.items()})
        files[store.MANIFEST_NAME] = manifest.to_text().encode("utf-8")
        store.write_version(folder, files)
    return f"{family.name} v{family.version}: froze {len(entries)} archives in {folder}"


def _check_layouts_unchanged(family: ResolvedFamily, run: Run) -> None:
    """Refuse to freeze bytes that are not what the recorded version's caches hold.

    Archives are immutable: frozen from code whose layout drifted from the
    one recorded for V, they would pin the wrong format forever.
    """
    if not run.recorded_layouts(family, family.version):
        return  # never recorded (an old release frozen from a tox env, say)
    changes = run.family_changes(family, family.version)
    if not changes:
        return
    listed = "\n".join(f"  - {change.text}" for change in changes[:20])
    raise forms.CheckError(
        f"the layouts recorded for v{family.version} differ from the code, so these bytes are "
        f"not what v{family.version} caches hold; nothing was written:\n{listed}\n"
        f"{forms.messages.sentence(forms.messages.bump_action(family, 'to a new version'))} "
        "and record it "
        "(pytest --cache-compat --snapshot-update) before freezing."
    )


@attrs.frozen
class NewArchive:
    """One archive a freeze is about to write: where, for which record, its content and value."""

    file: str  # relative to the version folder
    record: str
    index: int
    data: store.Content  # bytes, or the files of a folder (io = "path")
    expected: Any  # canonical form of the sample


def _new_archives(family: ResolvedFamily, run: Run) -> list[NewArchive]:
    # Every dumps call (twice: the determinism check) before anything is written.
    pending: list[NewArchive] = []
    # A path family's archive is the file or folder as dumps wrote it, named
    # without a suffix (it may be either).
    suffix = "" if family.io == "path" else ".bin"
    for cls in family.records:
        record = qualified_name(cls)
        samples = forms.samples_for(family, cls, run.user_samples(family))
        for index, sample in enumerate(samples):
            data = forms.dump_content(family, sample, index, record)
            relative = f"{store.ARCHIVES_DIR}/{store.stem(record)}-{index}{suffix}"
            pending.append(NewArchive(relative, record, index, data, canonical(sample)))
    return pending


def _verify_before_writing(family: ResolvedFamily, folder: Path, pending: list[NewArchive]) -> None:
    """Load every new archive with the current loader; refuse the freeze unless all load equal.

    An archive is immutable: one that its own version's loader misreads
    would pin the bug for ever, and fail every later run.
    """
    failures: list[str] = []
    with open_loader(family) as loader:
        for archive in pending:
            expectation = Expectation(
                expected=archive.expected,
                exact=True,
                pinned=None,
                miss=family.miss,
                timeout=family.timeout,
            )
            judgement = judge(load(loader, family, archive.data, archive.file), expectation)
            if judgement.outcome == FAILED:
                failures.append(
                    f"golden archive {folder / archive.file} (family {family.name!r}, current "
                    f"version {family.version}, record {archive.record}, sample {archive.index}), "
                    f"loaded with {family.loads_ref}:\n{judgement.problem}"
                )
    if failures:
        count = f"{len(failures)} of the {len(pending)} new archives"
        verb = "does" if len(failures) == 1 else "do"
        raise forms.CheckError(
            f"{count} {verb} not load equal to their sample with the current loader, so nothing "
            f"was written (no archive, no {store.MANIFEST_NAME}). Fix the loader (or dumps) "
            "and freeze again.\n\n" + "\n\n".join(failures)
        )


@attrs.define
class VersionOutcome:
    failures: list[str] = attrs.field(factory=list)
    counts: dict[str, int] = attrs.field(factory=dict)
    archives: list[dict[str, Any]] = attrs.field(factory=list)
    fuzz: dict[str, int] = attrs.field(factory=dict)
    # The manifest's writers (or its written_by): who wrote these archives.
    written_by: dict[str, str] = attrs.field(factory=dict)
    warnings: list[str] = attrs.field(factory=list)

    def add(self, entry: ArchiveEntry, judgement: Judgement) -> None:
        self.counts[judgement.outcome] = self.counts.get(judgement.outcome, 0) + 1
        # Kept for the report until the run ends (100,000 of them at scale):
        # the record names and the handful of distinct "how" lines are shared
        # strings, not one copy per archive (docs/performance.md, figure (e)).
        archive: dict[str, Any] = {
            "file": entry.file,
            "record": sys.intern(entry.record),
            "outcome": judgement.outcome,
            "how": sys.intern(judgement.how or judgement.problem.partition("\n")[0]),
        }
        if judgement.fields:
            archive["fields"] = list(judgement.fields)
        if judgement.exception is not None:
            archive["exception"] = judgement.exception
        self.archives.append(archive)

    def add_fuzz(self, result: FuzzResult) -> None:
        for verdict, count in result.counts.items():
            self.fuzz[verdict] = self.fuzz.get(verdict, 0) + count
        if result.failure is not None:
            self.failures.append(result.failure)

    def summary(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "archives": self.archives,
            "fuzz": self.fuzz,
            "written_by": self.written_by,
            "warnings": self.warnings,
        }


def relation(family: ResolvedFamily, version: versions.VersionValue) -> str:
    """``current``, ``older``, ``newer``, or ``other`` for opaque tags that have no order."""
    if str(version) == str(family.version):
        return "current"
    if versions.is_lower(version, family.version):
        return "older"
    if versions.is_lower(family.version, version):
        return "newer"
    return "other"


def check_version(
    family: ResolvedFamily, version: versions.VersionValue, run: Run
) -> VersionOutcome:
    folder = family.folder / versions.folder_name(version)
    manifest = read_manifest(folder / store.MANIFEST_NAME)
    _check_manifest_place(family, version, folder, manifest)
    outcome = VersionOutcome(written_by=manifest.writers or manifest.written_by)
    kind = relation(family, version)
    writers = describe(manifest)
    unfuzzed: list[str] = []
    by = f"\nwritten by {writers}" if writers else ""
    # Crashing fuzz inputs kept by --cache-compat-fuzz-save (pinned "reject"),
    # listed apart so that MANIFEST.json is never rewritten; never fuzzed again.
    regressions = read_regressions(folder)
    with open_loader(family) as loader:
        for index, entry in enumerate((*manifest.archives, *regressions)):
            is_regression = index >= len(manifest.archives)
            listing = store.REGRESSIONS_NAME if is_regression else store.MANIFEST_NAME
            data = _read_archive(folder, entry, outcome, listing, family)
            if data is None:
                continue
            expectation = Expectation(
                expected=entry.expected,
                exact=kind == "current" and entry.expect is None,
                pinned=entry.expect or _pin(family, version, kind),
                miss=family.miss,
                timeout=family.timeout,
            )
            judgement = judge(load(loader, family, data, entry.file), expectation)
            outcome.add(entry, judgement)
            if judgement.outcome == FAILED:
                outcome.failures.append(
                    f"{'fuzz regression' if is_regression else 'golden'} archive "
                    f"{folder / entry.file} (family {family.name!r}, "
                    f"{kind} version {version}, record {entry.record}), loaded with "
                    f"{family.loads_ref}:{by}\n{judgement.problem}"
                )
            fuzz_count = run.options.fuzz if not is_regression else 0
            if fuzz_count > 0 and not isinstance(data, bytes):
                unfuzzed.append(entry.file)
            elif fuzz_count > 0 and isinstance(data, bytes):
                stage_as = Path(entry.file).name if family.io == "path" else None
                archive = FuzzedArchive(folder, entry, data, writers, stage_as)
                fuzzed = fuzz_archive(loader, family, archive, expectation, fuzz_count, run.options)
                outcome.add_fuzz(fuzzed)
    if unfuzzed:
        outcome.warnings.append(
            f"{family.name} v{version}: --cache-compat-fuzz skipped {len(unfuzzed)} folder "
            f"archive(s) ({', '.join(unfuzzed[:3])}{', ...' if len(unfuzzed) > 3 else ''}): "
            'fuzzing corrupts single files, and these archives are folders (io = "path")'
        )
    return outcome


def _pin(family: ResolvedFamily, version: versions.VersionValue, kind: str) -> str | None:
    """``expect`` pins older (or newer) versions; the current version must always load."""
    return None if kind == "current" else family.expect.get(str(version))


def _check_manifest_place(
    family: ResolvedFamily, version: versions.VersionValue, folder: Path, manifest: Manifest
) -> None:
    """A manifest describes the folder it lies in; one copied or edited into another is an error."""
    if manifest.family != family.name or manifest.version != str(version):
        raise StoreError(
            f"{folder / store.MANIFEST_NAME} says family {manifest.family!r} version "
            f"{manifest.version} but lies in {folder} (family {family.name!r}, version {version}): "
            "golden manifests are never moved or edited. Restore it from version control."
        )


def _read_archive(
    folder: Path, entry: ArchiveEntry, outcome: VersionOutcome, listing: str, family: ResolvedFamily
) -> store.Content | None:
    """The archive's content, or None after recording why it cannot be trusted."""
    try:
        data = read_archive(folder, entry.file, family)
    except FileNotFoundError:
        outcome.add(entry, Judgement(FAILED, how="missing"))
        outcome.failures.append(
            f"golden archive {folder / entry.file} is listed in {folder / listing} but missing: "
            "restore it from version control (archives are never regenerated)"
        )
        return None
    except (OSError, StoreError) as exc:
        outcome.add(entry, Judgement(FAILED, how="unreadable"))
        outcome.failures.append(f"golden archive {folder / entry.file} cannot be read: {exc}")
        return None
    digest = store.content_sha256(data)
    if digest != entry.sha256:
        outcome.add(entry, Judgement(FAILED, how="edited"))
        outcome.failures.append(
            f"golden archive {folder / entry.file} was edited: its sha256 is {digest}, {listing} "
            f"says {entry.sha256}. Golden archives are bytes written by a release and must "
            "never change: restore it from version control."
        )
        return None
    return data
