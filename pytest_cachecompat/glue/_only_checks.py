"""Runs that select only the plugin's checks collect no ordinary test module.

``pytest --cache-compat -m cachecompat`` deselects every ordinary test, but
pytest would still import, assertion-rewrite and collect each test module
first, only to throw its items away (docs/performance.md). When the selection
can match nothing but the plugin's own items, files other than ``conftest.py``
are left uncollected; directories are still walked, so their ``conftest.py``
files load as in any run. The same analysis of ``-m`` and of node ids tells
which kinds of check (layout, golden) the run can select, so that the others
are not built. What triggers each is listed in docs/configuration.md ("Runs
that select only the checks").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._collect import (
    GOLDEN_MARK,
    LAYOUT_MARK,
    MARK,
    NodeIdSelection,
    argument_paths,
    rootdir_relative,
)

if TYPE_CHECKING:
    from collections.abc import Callable

PLUGIN_MARKS = frozenset({MARK, LAYOUT_MARK, GOLDEN_MARK})
# The markers each kind of generated item carries.
CHECK_MARKS = {
    "layout": frozenset({MARK, LAYOUT_MARK}),
    "golden": frozenset({MARK, GOLDEN_MARK}),
}
CHECK_KINDS = frozenset(CHECK_MARKS)
# An expression with more marker terms than this is not analysed (2**N evaluations at worst);
# the run then collects everything, as without this module.
MAX_EVALUATIONS = 4096


def only_checks_selected(config: pytest.Config, store: Path) -> str | None:
    """Why only the plugin's checks can be selected, or ``None`` when ordinary tests can be.

    Triggers: a ``-m`` expression that no item without a cachecompat marker can
    match, or command-line paths that all lie inside the store (node ids of
    generated items). ``-k`` alone never triggers: it matches names, and an
    ordinary test may be named like a check.
    """
    if config.getoption("cachecompat_discover", False):
        return None  # discovery runs the ordinary suite
    markexpr = config.getoption("markexpr", "") or ""
    if markexpr and markexpr_selects_only_checks(markexpr):
        return f"-m {markexpr!r} selects only cache-compat checks"
    paths = argument_paths(config)
    if paths and all(path == store or store in path.parents for path in paths):
        return f"only paths inside the store ({rootdir_relative(config, store)}) are selected"
    return None


def markexpr_selects_only_checks(markexpr: str) -> bool:
    """Whether ``markexpr`` is false for every item that has no cachecompat marker."""
    return not markexpr_can_select(markexpr, frozenset())


def selected_check_kinds(
    config: pytest.Config, selection: NodeIdSelection | None, store: Path
) -> frozenset[str]:
    """The kinds of check (``"layout"``, ``"golden"``) that the run can select.

    A kind whose items the selection cannot match is not built at all: a
    ``-m cachecompat_golden`` run, or one given only ``...::golden[v3]`` node
    ids, inspects no record type for layout items it would only deselect.
    Without ``-m``, with an expression too large to analyse, or with a path
    that holds the store, every kind is built. ``-k`` never narrows it: it
    matches names, which exist only once the items do.
    """
    markexpr = config.getoption("markexpr", "") or ""
    kinds = CHECK_KINDS
    if markexpr:
        kinds = frozenset(k for k in kinds if markexpr_can_select(markexpr, CHECK_MARKS[k]))
    if selection is not None:
        kinds &= _kinds_named(selection, store)
    return kinds


def _kinds_named(selection: NodeIdSelection, store: Path) -> frozenset[str]:
    """The kinds of check that the node ids and paths on the command line can name."""
    for path in selection.plain_paths:
        if path == store or path in store.parents or store in path.parents:
            return CHECK_KINDS  # a folder collected whole
    named: set[str] = set()
    for nodeid in selection.requested:
        _, _, name = nodeid.partition("::")
        kind = name.partition("[")[0]
        if kind not in CHECK_KINDS:
            return CHECK_KINDS  # a whole family, or a name that is no kind of check
        named.add(kind)
    return frozenset(named)


def markexpr_can_select(markexpr: str, plugin_marks: frozenset[str]) -> bool:
    """Whether ``markexpr`` can be true for an item with exactly these of the plugin's markers.

    The expression is evaluated for every truth assignment of its other marker
    terms (each ``name`` or ``name(kw=...)`` taken as independent, which can
    only add assignments: another plugin or a conftest may add markers to any
    item). Evaluation is lazy, so the assignments are explored as a decision
    tree: a term is branched on only where the evaluation reaches it. When in
    doubt (a malformed or too large expression) the answer is yes.
    """
    try:
        from _pytest.mark.expression import Expression

        expression = Expression.compile(markexpr)
    except (ImportError, SyntaxError):
        return True  # pytest reports a bad expression itself; collect as usual
    pending: list[dict[tuple[object, ...], bool]] = [{}]
    evaluations = 0
    while pending:
        evaluations += 1
        if evaluations > MAX_EVALUATIONS:
            return True
        if expression.evaluate(_matcher(pending.pop(), pending, plugin_marks)):
            return True
    return False


def _matcher(
    assignment: dict[tuple[object, ...], bool],
    pending: list[dict[tuple[object, ...], bool]],
    plugin_marks: frozenset[str],
) -> Callable[..., bool]:
    def matcher(name: str, /, **kwargs: object) -> bool:
        if name in PLUGIN_MARKS:
            # The plugin adds its markers without arguments.
            return name in plugin_marks and not kwargs
        term = (name, *sorted(kwargs.items()))
        if term not in assignment:
            # Explore this path with the term false; queue the same path with it true.
            pending.append({**assignment, term: True})
            assignment[term] = False
        return assignment[term]

    return matcher


def skips_file(path: Path) -> bool:
    """A file that a run of only the plugin's checks leaves uncollected."""
    return path.name != "conftest.py" and not path.is_dir()
