"""One run of the checks: the families, the options and the results, free of pytest."""

from ._state import Options, Run

__all__ = ["Options", "Run"]
