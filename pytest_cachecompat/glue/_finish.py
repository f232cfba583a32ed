"""End-of-run work on the controller: changelogs of new versions, run-wide gates, reports.

Runs once, in the process that prints the summary (never in xdist workers),
and only reads the store and the results that items reported.
"""

from __future__ import annotations

import os
from pathlib import Path

from pytest_cachecompat import store
from pytest_cachecompat.config import ResolvedFamily, versions
from pytest_cachecompat.forms import CheckError
from pytest_cachecompat.run import Run
from pytest_cachecompat.store import StoreError, changes_document, recorded_layouts


def finish_run(run: Run, notes: list[str]) -> bool:
    """Do the end-of-run work; True when a run-wide check failed."""
    for family in _recording_families(run):
        try:
            note = write_changes_file(run, family)
        except (StoreError, CheckError) as exc:
            run.problems.append(str(exc))
            continue
        if note:
            notes.append(note)
    if run.options.base:
        from pytest_cachecompat.gates import check_base

        run.problems.extend(check_base(run, run.options.base))
    if run.options.release:
        from pytest_cachecompat.gates import check_release

        run.problems.extend(check_release(run))
    _write_reports(run, notes)
    return bool(run.problems)


def _recording_families(run: Run) -> list[ResolvedFamily]:
    """Families whose changelog may be written: only a run that records writes files."""
    if not run.options.update_snapshots or run.options.collect_only:
        return []
    return run.families


def write_changes_file(run: Run, family: ResolvedFamily) -> str | None:
    """Write ``CHANGES.md`` into the current version's folder once its layouts are recorded."""
    folder = family.version_folder
    target = folder / store.CHANGES_NAME
    current = recorded_layouts(folder)
    # A version that may still be re-recorded (freeze = "released", no archives)
    # keeps its changelog in step; any other changelog is written once.
    may_change = family.freeze == "released" and not (folder / store.MANIFEST_NAME).exists()
    if not current or (target.exists() and not may_change):
        return None
    missing = sorted(set(run.current_layouts(family)) - set(current))
    if missing:
        # Written only once every record is: until then the version may be completed.
        return (
            f"{family.name} v{family.version}: partially recorded (no layout yet for "
            f"{', '.join(missing)}); run `pytest --cache-compat --snapshot-update` to complete it"
        )
    recorded = store.recorded_versions(family.folder, family.version)
    previous = versions.previous(recorded, family.version)
    changes = []
    if previous is not None:
        from pytest_cachecompat.layout import diff_layouts

        old = recorded_layouts(family.folder / versions.folder_name(previous))
        # Layout changes, then what dumps writes differently for the same values,
        # each record's together (a switch from pickle to JSON is a change too).
        changes = sorted(
            [*diff_layouts(old, current), *run.form_changes(family, previous)],
            key=lambda change: change.record,
        )
    opaque = versions.sort_key(family.version) is None
    unordered = [v for v in recorded if v != family.version] if opaque else []
    text = changes_document(
        family.name, family.version_ref, previous, family.version, changes, unordered
    )
    if not target.exists():
        if store.write_new(target, text.encode("utf-8")):
            return f"{family.name} v{family.version}: recorded; changes written to {target}"
        return None
    if target.read_text(encoding="utf-8") != text:
        store.atomic_write(target, text.encode("utf-8"))
        return f"{family.name} v{family.version}: re-recorded; {target} rewritten to match"
    return None


def _write_reports(run: Run, notes: list[str]) -> None:
    from pytest_cachecompat.report import build_report, write_github_outputs, write_json

    report = build_report(run, notes)
    run.report = report
    path = run.options.report
    try:
        if path:
            write_json(report, run.options.invocation_dir / path)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            write_github_outputs(report, Path(summary_file))
    except OSError as exc:
        run.problems.append(f"cannot write the report: {exc}")
        report["problems"].append(run.problems[-1])
        report["outcome"] = "failed"
