"""Layouts of record types, their deterministic samples, canonical values and changes in words."""

from ._canonical import canonical, without_cycles
from ._compare import Mismatch, compare_shared, record_root, strict_equal
from ._diff import Change, DiffLines, diff_trees
from ._family_diff import diff_layouts
from ._layout import Layout, collect_layouts, collect_types, layout_of
from ._layout_diff import diff_layout
from ._render import render, type_label
from ._samples import SampleError, default_samples

__all__ = [
    "Change",
    "DiffLines",
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
    "record_root",
    "render",
    "strict_equal",
    "type_label",
    "without_cycles",
]
