"""diff_layout(s): structural changes in words; diff_trees(): decoded-form diffs."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_cachecompat.layout import Change, canonical, diff_layout, diff_layouts, diff_trees

ALL_KINDS = {
    "record added",
    "record removed",
    "record moved",
    "kind changed",
    "option changed",
    "field added",
    "field removed",
    "field renamed",
    "fields reordered",
    "field type changed",
    "field required changed",
    "field default changed",
    "field alias changed",
    "field changed",
    "member added",
    "member removed",
    "member renamed",
    "member value changed",
    "members reordered",
}


def field(
    name: str, type_: str = "str", default: str | None = None, **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "type": type_, "required": default is None}
    if default is not None:
        entry["default"] = default
    entry.update(extra)
    return entry


def record(
    name: str,
    fields: list[dict[str, Any]] | None = None,
    *,
    kind: str = "attrs",
    options: dict[str, Any] | None = None,
    members: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    layout: dict[str, Any] = {"record": name, "kind": kind, "options": options or {}}
    if members is not None:
        layout["members"] = members
    else:
        layout["fields"] = fields or []
    return layout


def texts(changes: list[Change]) -> list[str]:
    return [c.text for c in changes]


H = "mypkg.models:Hashes"
F = "mypkg.models:File"
E = "mypkg.models:Kind"


# ---------------------------------------------------------------------------
# fields
# ---------------------------------------------------------------------------


def test_identical_layouts_have_no_changes() -> None:
    layout = record(H, [field("sha256")])
    assert diff_layout(layout, dict(layout)) == []
    assert diff_layouts({H: layout}, {H: dict(layout)}) == []


def test_field_added_first_names_position_and_neighbour() -> None:
    # the real-world bug: a new first field in a cached hashes struct
    old = record(H, [field("sha256", "str | None", "None")])
    new = record(H, [field("md5", "str | None", "None"), field("sha256", "str | None", "None")])
    assert diff_layout(old, new) == [
        Change(
            H,
            "field added",
            f"{H}: field md5 (str | None, default None) added at position 0 (before sha256)",
        )
    ]


def test_field_added_last_and_removed() -> None:
    old = record(F, [field("filename"), field("size", "int"), field("url")])
    new = record(F, [field("filename"), field("url"), field("yanked", "bool", "False")])
    assert texts(diff_layout(old, new)) == [
        f"{F}: field size (int) removed from position 1 (was before url)",
        f"{F}: field yanked (bool, default False) added at position 2 (after url)",
    ]


def test_rename_is_same_slot_same_shape() -> None:
    old = record(F, [field("filename"), field("sha", "str | None", "None")])
    new = record(F, [field("filename"), field("sha256", "str | None", "None")])
    assert diff_layout(old, new) == [
        Change(F, "field renamed", f"{F}: field renamed sha -> sha256 (str | None at position 1)")
    ]


def test_different_type_is_remove_plus_add_not_rename() -> None:
    old = record(F, [field("filename"), field("size", "int")])
    new = record(F, [field("filename"), field("length", "str")])
    assert [c.kind for c in diff_layout(old, new)] == ["field removed", "field added"]
    assert texts(diff_layout(old, new)) == [
        f"{F}: field size (int) removed from position 1 (was after filename)",
        f"{F}: field length (str) added at position 1 (after filename)",
    ]


def test_different_slot_is_remove_plus_add_not_rename() -> None:
    old = record(F, [field("a"), field("b")])
    new = record(F, [field("x"), field("a")])
    assert [c.kind for c in diff_layout(old, new)] == ["field removed", "field added"]


def test_fields_reordered() -> None:
    old = record(F, [field("a"), field("b", "int"), field("c")])
    new = record(F, [field("b", "int"), field("a"), field("c")])
    assert diff_layout(old, new) == [
        Change(F, "fields reordered", f"{F}: fields reordered: a, b, c -> b, a, c")
    ]


def test_field_attribute_changes_each_get_a_sentence() -> None:
    old = record(
        F,
        [
            field("requires_python", "str | None", "None"),
            field("size", "int", "0"),
            field("url"),
            field("sha", alias="digest", converter="str"),
        ],
    )
    new = record(
        F,
        [
            field("requires_python", "mypkg.specifiers:VersionSpecifiers | None", "None"),
            field("size", "int", "-1"),
            field("url", "str", "''"),
            field("sha", alias="sha_digest", converter="bytes.hex", tag=3),
        ],
    )
    assert diff_layout(old, new) == [
        Change(
            F,
            "field type changed",
            f"{F}: field requires_python type changed:"
            " str | None -> mypkg.specifiers:VersionSpecifiers | None",
        ),
        Change(
            F,
            "field default changed",
            f"{F}: field size default changed: 0 -> -1 (counts: the plugin cannot tell whether"
            " dumps leaves out fields equal to their default, as pydantic's exclude_defaults"
            " does; if it does, entries written before read back with the new default)",
        ),
        Change(
            F,
            "field required changed",
            f"{F}: field url is now optional, default '' (was required)",
        ),
        Change(F, "field alias changed", f"{F}: field sha alias changed: digest -> sha_digest"),
        Change(F, "field changed", f"{F}: field sha converter changed: str -> bytes.hex"),
        Change(F, "field changed", f"{F}: field sha tag changed: (none) -> 3"),
    ]


def test_field_becomes_required() -> None:
    old = record(F, [field("size", "int", "0")])
    new = record(F, [field("size", "int")])
    assert texts(diff_layout(old, new)) == [
        f"{F}: field size is now required (was optional, default 0)"
    ]


def test_several_changes_are_all_listed() -> None:
    old = record(F, [field("a"), field("b"), field("c", "int")], options={"frozen": False})
    new = record(
        F,
        [field("c", "float"), field("a"), field("d", "bool", "False")],
        kind="dataclass",
        options={"frozen": True, "slots": True},
    )
    assert texts(diff_layout(old, new)) == [
        f"{F}: kind changed: attrs -> dataclass",
        f"{F}: option frozen changed: False -> True",
        f"{F}: option slots set to True (was not set)",
        f"{F}: field b (str) removed from position 1 (was before c)",
        f"{F}: field d (bool, default False) added at position 2 (after a)",
        f"{F}: fields reordered: a, c -> c, a",
        f"{F}: field c type changed: int -> float",
    ]


def test_option_removed_and_unknown_top_level_key() -> None:
    old = record(F, options={"array_like": True})
    new = record(F) | {"tag": "file"}
    assert diff_layout(old, new) == [
        Change(F, "option changed", f"{F}: option array_like removed (was True)"),
        Change(F, "option changed", f"{F}: tag set to 'file' (was not set)"),
    ]


# ---------------------------------------------------------------------------
# enum members
# ---------------------------------------------------------------------------


def members(*pairs: tuple[str, object]) -> list[dict[str, Any]]:
    return [{"name": n, "value": v} for n, v in pairs]


def test_member_changes() -> None:
    old = record(E, kind="enum", members=members(("WHEEL", 1), ("SDIST", 2), ("EGG", 3)))
    new = record(
        E,
        kind="enum",
        members=members(("SOURCE", 2), ("WHEEL", "1"), ("ZIP", 9)),
    )
    assert diff_layout(old, new) == [
        Change(E, "member removed", f"{E}: member EGG = 3 removed"),
        Change(E, "member renamed", f"{E}: member renamed SDIST -> SOURCE (value 2)"),
        Change(E, "member added", f"{E}: member ZIP = 9 added"),
        Change(E, "members reordered", f"{E}: members reordered: WHEEL, SDIST -> SOURCE, WHEEL"),
        Change(E, "member value changed", f"{E}: member WHEEL value changed: 1 -> '1'"),
    ]


# ---------------------------------------------------------------------------
# many records
# ---------------------------------------------------------------------------


def test_record_moved_when_equal_apart_from_import_path() -> None:
    old = {H: record(H, [field("sha256")])}
    new = {"mypkg.other:Hashes": record("mypkg.other:Hashes", [field("sha256")])}
    assert diff_layouts(old, new) == [
        Change("mypkg.other:Hashes", "record moved", f"{H} moved to mypkg.other:Hashes")
    ]


def test_record_moved_and_renamed_with_same_fields() -> None:
    old = {H: record(H, [field("sha256")])}
    new = {"mypkg.other:Digests": record("mypkg.other:Digests", [field("sha256")])}
    assert texts(diff_layouts(old, new)) == [f"{H} moved to mypkg.other:Digests"]


def test_empty_records_with_other_names_are_not_a_move() -> None:
    old = {"a:Marker": record("a:Marker")}
    new = {"b:Other": record("b:Other")}
    assert diff_layouts(old, new) == [
        Change("a:Marker", "record removed", "a:Marker: record removed (attrs)"),
        Change("b:Other", "record added", "b:Other: record added (attrs)"),
    ]


def test_moved_and_changed_lists_the_move_then_the_changes() -> None:
    old = {H: record(H, [field("sha256")])}
    new = {"mypkg.other:Hashes": record("mypkg.other:Hashes", [field("md5"), field("sha256")])}
    assert texts(diff_layouts(old, new)) == [
        f"{H} moved to mypkg.other:Hashes",
        "mypkg.other:Hashes: field md5 (str) added at position 0 (before sha256)",
    ]


def test_records_added_removed_and_changed_in_name_order() -> None:
    old = {
        F: record(F, [field("filename")]),
        "mypkg.models:Old": record("mypkg.models:Old", [field("x", "int")]),
        E: record(E, kind="enum", members=members(("A", 1))),
    }
    new = {
        F: record(F, [field("filename", "bytes")]),
        "mypkg.models:New": record("mypkg.models:New", [field("y", "float")]),
        E: record(E, kind="enum", members=members(("A", 1), ("B", 2))),
    }
    assert diff_layouts(old, new) == [
        Change(F, "field type changed", f"{F}: field filename type changed: str -> bytes"),
        Change(E, "member added", f"{E}: member B = 2 added"),
        Change(
            "mypkg.models:New",
            "record added",
            "mypkg.models:New: record added (attrs; fields: y)",
        ),
        Change(
            "mypkg.models:Old",
            "record removed",
            "mypkg.models:Old: record removed (attrs; fields: x)",
        ),
    ]
    # determinism: map order does not matter
    assert diff_layouts(dict(reversed(old.items())), dict(reversed(new.items()))) == diff_layouts(
        old, new
    )


def test_every_documented_kind_is_produced() -> None:
    # One diff that changes everything at once, plus the few kinds that
    # cannot share it; the union must be exactly the documented set.
    old_map = {
        F: record(F, [field("a"), field("b"), field("c", "int", "0", alias="cc", tag=1)]),
        E: record(E, kind="enum", members=members(("X", 1), ("Y", 2), ("Z", 3), ("W", 4))),
        "m:Gone": record("m:Gone", [field("g")]),
        "m:Move": record("m:Move", [field("mv")]),
    }
    new_map = {
        F: record(
            F,
            [field("b"), field("a"), field("c", "float", "1", alias="cd", tag=2), field("n")],
            kind="dataclass",
            options={"frozen": True},
        ),
        E: record(
            E, kind="enum", members=members(("Y", 2), ("X", 1), ("Q", 3), ("W", 5), ("V", 6))
        ),
        "m:New": record("m:New", [field("nw")]),
        "n:Move": record("n:Move", [field("mv")]),
    }
    seen = {c.kind for c in diff_layouts(old_map, new_map)}
    seen |= {c.kind for c in diff_layout(record(F, [field("a")]), record(F, [field("z")]))}
    seen |= {c.kind for c in diff_layout(record(F, [field("a")]), record(F, []))}
    seen |= {
        c.kind
        for c in diff_layout(record(F, [field("a", "int", "0")]), record(F, [field("a", "int")]))
    }
    seen |= {
        c.kind
        for c in diff_layout(
            record(E, kind="enum", members=members(("A", 1))), record(E, kind="enum", members=[])
        )
    }
    assert seen == ALL_KINDS


# ---------------------------------------------------------------------------
# diff_trees
# ---------------------------------------------------------------------------


def test_equal_trees() -> None:
    assert diff_trees({"a": [1, {"$bytes": "00"}]}, {"a": [1, {"$bytes": "00"}]}) == []


def test_leaf_paths_and_values() -> None:
    old = [3, ["f.whl", None, 1, {"sha256": "abc"}]]
    new = [3, ["f.whl", None, "yes", {"sha256": "abc", "md5": "x"}]]
    assert diff_trees(old, new) == ["[1][2]: 1 -> 'yes'", "[1][3]['md5']: added 'x'"]


def test_bool_is_not_int() -> None:
    assert diff_trees([1], [True]) == ["[0]: 1 -> True"]


def test_inserted_item_is_one_line_not_a_shift() -> None:
    old = [["abc", 1, 2, 3]]
    new = [[None, "abc", 1, 2, 3]]
    assert diff_trees(old, new) == ["[0]: list of 4 -> list of 5 items", "[0][0]: added None"]


def test_removed_key_and_tagged_leaves() -> None:
    old = {"hashes": {"md5": "x", "sha": {"$bytes": "00"}}, "n": {"$map": [[1, "a"]]}}
    new = {"hashes": {"sha": {"$bytes": "ff"}}, "n": {"$map": [[1, "b"]]}}
    assert diff_trees(old, new, root="sample 0") == [
        "sample 0['hashes']['md5']: removed 'x'",
        "sample 0['hashes']['sha']: b'\\x00' -> b'\\xff'",
        "sample 0['n'][1]: 'a' -> 'b'",
    ]


def test_canonical_records_diff_by_field() -> None:
    old = canonical({"k": (1, 2)})
    new = canonical({"k": (1, 2, 3)})
    assert diff_trees(old, new) == ["['k']: tuple of 2 -> tuple of 3 items", "['k'][2]: added 3"]
    rec_old = {"$record": "m:A", "fields": {"x": 1, "y": [1]}}
    rec_new = {"$record": "n:A", "fields": {"x": 2, "z": None}}
    assert diff_trees(rec_old, rec_new, root="value") == [
        "value: record m:A -> n:A",
        "value.x: 1 -> 2",
        "value.y: removed [1]",
        "value.z: added None",
    ]


def test_top_level_type_change() -> None:
    assert diff_trees([1, 2], {"a": 1}) == ["<root>: [1, 2] -> {'a': 1}"]


@pytest.mark.parametrize("limit", [0, 3])
def test_output_is_bounded(limit: int) -> None:
    old = list(range(100))
    new = [str(i) for i in range(100)]
    lines = diff_trees(old, new, limit=limit)
    assert lines == [f"[{i}]: {i} -> '{i}'" for i in range(limit)] + [
        f"... and {100 - limit} more differences"
    ]


def test_long_values_are_shortened() -> None:
    (line,) = diff_trees(["x" * 500], ["y" * 500])
    assert len(line) < 200
    assert line.startswith("[0]: 'xxx") and "... -> 'yyy" in line and line.endswith("...")
