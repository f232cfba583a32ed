"""The run's summary as one data model, rendered for the terminal, JSON, Markdown and GitHub.

``build_report`` is the single source: the terminal section, the
``--cache-compat-report`` JSON and the ``$GITHUB_STEP_SUMMARY`` Markdown all
render the same dict, so they never disagree. The JSON is documented in
``docs/reference.md`` and its JSON Schema is ``docs/report.schema.json`` (the
tests validate every report they write against it: a new key goes there too);
``schema_version`` changes when a key changes meaning.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_cachecompat import store
from pytest_cachecompat.config import ResolvedFamily, versions
from pytest_cachecompat.forms import CheckError
from pytest_cachecompat.run import Run
from pytest_cachecompat.store import StoreError

if TYPE_CHECKING:
    from pytest_cachecompat.gates import StaleItem

SCHEMA = "pytest-cachecompat report"
SCHEMA_VERSION = 1


def build_report(run: Run, notes: list[str]) -> dict[str, Any]:
    stale = _stale(run)
    families = [_family_entry(run, family, stale) for family in run.families]
    failed = run.problems or any(f["outcome"] == "failed" for f in families)
    base = run.gates.get("base")
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "outcome": "failed" if failed else "passed",
        "base": None if base is None else {k: base[k] for k in ("ref", "commit")},
        "release": bool(run.options.release),
        "families": families,
        "stale": [item.to_json() for item in stale if item.family is None],
        "notes": list(notes),
        "problems": list(run.problems),
    }


def _stale(run: Run) -> list[StaleItem]:
    from pytest_cachecompat.gates import run_stale

    try:
        return run_stale(run)
    except OSError as exc:
        run.problems.append(f"{run.settings.store}: cannot be listed for stale content: {exc}")
        return []


def _family_entry(run: Run, family: ResolvedFamily, stale: list[StaleItem]) -> dict[str, Any]:
    results = [r for r in run.results if r["family"] == family.name]
    # Ordered by what they check, not by when a worker finished: -n 4 reads like one process.
    layouts = sorted(
        (_layout_entry(r) for r in results if r["check"] == "layout"), key=lambda e: e["record"]
    )
    golden = _in_version_order(
        family, [_golden_entry(family, r) for r in results if r["check"] == "golden"]
    )
    recorded = store.recorded_versions(family.folder, family.version)
    previous = versions.previous(recorded, family.version)
    warnings = sorted({w for r in results for w in r.get("warnings", [])})
    changes = [c for entry in layouts for c in entry["changes"]]
    bump = _bump(run, family, layouts, recorded)
    if (
        bump is not None
        and not bump["changes"]
        and all(entry["status"] in ("recorded", "passed", "updated") for entry in layouts)
    ):
        warnings.append(
            f"v{family.version} was bumped from v{bump['from']} with no layout change and no "
            "serialized-form change: every user's cache of this family will be thrown away"
        )
    family_stale = [item for item in stale if item.family == family.name]
    warnings.extend(f"stale: {item.text}" for item in family_stale)
    outcome = "failed" if any(r["outcome"] == "failed" for r in results) else "passed"
    return {
        "name": family.name,
        "version_ref": family.version_ref,
        "version": family.version,
        "recorded_versions": recorded,
        "previous_version": previous,
        "bump": bump,
        "outcome": outcome if results else "not run",
        "records": layouts,
        "golden": golden,
        "changes": changes,
        "warnings": warnings,
        "stale": [item.to_json() for item in family_stale],
    }


def _in_version_order(
    family: ResolvedFamily, entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_version = {entry["version"]: entry for entry in entries}
    values = [versions.parse_folder(f"v{v}", family.version) for v in by_version]
    order = versions.ordered([v for v in values if v is not None])
    ordered = [by_version[str(v)] for v in order if str(v) in by_version]
    return ordered + [e for e in entries if e not in ordered]


def _bump(
    run: Run,
    family: ResolvedFamily,
    layouts: list[dict[str, Any]],
    recorded: list[versions.VersionValue],
) -> dict[str, Any] | None:
    """The version bump this run shows: since the base ref, or recorded by this very run.

    With ``--cache-compat-base``, a current version that the base did not record
    is a bump from the base's highest lower version; otherwise a current version
    whose layouts this run recorded (or found missing) is a bump from the
    previous recorded version.
    """
    base = run.gates.get("base")
    since: str | None = None
    if base is not None:
        at_base = base["recorded_versions"].get(family.name, [])
        if str(family.version) in {str(v) for v in at_base}:
            return None
        previous = versions.previous(at_base, family.version)
        since = base["ref"]
    elif any(entry["status"] in ("missing", "recorded", "not recorded") for entry in layouts):
        previous = versions.previous(recorded, family.version)
    else:
        return None
    if previous is None:
        return None
    try:
        changes = run.family_changes(family, previous)
    except StoreError as exc:
        run.problems.append(str(exc))
        changes = []
    try:
        # What dumps writes differently for the same values counts too:
        # "bumped with no change" only when neither layouts nor forms changed.
        form_changes = run.form_changes(family, previous)
    except (StoreError, CheckError):
        form_changes = []  # the record's own check reports why
    changes = sorted([*changes, *form_changes], key=lambda change: change.record)
    return {
        "from": previous,
        "to": family.version,
        "since": since,
        "records": sorted({c.record for c in changes}),
        "changes": [{"record": c.record, "kind": c.kind, "text": c.text} for c in changes],
    }


def _layout_entry(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "record": result["record"],
        "nodeid": result["nodeid"],
        "outcome": result["outcome"],
        "status": result["status"],
        "changes": result.get("changes", []),
        "warnings": result.get("warnings", []),
    }


def _golden_entry(family: ResolvedFamily, result: dict[str, Any]) -> dict[str, Any]:
    from pytest_cachecompat.golden import relation

    version = versions.parse_folder(f"v{result['archive_version']}", family.version)
    return {
        "version": result["archive_version"],
        "relation": relation(family, version) if version is not None else "unknown",
        "nodeid": result["nodeid"],
        "outcome": result["outcome"],
        "counts": result.get("counts", {}),
        "archives": result.get("archives", []),
        "fuzz": result.get("fuzz", {}),
        "written_by": result.get("written_by", {}),
    }


def terminal_lines(report: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if report.get("base"):
        base = report["base"]
        lines.append(f"base: store compared with {base['ref']} ({base['commit'][:12]})")
    for family in report["families"]:
        recorded = ", ".join(f"v{v}" for v in family["recorded_versions"]) or "none"
        lines.append(
            f"{family['name']}: {family['version_ref']} = {family['version']!r}; "
            f"recorded: {recorded}; {family['outcome']}"
        )
        bump = family["bump"]
        if bump:
            since = f" (since {bump['since']})" if bump.get("since") else ""
            lines.append(f"  bumped v{bump['from']} -> v{bump['to']}{since}")
            lines.extend(f"    {change['text']}" for change in bump["changes"][:20])
            if len(bump["changes"]) > 20:
                lines.append(f"    ... and {len(bump['changes']) - 20} more changes")
        statuses = Counter(entry["status"] for entry in family["records"])
        if statuses:
            lines.append("  layouts: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
        lines.extend(f"  changed: {change}" for change in family["changes"][:20])
        for golden in family["golden"]:
            counts = ", ".join(f"{n} {k}" for k, n in sorted(golden["counts"].items())) or "none"
            fuzz = golden["fuzz"]
            fuzz_text = (
                f"; fuzz: {', '.join(f'{n} {k}' for k, n in sorted(fuzz.items()))}" if fuzz else ""
            )
            lines.append(
                f"  archives v{golden['version']} ({golden['relation']}): {counts}{fuzz_text}"
            )
        lines.extend(f"  warning: {warning}" for warning in family["warnings"])
    lines.extend(f"warning: stale: {item['path']}: {item['reason']}" for item in report["stale"])
    lines.extend(report["notes"])
    lines.extend(f"FAILED: {problem}" for problem in report["problems"])
    return lines


def write_terminal_summary(terminalreporter: Any, run: Run, notes: list[str]) -> None:
    report = run.report if run.report is not None else build_report(run, notes)
    terminalreporter.write_sep("=", "cache compatibility")
    for line in terminal_lines(report):
        terminalreporter.write_line(run.options.relative(line))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for annotation in github_annotations(run, report):
            terminalreporter.write_line(annotation)


def check_report_path(value: str, invocation_dir: Path) -> Path:
    """The ``--cache-compat-report`` file, checked before the run so no result is lost."""
    from pytest_cachecompat.config import ConfigError

    path = invocation_dir / value
    if path.is_dir():
        raise ConfigError(f"--cache-compat-report={value}: is a directory; give a file path")
    if not path.parent.is_dir():
        raise ConfigError(f"--cache-compat-report={value}: the folder {path.parent} does not exist")
    return path


def write_json(report: dict[str, Any], path: Path) -> None:
    data = json.dumps(report, indent=2, default=str) + "\n"
    store.atomic_write(path, data.encode("utf-8"))


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(report: dict[str, Any]) -> str:
    outcome = "passed" if report["outcome"] == "passed" else "**failed**"
    lines = ["## Cache compatibility", ""]
    base = f" against `{report['base']['ref']}`" if report.get("base") else ""
    lines += [f"Outcome{base}: {outcome}", ""]
    lines += [
        "| family | version | recorded | bump | layouts | archives | outcome |",
        "|---|---|---|---|---|---|---|",
    ]
    for family in report["families"]:
        recorded = ", ".join(f"v{v}" for v in family["recorded_versions"]) or "none"
        bump = family["bump"]
        bump_text = f"v{bump['from']} → v{bump['to']}" if bump else "-"
        statuses = Counter(entry["status"] for entry in family["records"])
        layouts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "-"
        archive_counts: Counter[str] = Counter()
        for golden in family["golden"]:
            archive_counts.update(golden["counts"])
        archives = ", ".join(f"{n} {k}" for k, n in sorted(archive_counts.items())) or "-"
        version = f"`{family['version_ref']}` = {family['version']!r}"
        family_outcome = "**failed**" if family["outcome"] == "failed" else family["outcome"]
        cells = [family["name"], version, recorded, bump_text, layouts, archives, family_outcome]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    details = [
        f"- **{f['name']}** v{f['bump']['from']} → v{f['bump']['to']}: {c['text']}"
        for f in report["families"]
        if f["bump"]
        for c in f["bump"]["changes"]
    ]
    details += [f"- **{f['name']}** changed: {c}" for f in report["families"] for c in f["changes"]]
    details += [f"- warning ({f['name']}): {w}" for f in report["families"] for w in f["warnings"]]
    details += [f"- warning: stale: {i['path']}: {i['reason']}" for i in report["stale"]]
    details += [f"- **failed**: {p}" for p in report["problems"]]
    if details:
        lines += ["", *details]
    return "\n".join(lines) + "\n\n"


def write_github_outputs(report: dict[str, Any], summary_file: Path) -> None:
    """Append the Markdown summary to ``$GITHUB_STEP_SUMMARY`` (earlier steps' content is kept)."""
    with open(summary_file, "a", encoding="utf-8") as handle:
        handle.write(markdown(report))


def github_annotations(run: Run, report: dict[str, Any]) -> list[str]:
    """``::error`` workflow commands: failed records at their source line, then other problems."""
    root = _workspace(run)
    annotations = []
    for family_entry in report["families"]:
        family = run.family(family_entry["name"])
        types = _types_by_name(run, family)
        title = f"cachecompat {family.name}"
        for entry in family_entry["records"]:
            if entry["outcome"] != "failed":
                continue
            params = _source_params(root, types.get(entry["record"]))
            texts = [
                c if c.startswith(entry["record"]) else f"{entry['record']}: {c}"
                for c in entry["changes"][:5]
            ]
            message = "; ".join(texts) or f"{entry['record']}: layout check {entry['status']}"
            annotations.append(_command(params, title, message))
        for golden in family_entry["golden"]:
            if golden["outcome"] != "failed":
                continue
            manifest = family.folder / f"v{golden['version']}" / store.MANIFEST_NAME
            failed = [a["file"] for a in golden["archives"] if a.get("outcome") == "failed"]
            listed = ", ".join(failed[:5]) + (
                f" and {len(failed) - 5} more" if len(failed) > 5 else ""
            )
            message = (
                f"golden archives of {family.name} v{golden['version']} ({golden['relation']}) "
                f"failed to load as expected: {listed or 'see ' + golden['nodeid']}"
            )
            annotations.append(_command([f"file={_relative(root, manifest)}"], title, message))
    for problem in report["problems"]:
        head = problem.split(": ", 1)[0]
        params = [f"file={head}"] if head and (root / head).is_file() else []
        annotations.append(_command(params, "cachecompat", problem))
    return annotations


def _command(params: list[str], title: str, message: str) -> str:
    properties = [_escape_property(p) for p in [*params, f"title={title}"]]
    return f"::error {','.join(properties)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(param: str) -> str:
    key, _, value = param.partition("=")
    return f"{key}={_escape_data(value).replace(':', '%3A').replace(',', '%2C')}"


def _source_params(root: Path, cls: type | None) -> list[str]:
    import inspect

    if cls is None:
        return []
    try:
        file = Path(inspect.getsourcefile(cls) or "")
        line = inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return []
    return [f"file={_relative(root, file)}", f"line={line}"]


def _types_by_name(run: Run, family: ResolvedFamily) -> dict[str, type]:
    from pytest_cachecompat.layout import collect_types

    return collect_types(family.records)


def _workspace(run: Run) -> Path:
    """Where annotation paths start: the checkout on GitHub Actions, else the rootdir."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    return Path(workspace).resolve() if workspace else run.options.rootpath


def _relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
