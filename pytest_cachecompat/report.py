"""The run's summary as one data model, rendered for the terminal, JSON, Markdown and GitHub.

``build_report`` is the single source: the terminal section, the
``--cache-compat-report`` JSON and the ``$GITHUB_STEP_SUMMARY`` Markdown all
render the same dict, so they never disagree. The JSON schema is documented
in ``docs/reference.md``; ``schema_version`` changes when a key changes meaning.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from . import store, versions
from .config import ResolvedFamily
from .session import CacheCompatRun

SCHEMA = "pytest-cachecompat report"
SCHEMA_VERSION = 1


def build_report(run: CacheCompatRun, notes: list[str]) -> dict[str, Any]:
    families = [_family_entry(run, family) for family in run.families]
    failed = run.problems or any(f["outcome"] == "failed" for f in families)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "outcome": "failed" if failed else "passed",
        "families": families,
        "notes": list(notes),
        "problems": list(run.problems),
    }


def _family_entry(run: CacheCompatRun, family: ResolvedFamily) -> dict[str, Any]:
    results = [r for r in run.results if r["family"] == family.name]
    layouts = [_layout_entry(r) for r in results if r["check"] == "layout"]
    golden = [_golden_entry(family, r) for r in results if r["check"] == "golden"]
    recorded = store.recorded_versions(family.folder, family.version)
    previous = versions.previous(recorded, family.version)
    warnings = sorted({w for r in results for w in r.get("warnings", [])})
    changes = [c for entry in layouts for c in entry["changes"]]
    bumped = any(entry["status"] in ("missing", "recorded") for entry in layouts)
    if bumped and previous is not None and not changes and all(
        entry["status"] in ("recorded", "passed") for entry in layouts
    ):
        warnings.append(
            f"v{family.version} was bumped from v{previous} with no layout change: "
            "every user's cache of this family will be thrown away"
        )
    outcome = "failed" if any(r["outcome"] == "failed" for r in results) else "passed"
    return {
        "name": family.name,
        "version_ref": family.version_ref,
        "version": family.version,
        "recorded_versions": recorded,
        "previous_version": previous,
        "bump": {"from": previous, "to": family.version} if bumped and previous is not None else None,
        "outcome": outcome if results else "not run",
        "records": layouts,
        "golden": golden,
        "changes": changes,
        "warnings": warnings,
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
    from .golden import relation

    version = versions.parse_folder(f"v{result['archive_version']}", family.version)
    return {
        "version": result["archive_version"],
        "relation": relation(family, version) if version is not None else "unknown",
        "nodeid": result["nodeid"],
        "outcome": result["outcome"],
        "counts": result.get("counts", {}),
        "archives": result.get("archives", []),
        "fuzz": result.get("fuzz", {}),
    }


def terminal_lines(report: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for family in report["families"]:
        recorded = ", ".join(f"v{v}" for v in family["recorded_versions"]) or "none"
        lines.append(
            f"{family['name']}: {family['version_ref']} = {family['version']!r}; "
            f"recorded: {recorded}; {family['outcome']}"
        )
        if family["bump"]:
            lines.append(f"  bumped v{family['bump']['from']} -> v{family['bump']['to']}")
        statuses = Counter(entry["status"] for entry in family["records"])
        if statuses:
            lines.append("  layouts: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
        lines.extend(f"  changed: {change}" for change in family["changes"][:20])
        for golden in family["golden"]:
            counts = ", ".join(f"{n} {k}" for k, n in sorted(golden["counts"].items())) or "none"
            fuzz = golden["fuzz"]
            fuzz_text = f"; fuzz: {', '.join(f'{n} {k}' for k, n in sorted(fuzz.items()))}" if fuzz else ""
            lines.append(f"  archives v{golden['version']} ({golden['relation']}): {counts}{fuzz_text}")
        lines.extend(f"  warning: {warning}" for warning in family["warnings"])
    lines.extend(report["notes"])
    lines.extend(f"FAILED: {problem}" for problem in report["problems"])
    return lines


def write_terminal_summary(terminalreporter: Any, run: CacheCompatRun, notes: list[str]) -> None:
    from .report import build_report

    report = run.report if run.report is not None else build_report(run, notes)
    terminalreporter.write_sep("=", "cache compatibility")
    for line in terminal_lines(report):
        terminalreporter.write_line(line)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for annotation in github_annotations(run, report):
            terminalreporter.write_line(annotation)


def write_json(report: dict[str, Any], path: Path) -> None:
    store.atomic_write(path, (json.dumps(report, indent=2, default=str) + "\n").encode("utf-8"))


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "## Cache compatibility",
        "",
        "| family | version | recorded | layouts | archives | outcome |",
        "|---|---|---|---|---|---|",
    ]
    for family in report["families"]:
        recorded = ", ".join(f"v{v}" for v in family["recorded_versions"]) or "none"
        statuses = Counter(entry["status"] for entry in family["records"])
        layouts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "-"
        archive_counts: Counter[str] = Counter()
        for golden in family["golden"]:
            archive_counts.update(golden["counts"])
        archives = ", ".join(f"{n} {k}" for k, n in sorted(archive_counts.items())) or "-"
        version = f"`{family['version_ref']}` = {family['version']!r}"
        lines.append(
            f"| {family['name']} | {version} | {recorded} | {layouts} | {archives} | "
            f"{family['outcome']} |"
        )
    details = [f"- **{f['name']}**: {c}" for f in report["families"] for c in f["changes"]]
    details += [f"- warning ({f['name']}): {w}" for f in report["families"] for w in f["warnings"]]
    details += [f"- **failed**: {p}" for p in report["problems"]]
    if details:
        lines += ["", *details]
    return "\n".join(lines) + "\n"


def write_github_outputs(report: dict[str, Any], summary_file: Path) -> None:
    with open(summary_file, "a", encoding="utf-8") as handle:
        handle.write(markdown(report))


def github_annotations(run: CacheCompatRun, report: dict[str, Any]) -> list[str]:
    """``::error`` lines pointing at the source of each record whose check failed."""
    annotations = []
    for family_entry in report["families"]:
        family = run.family(family_entry["name"])
        types = _types_by_name(run, family)
        for entry in family_entry["records"]:
            if entry["outcome"] != "failed":
                continue
            params = _source_params(run, types.get(entry["record"]))
            params.append(f"title=cachecompat {family.name}")
            text = "; ".join(entry["changes"][:5]) or entry["status"]
            message = f"{entry['record']}: {text}".replace("\n", "%0A")
            annotations.append(f"::error {','.join(params)}::{message}")
    return annotations


def _source_params(run: CacheCompatRun, cls: type | None) -> list[str]:
    import inspect

    if cls is None:
        return []
    try:
        file = Path(inspect.getsourcefile(cls) or "")
        line = inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return []
    return [f"file={_relative(run, file)}", f"line={line}"]


def _types_by_name(run: CacheCompatRun, family: ResolvedFamily) -> dict[str, type]:
    from .layout import collect_types

    return collect_types(family.records)


def _relative(run: CacheCompatRun, path: Path) -> str:
    try:
        return path.resolve().relative_to(run.config.rootpath).as_posix()
    except ValueError:
        return path.as_posix()
