"""Which ``-m`` expressions can match only the plugin's checks."""

from __future__ import annotations

import pytest

from pytest_cachecompat.glue import markexpr_can_select, markexpr_selects_only_checks

LAYOUT = frozenset({"cachecompat", "cachecompat_layout"})
GOLDEN = frozenset({"cachecompat", "cachecompat_golden"})


@pytest.mark.parametrize(
    "markexpr",
    [
        "cachecompat",
        "cachecompat_layout",
        "cachecompat_golden",
        "cachecompat and not slow",
        "not slow and cachecompat_golden",
        "(cachecompat_layout or cachecompat_golden) and not network",
        "not (not cachecompat)",
        "cachecompat or (slow and not slow)",
        "cachecompat(reason=1)",
        "cachecompat and (a or b or c or d or e or f)",
    ],
)
def test_expressions_that_only_checks_can_match(markexpr: str) -> None:
    assert markexpr_selects_only_checks(markexpr)


@pytest.mark.parametrize(
    "markexpr",
    [
        "slow",
        "not cachecompat",
        "cachecompat or slow",
        "slow or not slow",
        "not cachecompat_layout",
        "cachecompat_layout or not cachecompat_golden",
        "a and b and c and d or cachecompat",
        "slow(reason=1) and not slow(reason=2)",
        "not (",  # malformed: pytest reports it, the run collects as usual
    ],
)
def test_expressions_that_ordinary_tests_can_match(markexpr: str) -> None:
    assert not markexpr_selects_only_checks(markexpr)


def test_an_expression_too_large_to_analyse_collects_as_usual() -> None:
    # Only checks can match it, but telling so takes 3**13 evaluations: collect everything.
    clauses = " and ".join(f"(a{i} or b{i})" for i in range(13))
    assert not markexpr_selects_only_checks(f"{clauses} and cachecompat")
    assert markexpr_selects_only_checks(f"cachecompat and {clauses}")


@pytest.mark.parametrize(
    ("markexpr", "layout", "golden"),
    [
        ("cachecompat", True, True),
        ("cachecompat_golden", False, True),
        ("cachecompat_layout and not slow", True, False),
        ("not cachecompat_layout", False, True),
        ("cachecompat and not cachecompat_golden", True, False),
        ("slow", True, True),  # a conftest may mark any item slow
        ("cachecompat_golden(reason=1)", False, False),  # the plugin's markers take no arguments
        ("not cachecompat", False, False),
        ("not (", True, True),  # malformed: pytest reports it; build everything
    ],
)
def test_which_kinds_of_check_an_expression_can_select(
    markexpr: str, layout: bool, golden: bool
) -> None:
    assert markexpr_can_select(markexpr, LAYOUT) is layout
    assert markexpr_can_select(markexpr, GOLDEN) is golden
