"""Golden archives: freezing the current version's bytes, and checking every frozen version.

A freeze writes each root sample's ``dumps`` bytes to
``<store>/<family>/v<V>/archives/`` and then, last, the manifest: a run killed
half-way leaves no manifest, so the version is simply not frozen yet. An
existing manifest is never rewritten.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from . import forms, store, versions
from .canonical import canonical
from .config import ResolvedFamily
from .history import StoreError
from .judge import FAILED, Expectation, Judgement, judge
from .manifest import ArchiveEntry, Manifest, read_manifest, sha256
from .typenames import qualified_name

if TYPE_CHECKING:
    from .isolation import Loader
    from .session import CacheCompatRun

CANONICAL_REF = "pytest_cachecompat.canonical:canonical"


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


def written_by(family: ResolvedFamily) -> dict[str, str]:
    """The distribution (and its version) that owns the family's records."""
    top = family.records[0].__module__.partition(".")[0]
    for dist in importlib.metadata.packages_distributions().get(top, []):
        try:
            return {"distribution": dist, "version": importlib.metadata.version(dist)}
        except importlib.metadata.PackageNotFoundError:
            continue
    return {"module": top}


def freeze_all(run: CacheCompatRun) -> list[str]:
    """Freeze every family's current version; return one note per family for the summary."""
    notes = []
    for family in run.families:
        try:
            notes.append(freeze_family(family, run))
        except (forms.CheckError, StoreError) as exc:
            run.problems.append(f"freeze of {family.name} v{family.version} failed: {exc}")
    return notes


def freeze_family(family: ResolvedFamily, run: CacheCompatRun) -> str:
    folder = family.version_folder
    manifest_path = folder / store.MANIFEST_NAME
    with store.locked(family.folder):
        if manifest_path.exists():
            count = len(read_manifest(manifest_path).archives)
            return (
                f"{family.name} v{family.version}: already frozen ({count} archives); "
                "nothing changed (archives are never rewritten)"
            )
        entries = list(_write_archives(family, run, folder))
        manifest = Manifest(
            family=family.name,
            version=str(family.version),
            version_ref=family.version_ref,
            written_by=written_by(family),
            archives=tuple(entries),
        )
        store.write_new(manifest_path, manifest.to_text().encode("utf-8"))
    return f"{family.name} v{family.version}: froze {len(entries)} archives in {folder}"


def _write_archives(family: ResolvedFamily, run: CacheCompatRun, folder: Path) -> Iterator[ArchiveEntry]:
    for cls in family.records:
        record = qualified_name(cls)
        samples = forms.samples_for(family, cls, run.user_samples(family))
        for index, sample in enumerate(samples):
            data = forms.dump_sample(family, sample, index, record)
            relative = f"{store.ARCHIVES_DIR}/{store.stem(record)}-{index}.bin"
            # No manifest lists this file yet, so a leftover from an interrupted
            # freeze is not golden and may be replaced.
            store.atomic_write(folder / relative, data)
            yield ArchiveEntry(
                file=relative,
                record=record,
                sha256=sha256(data),
                size=len(data),
                expected=canonical(sample),
            )


@attrs.define
class VersionOutcome:
    failures: list[str] = attrs.field(factory=list)
    counts: dict[str, int] = attrs.field(factory=dict)
    archives: list[dict[str, Any]] = attrs.field(factory=list)
    fuzz: dict[str, int] = attrs.field(factory=dict)

    def add(self, entry: ArchiveEntry, judgement: Judgement) -> None:
        self.counts[judgement.outcome] = self.counts.get(judgement.outcome, 0) + 1
        self.archives.append(
            {"file": entry.file, "record": entry.record, "outcome": judgement.outcome, "how": judgement.how}
        )

    def summary(self) -> dict[str, Any]:
        return {"counts": self.counts, "archives": self.archives, "fuzz": self.fuzz}


def relation(family: ResolvedFamily, version: versions.VersionValue) -> str:
    if str(version) == str(family.version):
        return "current"
    return "older" if versions.is_lower(version, family.version) else "newer"


def check_version(
    family: ResolvedFamily, version: versions.VersionValue, run: CacheCompatRun
) -> VersionOutcome:
    folder = family.folder / versions.folder_name(version)
    manifest = read_manifest(folder / store.MANIFEST_NAME)
    outcome = VersionOutcome()
    kind = relation(family, version)
    with open_loader(family) as loader:
        for entry in manifest.archives:
            data = _read_archive(folder, entry, outcome)
            if data is None:
                continue
            expectation = Expectation(
                expected=entry.expected,
                exact=kind == "current" and entry.expect is None,
                pinned=entry.expect or family.expect.get(str(version)),
                miss=family.miss,
                timeout=family.timeout,
            )
            judgement = judge(loader.call(data), expectation)
            outcome.add(entry, judgement)
            if judgement.outcome == FAILED:
                outcome.failures.append(
                    f"golden archive {folder / entry.file} (family {family.name!r}, "
                    f"{kind} version {version}, record {entry.record}), loaded with "
                    f"{family.loads_ref}:\n{judgement.problem}"
                )
            fuzz_count = run.config.getoption("cachecompat_fuzz", 0) or 0
            if fuzz_count > 0:
                from .fuzzcheck import fuzz_archive

                fuzz_archive(loader, family, folder, entry, data, expectation, fuzz_count, outcome, run)
    return outcome


def _read_archive(folder: Path, entry: ArchiveEntry, outcome: VersionOutcome) -> bytes | None:
    path = folder / entry.file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        outcome.failures.append(
            f"golden archive {path} is listed in {folder / store.MANIFEST_NAME} but missing: "
            "restore it from version control (archives are never regenerated)"
        )
        outcome.counts[FAILED] = outcome.counts.get(FAILED, 0) + 1
        return None
    if sha256(data) != entry.sha256:
        outcome.failures.append(
            f"golden archive {path} was edited: its sha256 is {sha256(data)}, the manifest says "
            f"{entry.sha256}. Golden archives are bytes written by a release and must never change: "
            "restore it from version control."
        )
        outcome.counts[FAILED] = outcome.counts.get(FAILED, 0) + 1
        return None
    return data


@contextmanager
def open_loader(family: ResolvedFamily) -> Iterator[Loader]:
    from .isolation import InProcessLoader, IsolatedLoader

    loader: Loader
    if family.isolate:
        loader = IsolatedLoader(
            family.loads_ref,
            rejects_refs=family.rejects_refs,
            summarize_ref=CANONICAL_REF,
            timeout=family.timeout,
        )
    else:
        loader = InProcessLoader(
            family.loads, rejects=family.rejects, summarize=canonical, timeout=family.timeout
        )
    try:
        yield loader
    finally:
        loader.close()
