"""Recording a version whole or not at all, on the controller at the end of the run.

Layout items never write into the store: syrupy decides what they would
write, and the item sends it with its report (``STAGED_PROPERTY``). Under
pytest-xdist the reports are the only thing that reaches the controller, so
a single process and ``-n 4`` record exactly the same files. At the end of a
recording run the controller writes a family's new files, with the version's
``CHANGES.md``, in one commit (``store.write_version``), and only when every
layout check of the family ran and passed in this run; otherwise nothing of
the version is written and the summary says what is missing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pytest_cachecompat import store
from pytest_cachecompat.config import ResolvedFamily, versions
from pytest_cachecompat.forms import CheckError
from pytest_cachecompat.store import StoreError, changes_document, recorded_layouts

from ._collect import RESULT_PROPERTY, STAGED_PROPERTY

if TYPE_CHECKING:
    import pytest

    from pytest_cachecompat.run import Run

UPDATE_COMMAND = "pytest --cache-compat --snapshot-update"
NOT_WRITTEN = {"recorded": "not recorded", "updated": "not updated"}


def take_results(run: Run, report: pytest.TestReport, *, keep_staged: bool = False) -> None:
    """Read an item's results (and staged files) from its report.

    On the controller the staged files are also taken off every report, so
    that no other plugin (JUnit XML) copies file contents into its output.
    """
    if report.when == "call":
        for name, value in report.user_properties:
            if name == RESULT_PROPERTY and isinstance(value, str | dict):
                # A JSON text when it comes from an xdist worker (_collect.py).
                result = json.loads(value) if isinstance(value, str) else value
                run.results.append({**result, "nodeid": report.nodeid, "outcome": report.outcome})
            elif (
                name == STAGED_PROPERTY
                and isinstance(value, dict)
                and not keep_staged
                and report.passed
            ):
                files = run.staged.setdefault(str(value["family"]), {})
                for file, staged in value["files"].items():
                    files[file] = {**staged, "record": value["record"]}
    if not keep_staged:
        report.user_properties[:] = [p for p in report.user_properties if p[0] != STAGED_PROPERTY]


def clean_store(run: Run) -> list[str]:
    """Before a writing run: finish or remove what interrupted writes left, under each lock.

    Only runs that write (record, freeze, keep fuzz regressions) touch the
    store; a checking run leaves leftovers alone, and no check counts them.
    """
    options = run.options
    if options.collect_only or not (
        options.update_snapshots or options.freeze or options.fuzz_save
    ):
        return []
    notes: list[str] = []
    for family in run.families:
        if not family.folder.is_dir():
            continue
        try:
            with store.locked(family.folder):
                done = store.clean_leftovers(family.folder)
        except (StoreError, OSError) as exc:
            run.problems.append(f"{family.name}: cannot clean up after an interrupted write: {exc}")
            continue
        notes.extend(f"{family.name}: {item}" for item in done)
    return notes


def record_versions(run: Run, notes: list[str]) -> None:
    """Write what this recording run prepared, one whole version per family (or nothing)."""
    if not run.options.update_snapshots or run.options.collect_only:
        return
    for family in run.families:
        try:
            notes.extend(_record_family(run, family))
        except (StoreError, CheckError, OSError) as exc:
            problem = str(exc)
            if run.staged.get(family.name):
                _mark_not_written(run, family)
                problem += f"; nothing of this run's recording of v{family.version} was written"
            run.problems.append(problem)


def _record_family(run: Run, family: ResolvedFamily) -> list[str]:
    # Every recorded layout of the version is read (and so validated) first:
    # a damaged one is reported, and nothing is added next to it.
    recorded_layouts(family.version_folder)
    staged = run.staged.get(family.name, {})
    failed = _failed_checks(run, family)
    if staged and failed:
        _mark_not_written(run, family)
        return [_refuse(run, family, staged, failed)]
    if not staged and (failed or not _changes_may_be_due(family)):
        return []
    notes: list[str] = []
    with store.locked(family.folder):
        notes.extend(f"{family.name}: {done}" for done in store.clean_leftovers(family.folder))
        files, conflicts = _files_to_write(family, staged)
        if conflicts:
            _mark_not_written(run, family)
            run.problems.append(
                f"{family.name} v{family.version}: not recorded: another run recorded "
                f"{', '.join(conflicts[:5])} meanwhile, with other contents; nothing of this "
                "run's recording was written. Run `pytest --cache-compat` to compare."
            )
            return notes
        changes, note = _changes_file(run, family, files)
        if changes is not None:
            files[store.CHANGES_NAME] = changes.encode("utf-8")
        store.write_version(family.version_folder, files)
    if note:
        notes.append(note)
    return notes


def _changes_may_be_due(family: ResolvedFamily) -> bool:
    """A version recorded whole but without its ``CHANGES.md`` (an older plugin, a deleted file)."""
    folder = family.version_folder
    if not (folder / store.CHANGES_NAME).exists():
        return bool(store.read_layouts(folder))
    return family.freeze == "released" and not (folder / store.MANIFEST_NAME).exists()


def _failed_checks(run: Run, family: ResolvedFamily) -> list[dict[str, Any]]:
    """Layout checks of the family that ran in this run and did not pass.

    Checks left out by the user's selection (-k, -m, node ids) do not stop
    the files of the selected ones: those are written together, and the
    version stays partially recorded (no ``CHANGES.md``) until a run records
    the rest (``_changes_file`` says so).
    """
    names = set(run.current_layouts(family))
    return sorted(
        (
            r
            for r in run.results
            if r["family"] == family.name
            and r["check"] == "layout"
            and r["record"] in names
            and r["outcome"] != "passed"
        ),
        key=lambda r: str(r["record"]),
    )


def _refuse(
    run: Run, family: ResolvedFamily, staged: dict[str, Any], failed: list[dict[str, Any]]
) -> str:
    shown = "; ".join(f"{r['record']}: {r.get('failure') or r['status']}" for r in failed[:5])
    run.problems.append(
        f"{family.name} v{family.version}: nothing recorded, because {len(failed)} of its "
        f"{len(run.current_layouts(family))} layout checks failed "
        f"({shown}{'; ...' if len(failed) > 5 else ''}). A version is recorded whole or not at "
        f"all, so none of the {len(staged)} files prepared for {family.version_folder} were "
        f"written. Fix the failures and run `{UPDATE_COMMAND}` again."
    )
    return f"{family.name} v{family.version}: nothing recorded (see the failures)"


def _files_to_write(
    family: ResolvedFamily, staged: dict[str, dict[str, Any]]
) -> tuple[dict[str, bytes], list[str]]:
    """The staged files still to write, now that the lock is held; and any written meanwhile."""
    files: dict[str, bytes] = {}
    conflicts: list[str] = []
    for name, entry in sorted(staged.items()):
        data = str(entry["text"]).encode("utf-8")
        target = family.version_folder / name
        if entry["new"] and target.exists():
            # Another run recorded it after this run's item looked.
            if target.read_bytes() != data:
                conflicts.append(name)
            continue
        files[name] = data
    return files, conflicts


def _changes_file(
    run: Run, family: ResolvedFamily, files: dict[str, bytes]
) -> tuple[str | None, str | None]:
    """The version's ``CHANGES.md`` text when it must be (re)written, and the note saying so."""
    folder = family.version_folder
    target = folder / store.CHANGES_NAME
    current = recorded_layouts(folder)
    for name, data in files.items():
        if name.endswith(store.LAYOUT_SUFFIX):
            layout = json.loads(data)  # rendered by this run (forms.layout_text)
            current[layout["record"]] = layout
    # A version that may still be re-recorded (freeze = "released", no archives)
    # keeps its changelog in step; any other changelog is written once.
    may_change = family.freeze == "released" and not (folder / store.MANIFEST_NAME).exists()
    if not current or (target.exists() and not may_change):
        return None, None
    missing = sorted(set(run.current_layouts(family)) - set(current))
    if missing:
        # Only a version whose every record is recorded has a changelog; until
        # then the version may be completed (glue/_layoutcheck.py).
        return None, (
            f"{family.name} v{family.version}: partially recorded (no layout yet for "
            f"{', '.join(missing)}); run `{UPDATE_COMMAND}` to complete it"
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
        return text, f"{family.name} v{family.version}: recorded; changes written to {target}"
    if target.read_text(encoding="utf-8") != text:
        return text, f"{family.name} v{family.version}: re-recorded; {target} rewritten to match"
    return None, None


def _mark_not_written(run: Run, family: ResolvedFamily) -> None:
    """The summary must not count as recorded what was not written."""
    for result in run.results:
        if result["family"] == family.name and result["check"] == "layout":
            result["status"] = NOT_WRITTEN.get(result["status"], result["status"])
