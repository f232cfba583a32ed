"""Layouts of record types, their deterministic samples, canonical values and changes in words."""

from ._canonical import canonical
from ._compare import Mismatch, compare_shared, strict_equal
from ._diff import Change, diff_trees
from ._family_diff import diff_layouts
from ._layout import Layout, collect_layouts, collect_types, layout_of
from ._layout_diff import diff_layout
from ._render import render, type_label
from ._samples import SampleError, default_samples

__all__ = [
    "Change",
    "Layout",
    "Mismatch",
    "SampleError",
    "canonical",
    "collect_layouts",
    "collect_types",
    "compare_shared",
    "default_samples",
    "diff_layout",
    "diff_layouts",
    "diff_trees",
    "layout_of",
    "render",
    "strict_equal",
    "type_label",
]
