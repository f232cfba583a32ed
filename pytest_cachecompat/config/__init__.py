"""What the user declared: families, their resolved references, version values."""

from . import _versions as versions
from ._family import EXPECT_MODES, FREEZE_MODES, IO_MODES, MISS_MODES, Family
from ._resolve import (
    FAMILY_KEYS,
    ConfigError,
    ResolvedFamily,
    Settings,
    families_from_table,
    find_pyproject,
    parse_settings,
    read_tool_table,
    resolve_all,
)
from ._versions import Distribution

__all__ = [
    "EXPECT_MODES",
    "FAMILY_KEYS",
    "FREEZE_MODES",
    "IO_MODES",
    "MISS_MODES",
    "ConfigError",
    "Distribution",
    "Family",
    "ResolvedFamily",
    "Settings",
    "families_from_table",
    "find_pyproject",
    "parse_settings",
    "read_tool_table",
    "resolve_all",
    "versions",
]
