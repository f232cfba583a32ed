"""The layout gate for one record type (docs/failures.md, rules 1-7).

The recorded files are syrupy snapshots; syrupy decides whether to write
them (``--snapshot-update``, never over a frozen version). This module reads
the recorded side first, so that a failure can say in words what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from pytest_cachecompat import forms, store
from pytest_cachecompat.config import ResolvedFamily, versions
from pytest_cachecompat.forms import messages
from pytest_cachecompat.kinds import inspect_record
from pytest_cachecompat.layout import diff_layout
from pytest_cachecompat.store import StoreError, read_json

from ._snapshot import make_assertion

if TYPE_CHECKING:
    import pytest

    from pytest_cachecompat.run import Run


@attrs.define
class Verdict:
    status: str = "passed"
    failures: list[str] = attrs.field(factory=list)
    changes: list[str] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)

    def fail(self, status: str, message: str) -> None:
        self.status = status
        self.failures.append(message)

    def summary(self) -> dict[str, Any]:
        return {"status": self.status, "changes": self.changes, "warnings": self.warnings}


@attrs.frozen
class _Check:
    """What one layout item checks, and where its verdict goes."""

    item: pytest.Item
    verdict: Verdict
    family: ResolvedFamily
    record: str
    cls: type
    run: Run

    def astuple(self) -> tuple[pytest.Item, Verdict, ResolvedFamily, str, type, Run]:
        return (self.item, self.verdict, self.family, self.record, self.cls, self.run)


def check_record(
    item: pytest.Item,
    family: ResolvedFamily,
    record: str,
    cls: type,
    is_root: bool,
    run: Run,
) -> Verdict:
    verdict = Verdict()
    higher = run.higher_versions(family)
    if higher:
        verdict.fail("lowered", messages.version_lowered(family, higher[-1]))
        return verdict
    try:
        check = _Check(item, verdict, family, record, cls, run)
        _check_layout(check)
        # A refused layout records nothing: its serialized form is only compared, if recorded.
        samples_recorded = store.samples_path(family.version_folder, record).exists()
        if is_root and (not verdict.failures or samples_recorded):
            _check_serialized(check)
    except (forms.CheckError, StoreError) as exc:
        verdict.fail("error", str(exc))
    return verdict


def _check_layout(check: _Check) -> None:
    item, verdict, family, record, cls, run = check.astuple()
    layout, text = forms.layout_text(cls)
    verdict.warnings.extend(f"{record}: {warning}" for warning in inspect_record(cls).warnings)
    if forms.is_positional_layout(layout):
        verdict.warnings.append(forms.positional_warning(record))
    path = store.layout_path(family.version_folder, record)
    frozen = run.is_frozen(family)
    if frozen and not path.exists():
        # A record new to a recorded version changes that version's layout too,
        # once its recording was complete (finish.py writes CHANGES.md only then);
        # before that, a partial recording (-k, a node id, an erroring item) may be completed.
        complete = (family.version_folder / store.CHANGES_NAME).exists()
        kinds = ("record moved", "record added") if complete else ("record moved",)
        moved = [
            c.text
            for c in run.family_changes(family, family.version)
            if c.kind in kinds and c.record == record
        ]
        if moved:
            verdict.changes = moved
            verdict.fail("changed", messages.layout_changed(family, record, moved, frozen=frozen))
            return

    def explain_change() -> str:
        old = read_json(path)
        changes = [c.text for c in diff_layout(old, layout)] or [
            f"{path.name} differs from the current layout but describes the same structure: "
            "it was edited by hand; restore it from version control"
        ]
        verdict.changes = changes
        return messages.layout_changed(family, record, changes, frozen=frozen)

    def explain_missing() -> str:
        previous = run.previous_version(family)
        changes = [] if previous is None else _changes_since(run, family, previous, record, layout)
        verdict.changes = changes
        return messages.not_recorded(family, record, previous, changes)

    update = run.options.update_snapshots
    _assert_snapshot(item, verdict, path, text, frozen, update, explain_change, explain_missing)


def _changes_since(
    run: Run,
    family: ResolvedFamily,
    previous: versions.VersionValue,
    record: str,
    layout: dict[str, Any],
) -> list[str]:
    old = run.recorded_layouts(family, previous)
    if record in old:
        return [c.text for c in diff_layout(old[record], layout)]
    related = [c.text for c in run.family_changes(family, previous) if c.record == record]
    return related or [f"{record}: new record type"]


def _check_serialized(check: _Check) -> None:
    item, verdict, family, record, cls, run = check.astuple()
    samples = forms.samples_for(family, cls, run.user_samples(family))
    if not samples:
        verdict.warnings.append(f"{record}: no samples, so its serialized form is not checked")
        return
    serialized = forms.serialized_forms(family, cls, samples)
    warning = forms.positional_warning(record)
    if serialized.positional and warning not in verdict.warnings:
        verdict.warnings.append(warning)
    path = store.samples_path(family.version_folder, record)
    frozen = run.is_frozen(family)
    text = serialized.text
    recorded_text = _read_text(path)
    recorded = None
    if recorded_text is not None and recorded_text != text:
        # Decoded again only when the text differs: the passing case costs one read.
        recorded = forms.forms_of(read_json(path), forms.decoder_for(family))
    if recorded is not None and forms.same_forms(recorded, serialized.forms):
        # Every sample decodes to the recorded tree: what differs in the bytes
        # (pickle memo numbers, hash-seed set order) no reader sees. The
        # recorded file stands as it is, also when an older plugin wrote it.
        text = recorded_text or text
    elif recorded is not None:
        layouts = run.current_layouts(family)
        elsewhere = forms.differs_across_processes(
            family, record, samples, serialized.forms, layouts
        )
        if elsewhere is not None:
            seed, differences = elsewhere
            verdict.fail(
                "error",
                messages.not_deterministic_across_processes(family, record, seed, differences),
            )
            return

    def explain_change() -> str:
        old_forms = recorded or []
        differences = forms.form_differences(
            old_forms,
            serialized.forms,
            record=record,
            old_layouts=run.recorded_layouts(family, family.version),
            new_layouts=run.current_layouts(family),
        ) or ["the recorded file differs only in formatting: it was edited by hand; restore it"]
        verdict.changes.append(
            f"{record}: serialized form changed "
            f"({len(differences)} difference{'' if len(differences) == 1 else 's'})"
        )
        changed = forms.changed_samples(old_forms, serialized.forms)
        return messages.serialized_changed(
            family, record, differences, frozen=frozen, changed_samples=changed
        )

    def explain_missing() -> str:
        previous = run.previous_version(family)
        changes = (
            []
            if previous is None
            else [c.text for c in run.form_changes(family, previous) if c.record == record]
        )
        return messages.not_recorded(family, record, previous, changes, what="serialized form")

    update = run.options.update_snapshots
    _assert_snapshot(item, verdict, path, text, frozen, update, explain_change, explain_missing)


def _assert_snapshot(
    item: pytest.Item,
    verdict: Verdict,
    path: Path,
    text: str,
    frozen: bool,
    update: bool,
    explain_change: Callable[[], str],
    explain_missing: Callable[[], str],
) -> None:
    # syrupy may write the file under --snapshot-update, so read what was there first.
    recorded_text = _read_text(path) if update else None
    name = path.name.removesuffix(".json")
    matched = make_assertion(item, frozen=frozen)(name=name) == text
    if matched:
        if update and recorded_text is None:
            verdict.status = "recorded"
        elif update and recorded_text != text:
            verdict.status = "updated"
        return
    if not update:
        # Without --snapshot-update syrupy matches exactly when the file holds
        # this text, so the passing case (nearly every item) reads it only once.
        recorded_text = _read_text(path)
    if recorded_text is None:
        verdict.fail("missing", explain_missing())
    else:
        verdict.fail("changed", explain_change())


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
