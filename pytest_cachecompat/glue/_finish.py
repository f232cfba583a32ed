"""End-of-run work on the controller: recording new versions, run-wide gates, reports.

Runs once, in the process that prints the summary (never in xdist workers):
it writes what the items of a recording run prepared (``_record``), then
only reads the store and the results that items reported.
"""

from __future__ import annotations

import os
from pathlib import Path

from pytest_cachecompat.run import Run

from ._record import record_versions


def finish_run(run: Run, notes: list[str]) -> bool:
    """Do the end-of-run work; True when a run-wide check failed."""
    record_versions(run, notes)
    if run.options.base:
        from pytest_cachecompat.gates import check_base

        run.problems.extend(check_base(run, run.options.base))
    if run.options.release:
        from pytest_cachecompat.gates import check_release

        run.problems.extend(check_release(run))
    _write_reports(run, notes)
    return bool(run.problems)


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
