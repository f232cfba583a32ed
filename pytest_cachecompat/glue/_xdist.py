"""Which process of an xdist run this is."""

from __future__ import annotations

import pytest


def is_xdist_worker(config: pytest.Config) -> bool:
    """True in an xdist worker; false in the controller and in a run without xdist."""
    return hasattr(config, "workerinput")
