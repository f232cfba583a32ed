"""What a failure says about the loader's exception.

A validating loader (cattrs, say) raises an exception group whose
sub-exceptions explain what went wrong; a careful one chains its own error
to the cause. The failure text shows each sub-exception and each cause with
its type and message, nested and bounded, and the traceback of the first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

GOLDEN_V0 = "tests/cachecompat/simple::golden[v0]"


def replace_loads(project: Project, body: str) -> None:
    text = project.read("mypkg/cache.py")
    project.write("mypkg/cache.py", text[: text.index("def loads(data):")] + body)


# Structures like cattrs: one group per record, one sub-exception per field.
GROUP_LOADS = """\
def _field(name, value):
    raise KeyError(f"{name} missing from entry")


def _validate(payload):
    try:
        int(payload[0])
    except ValueError as exc:
        raise ValueError(f"bad size {payload[0]!r}") from exc


def loads(data):
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    next(unpacker)
    payload = next(unpacker)
    errors = []
    try:
        _field("digest", payload)
    except KeyError as exc:
        errors.append(exc)
    try:
        _validate(payload)
    except ValueError as exc:
        errors.append(exc)
    nested = ExceptionGroup("While structuring Hashes", [TypeError("hashes is not a mapping")])
    raise ExceptionGroup("While structuring File", [*errors, nested])
"""

CHAINED_LOADS = """\
class StoreCorrupt(Exception):
    pass


def loads(data):
    try:
        return _decode(data)
    except LookupError as exc:
        raise StoreCorrupt("cannot decode entry") from exc


def _decode(data):
    try:
        {}["filename"]
    except KeyError as exc:
        raise LookupError("no filename in entry") from exc
"""


@pytest.fixture
def frozen(recorded: Project) -> Project:
    result = recorded.run("--cache-compat", "--cache-compat-freeze")
    assert result.ret == 0, result.stdout.str()
    return recorded


@pytest.mark.parametrize("isolate", [False, True], ids=["in-process", "isolated"])
def test_every_sub_exception_of_a_group_is_shown(frozen: Project, isolate: bool) -> None:
    if isolate:
        frozen.configure("isolate = true")
    replace_loads(frozen, GROUP_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = result.stdout.str()
    assert "pytest_cachecompat/" not in out  # the loader's frames, not the plugin's
    assert (
        "unexpected exception builtins.ExceptionGroup: While structuring File (3 sub-exceptions)"
        in out
    )
    lines = out.splitlines()
    # Both sub-exceptions, with type and message, numbered; the nested group indented.
    assert "  [1] builtins.KeyError: 'digest missing from entry'" in lines
    assert "  [2] builtins.ValueError: bad size 'filename'" in lines
    assert (
        "        caused by builtins.ValueError: invalid literal for int() with base 10: 'filename'"
        in lines
    )
    assert "  [3] builtins.ExceptionGroup: While structuring Hashes (1 sub-exception)" in lines
    assert "        [1] builtins.TypeError: hashes is not a mapping" in lines
    # The traceback of the first sub-exception, down to the line that raised it.
    assert "Traceback of its first sub-exception, KeyError: 'digest missing from entry':" in out
    assert 'raise KeyError(f"{name} missing from entry")' in out
    assert "in _field" in out


def test_the_causes_of_an_exception_are_shown(frozen: Project) -> None:
    replace_loads(frozen, CHAINED_LOADS)

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = result.stdout.str()
    lines = out.splitlines()
    assert "unexpected exception mypkg.cache.StoreCorrupt: cannot decode entry" in out
    start = lines.index("unexpected exception mypkg.cache.StoreCorrupt: cannot decode entry")
    assert lines[start + 1 : start + 3] == [
        "  caused by builtins.LookupError: no filename in entry",
        "  caused by builtins.KeyError: 'filename'",
    ]


def test_a_huge_group_is_bounded(frozen: Project) -> None:
    replace_loads(
        frozen,
        "def loads(data):\n"
        "    raise ExceptionGroup('many', [ValueError(f'field {i}') for i in range(500)])\n",
    )

    result = frozen.run("--cache-compat", "-m", "cachecompat_golden")

    assert result.ret == 1
    out = result.stdout.str()
    assert "  [10] builtins.ValueError: field 9" in out.splitlines()
    assert "field 10" not in out
    assert "  ... and 490 more sub-exceptions" in out.splitlines()
