"""The pytest side: building the run, the store collector and its items, the syrupy extension."""

from ._collect import (
    RESULT_PROPERTY,
    STAGED_PROPERTY,
    NodeIdSelection,
    StoreCollector,
    rootdir_relative,
    uncollected_store,
)
from ._discover_plugin import DiscoverPlugin
from ._finish import finish_run
from ._only_checks import (
    markexpr_can_select,
    markexpr_selects_only_checks,
    only_checks_selected,
    selected_check_kinds,
    skips_file,
)
from ._record import clean_store, take_results
from ._session import read_options, run_from_config
from ._xdist import is_xdist_worker

__all__ = [
    "RESULT_PROPERTY",
    "STAGED_PROPERTY",
    "DiscoverPlugin",
    "NodeIdSelection",
    "StoreCollector",
    "clean_store",
    "finish_run",
    "is_xdist_worker",
    "markexpr_can_select",
    "markexpr_selects_only_checks",
    "only_checks_selected",
    "read_options",
    "rootdir_relative",
    "run_from_config",
    "selected_check_kinds",
    "skips_file",
    "take_results",
    "uncollected_store",
]
