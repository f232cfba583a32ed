"""The run's summary: one model; terminal, JSON, Markdown and GitHub renderings."""

from ._report import (
    build_report,
    check_report_path,
    markdown,
    terminal_lines,
    write_github_outputs,
    write_json,
    write_terminal_summary,
)

__all__ = [
    "build_report",
    "check_report_path",
    "markdown",
    "terminal_lines",
    "write_github_outputs",
    "write_json",
    "write_terminal_summary",
]
