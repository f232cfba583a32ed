"""The pickle kind records what pickle stores: slots, `__init__` assignments, not annotations."""

from __future__ import annotations

import pickle
import sys
import sysconfig
import types
from pathlib import Path
from typing import Any

import attrs

from pytest_cachecompat.kinds import claim_project_modules, inspect_record, is_record_type
from pytest_cachecompat.layout import collect_layouts, default_samples, diff_layout, layout_of


class Token:
    __slots__ = ("__token", "name")


class Stats:
    def __init__(self, path: str, hits: int = 0) -> None:
        self.path = path
        self.hits = hits
        self.errors: list[str] = []


class Node:
    __slots__ = ("children", "parent")


class AnnotatedNode:
    __slots__ = ("children", "parent")
    type = "file_input"  # a class attribute: pickle never stores it
    children: list[Any]
    parent: AnnotatedNode | None


class NothingStored:
    def describe(self) -> str:
        return "no state"


def _renamed(layout: dict[str, Any]) -> dict[str, Any]:
    return {**layout, "record": "tests:Rec"}


def test_private_slots_are_fields_under_their_stored_name() -> None:
    layout = layout_of(Token)

    assert [field["name"] for field in layout["fields"]] == ["_Token__token", "name"]
    samples = default_samples(Token)
    assert samples
    restored = pickle.loads(pickle.dumps(samples[0]))
    assert restored._Token__token == samples[0]._Token__token  # type: ignore[attr-defined]


def test_init_assignments_are_the_fields_of_a_plain_class() -> None:
    layout = layout_of(Stats)

    assert layout["fields_from"] == "__init__ assignments"
    assert [field["name"] for field in layout["fields"]] == ["path", "hits", "errors"]
    (sample,) = default_samples(Stats)
    assert vars(sample) == {"path": "path", "hits": sample.hits, "errors": []}


def test_renaming_an_assigned_attribute_names_it_and_the_source() -> None:
    class Renamed:
        def __init__(self, path: str, hits: int = 0) -> None:
            self.path = path
            self.count = hits
            self.errors: list[str] = []

    changes = diff_layout(_renamed(layout_of(Stats)), _renamed(layout_of(Renamed)))

    texts = [change.text for change in changes]
    assert texts == [
        "tests:Rec: field renamed hits -> count (Any at position 1)"
        " (fields taken from __init__ assignments)"
    ]


def test_annotations_and_class_attributes_of_a_slots_class_are_no_change() -> None:
    before, after = layout_of(Node), layout_of(AnnotatedNode)

    assert diff_layout(_renamed(before), _renamed(after)) == []
    assert before["fields"] == after["fields"]
    assert [vars_of(s) for s in default_samples(Node)] == [
        vars_of(s) for s in default_samples(AnnotatedNode)
    ]


def test_a_renamed_slot_is_still_a_change() -> None:
    class Renamed:
        __slots__ = ("kids", "parent")

    changes = diff_layout(_renamed(layout_of(Node)), _renamed(layout_of(Renamed)))

    assert [change.kind for change in changes] == ["field renamed"]
    assert "children -> kids" in changes[0].text


def test_a_class_that_stores_nothing_is_no_record() -> None:
    assert not is_record_type(NothingStored)


def test_annotations_that_do_not_resolve_are_a_warning_not_an_error() -> None:
    namespace: dict[str, Any] = {}
    source = (
        "import attrs\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from http.cookiejar import CookieJar\n"
        "class Base:\n"
        "    jar: 'CookieJar'\n"
        "@attrs.define\n"
        "class Response(Base):\n"
        "    status: int\n"
        "    jar: 'CookieJar' = None\n"
    )
    exec(compile(source, "<third-party>", "exec", dont_inherit=True), namespace)

    info = inspect_record(namespace["Response"])

    assert [field.name for field in info.fields] == ["status", "jar"]
    assert layout_of(namespace["Response"])["fields"][1]["type"] == "'CookieJar'"
    assert len(info.warnings) == 1
    assert "field jar of" in info.warnings[0]
    assert "'CookieJar' cannot be resolved (NameError" in info.warnings[0]
    assert default_samples(namespace["Response"])


def vars_of(instance: object) -> dict[str, object]:
    return {name: getattr(instance, name) for name in ("children", "parent")}


def _installed_module(name: str) -> types.ModuleType:
    """A module that lives in site-packages, as another distribution's would."""
    module = types.ModuleType(name)
    module.__file__ = str(Path(sysconfig.get_paths()["purelib"]) / name / "__init__.py")
    sys.modules[name] = module
    return module


def test_another_distributions_class_is_named_not_guessed_into_a_layout() -> None:
    _installed_module("cc_vendor_dict")
    helper = type("CaseInsensitiveDict", (), {"__module__": "cc_vendor_dict"})
    helper.__annotations__ = {"_store": dict}

    namespace: dict[str, Any] = {"attrs": attrs, "CaseInsensitiveDict": helper}
    source = "@attrs.frozen\nclass Response:\n    headers: CaseInsensitiveDict\n"
    exec(compile(source, "<project>", "exec", dont_inherit=True), namespace)
    response = namespace["Response"]

    assert not is_record_type(helper)
    layouts = collect_layouts([response])
    assert list(layouts) == ["builtins:Response"]
    (field,) = next(iter(layouts.values()))["fields"]
    assert field["type"] == "cc_vendor_dict:CaseInsensitiveDict"


def test_a_declared_roots_package_is_the_projects_even_when_installed() -> None:
    _installed_module("cc_installed_project")
    record = type("Entry", (), {"__module__": "cc_installed_project", "__slots__": ("key",)})
    assert not is_record_type(record)

    claim_project_modules(["cc_installed_project.models"])

    assert is_record_type(record)
    assert [f["name"] for f in layout_of(record)["fields"]] == ["key"]
