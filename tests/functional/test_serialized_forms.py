"""Serialized forms compared on their decoded trees (docs/failures.md).

Byte differences that no reader can see are no change; a real change is
named by record and field, in words.
"""

from __future__ import annotations

import json
import pickletools
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from helpers import assert_clean

if TYPE_CHECKING:
    from conftest import Project

PICKLED_MODELS = """\
import pydantic


class Tagged:
    name: str
    tags: set[str]

    def __init__(self, name, tags):
        self.name = name
        self.tags = tags


class Profile(pydantic.BaseModel):
    name: str
    roles: frozenset[str] = frozenset()
    note: str | None = None
"""

PICKLED_CACHE = """\
import pickle

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def dumps(obj):
    return pickle.dumps(obj, protocol=4)


def loads(data):
    try:
        return pickle.loads(data)
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
"""

PICKLED_SAMPLES = """\
from mypkg.models import Profile, Tagged


def samples():
    return [
        Tagged("t", {"alpha", "beta", "gamma", "delta", "epsilon"}),
        Profile(name="p", roles=frozenset({"admin", "dev", "ops", "qa"}), note="n"),
    ]
"""


def _pickled_project(project: Project) -> None:
    project.declare(
        '"mypkg.models:Tagged", "mypkg.models:Profile"', extra='samples = "mypkg.testing:samples"'
    )
    project.write("mypkg/models.py", PICKLED_MODELS)
    project.write("mypkg/cache.py", PICKLED_CACHE)
    project.write("mypkg/testing.py", PICKLED_SAMPLES)


@pytest.mark.slow
def test_pickled_sets_recorded_under_one_hash_seed_pass_under_ten_others(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pickled_project(project)
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    recorded = project.run_subprocess("--cache-compat", "--snapshot-update")
    assert recorded.ret == 0, recorded.stdout.str()
    before = project.store_state()
    samples = project.read("tests/cachecompat/simple/v0/mypkg.models.Profile.samples.json")
    assert '"__pydantic_fields_set__"' in samples  # the set pydantic pickles, decoded

    for seed in range(1, 11):
        monkeypatch.setenv("PYTHONHASHSEED", str(seed))
        result = project.run_subprocess("--cache-compat")
        out = result.stdout.str()
        assert result.ret == 0, f"PYTHONHASHSEED={seed}:\n{out}"
        assert_clean(out)
        assert project.store_state() == before
    # The bytes themselves did differ between those processes.
    assert _bytes_differ_across_seeds(project)


def _bytes_differ_across_seeds(project: Project) -> bool:
    import subprocess
    import sys

    script = (
        "import sys; sys.path.insert(0, '.'); "
        "from mypkg.cache import dumps; from mypkg.testing import samples; "
        "print(''.join(dumps(s).hex() for s in samples()))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=project.root,
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(11)
    }
    return len(outputs) > 1


# --- a payload behind a header: every change named by record and field ------------------------

ENTRY_MODELS = """\
import pydantic


class Entry(pydantic.BaseModel):
    name: str
    size: int = 0
    note: str | None = None
"""

JSON_BEHIND_A_TEXT_LINE = """\
import json

from mypkg.models import Entry

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def _data(entry):
    return entry.model_dump(mode="json", by_alias=True)


def dumps(entry):
    return b"entrycache 0\\n" + json.dumps(_data(entry)).encode()


def loads(data):
    header, _, payload = data.partition(b"\\n")
    if header != b"entrycache 0":
        raise CacheMiss(header)
    return Entry.model_validate(json.loads(payload))
"""

PICKLE_BEHIND_MAGIC = """\
import pickle

from mypkg.models import Entry

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def _data(entry):
    return entry.model_dump(mode="json", by_alias=True)


def dumps(entry):
    return b"ENTR\\x00" + pickle.dumps(_data(entry), protocol=4)


def loads(data):
    if data[:5] != b"ENTR\\x00":
        raise CacheMiss(data[:5])
    return Entry.model_validate(pickle.loads(data[5:]))
"""

# (file, old text, new text) edits a developer makes, and the line that must explain them.
HEADER_CHANGES = [
    pytest.param(
        [
            (
                "mypkg/cache.py",
                "    return entry.model_dump(",
                '    return {"length": entry.size} | entry.model_dump(exclude={"size"}, ',
            )
        ],
        "Entry.size: written under key 'length' instead of 'size'",
        id="renamed-key",
    ),
    pytest.param(
        [("mypkg/models.py", "size: int = 0", 'size: int = pydantic.Field(0, alias="bytes")')],
        "Entry.size: written under key 'bytes' instead of 'size'",
        id="alias",
    ),
    pytest.param(
        [
            (
                "mypkg/cache.py",
                'mode="json", by_alias=True',
                'mode="json", by_alias=True, exclude_defaults=True',
            )
        ],
        "Entry.note: no longer written (was None)",
        id="exclude-defaults",
    ),
]


@pytest.mark.parametrize(
    "cache", [JSON_BEHIND_A_TEXT_LINE, PICKLE_BEHIND_MAGIC], ids=["json-text-line", "pickle-magic"]
)
@pytest.mark.parametrize(("edits", "words"), HEADER_CHANGES)
def test_a_payload_behind_a_header_is_decoded_and_its_changes_named(
    project: Project, cache: str, edits: list[tuple[str, str, str]], words: str
) -> None:
    project.declare('"mypkg.models:Entry"')
    project.write("mypkg/models.py", ENTRY_MODELS)
    project.write("mypkg/cache.py", cache)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    recorded = project.read("tests/cachecompat/simple/v0/mypkg.models.Entry.samples.json")
    header = (
        '"header": "entrycache 0\\n"'
        if cache is JSON_BEHIND_A_TEXT_LINE
        else '"header": {\n        "$bytes": "454e545200"\n      }'
    )
    assert header in recorded
    assert '"name": "name"' in recorded  # the payload, decoded
    for path, old, new in edits:
        project.edit(path, old, new)

    result = project.run("--cache-compat")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert_clean(out)
    assert "serialized form of mypkg.models:Entry changed" in out
    assert words in out
    assert "decoded[" not in out


# --- positional msgpack: values named by field ---------------------------------------------------

WHEEL_MODELS = """\
import datetime

import attrs


@attrs.frozen
class File:
    name: str
    uploaded_at: datetime.datetime
    digest: bytes


@attrs.frozen
class Wheel:
    name: str
    files: list[File]
"""

POSITIONAL_CACHE = """\
import datetime

import attrs
import msgpack

from mypkg.models import File, Wheel

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def _plain(obj):
    if attrs.has(type(obj)):
        return [_plain(getattr(obj, f.name)) for f in attrs.fields(type(obj))]
    if isinstance(obj, list):
        return [_plain(item) for item in obj]
    if isinstance(obj, datetime.datetime):
        return obj.replace(tzinfo=datetime.timezone.utc).timestamp()
    if isinstance(obj, bytes):
        return obj
    return obj


def dumps(wheel):
    return msgpack.packb(_plain(wheel), use_bin_type=True)


def loads(data):
    try:
        name, files = msgpack.unpackb(data)
        return Wheel(name, [File(n, datetime.datetime.utcfromtimestamp(t), d) for n, t, d in files])
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
"""


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        pytest.param(
            "return obj.replace(tzinfo=datetime.timezone.utc).timestamp()",
            "return obj.isoformat()",
            "Wheel.files[0].uploaded_at: 1577987441.0 -> '2020-01-02T17:50:41' (float -> str)",
            id="datetime-timestamp-to-iso",
        ),
        pytest.param(
            "        return obj\n    return obj",
            "        return obj.decode()\n    return obj",
            "Wheel.files[0].digest: b'files[].digest' -> 'files[].digest' "
            "(bytes are now written as str, as UTF-8 text)",
            id="bytes-as-str",
        ),
    ],
)
def test_positional_values_are_named_by_field(
    project: Project, old: str, new: str, words: str
) -> None:
    project.declare('"mypkg.models:Wheel"')
    project.write("mypkg/models.py", WHEEL_MODELS)
    project.write("mypkg/cache.py", POSITIONAL_CACHE)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    project.edit("mypkg/cache.py", old, new)

    result = project.run("--cache-compat")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert_clean(out)
    assert f"  - sample 1: {words}\n" in out
    assert "decoded[" not in out


# --- a pickled class: one field changed, one line -------------------------------------------------

SETTINGS_MODELS = """\
class Settings:
    path: str
    level: int = 0

    def __init__(self, path, level=0):
        self.path = path
        self.level = level
"""

SETTINGS_SAMPLES = """\
from mypkg.models import Settings


def samples():
    return [Settings("/etc/app.toml", 3)]
"""


def test_a_pickled_class_whose_one_field_changes_reads_as_one_line(project: Project) -> None:
    project.declare(
        '"mypkg.models:Settings"',
        extra='samples = "mypkg.testing:samples"\ndefault_samples = false',
    )
    project.write("mypkg/models.py", SETTINGS_MODELS)
    project.write("mypkg/cache.py", PICKLED_CACHE)
    project.write("mypkg/testing.py", SETTINGS_SAMPLES)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    # __getstate__ now writes the level as text: the class's layout is unchanged.
    project.edit(
        "mypkg/models.py",
        "        self.level = level\n",
        "        self.level = level\n\n"
        "    def __getstate__(self):\n"
        "        return {**self.__dict__, 'level': str(self.level)}\n",
    )

    result = project.run("--cache-compat")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert_clean(out)
    difference = out.split("Decoded difference (recorded -> now):\n", 1)[1].split("\nFix:", 1)[0]
    assert difference == "  - sample 0: Settings.level: 3 -> '3' (int -> str)"


# --- a family declares its framing ---------------------------------------------------------------

COMPRESSED_CACHE = """\
import json
import zlib

from mypkg.models import Entry

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def dumps(entry):
    return b"EC" + zlib.compress(json.dumps(entry.model_dump(mode="json")).encode())


def split(data):
    return data[:2], zlib.decompress(data[2:])


def split_badly(data):
    return data


def loads(data):
    try:
        return Entry.model_validate(json.loads(split(data)[1]))
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
"""


def test_a_declared_framing_splits_the_header_off_before_decoding(project: Project) -> None:
    project.declare('"mypkg.models:Entry"', extra='framing = "mypkg.cache:split"')
    project.write("mypkg/models.py", ENTRY_MODELS)
    project.write("mypkg/cache.py", COMPRESSED_CACHE)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    recorded = project.read("tests/cachecompat/simple/v0/mypkg.models.Entry.samples.json")
    assert '"header": "EC"' in recorded
    assert '"format": "json"' in recorded
    project.edit(
        "mypkg/cache.py", 'model_dump(mode="json")', 'model_dump(mode="json") | {"size": "0"}'
    )

    result = project.run("--cache-compat")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert_clean(out)
    assert re.search(r"  - every sample: Entry\.size: \d+ -> '0' \(int -> str\)\n", out), out

    project.declare('"mypkg.models:Entry"', extra='framing = "mypkg.cache:split_badly"')
    result = project.run("--cache-compat")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert_clean(out)
    assert (
        "family 'simple': framing = mypkg.cache:split_badly returned bytes, "
        "expected a tuple (header bytes, payload bytes)"
    ) in out


# --- a bump: CHANGES.md names serialized-form changes too ----------------------------------------

BODY_MODELS = """\
import attrs


@attrs.frozen
class Entry:
    key: str
    body: bytes
"""

BASE85_CACHE = """\
import base64
import json

from mypkg.models import Entry

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def dumps(entry):
    return json.dumps({"key": entry.key, "body": base64.b85encode(entry.body).decode()}).encode()


def loads(data):
    try:
        raw = json.loads(data)
        return Entry(raw["key"], base64.b85decode(raw["body"]))
    except Exception as exc:
        raise CacheMiss(str(exc)) from exc
"""


@pytest.mark.parametrize(
    ("edits", "words"),
    [
        pytest.param(
            [("b85encode", "b64encode"), ("b85decode", "b64decode")],
            "- mypkg.models:Entry: Entry.body: bytes written as base64 text instead of base85 text",
            id="base85-to-base64",
        ),
        pytest.param(
            [
                ("import json\n", "import json\nimport pickle\n"),
                (
                    'return json.dumps({"key": entry.key, "body": base64.b85encode(entry.body)'
                    ".decode()}).encode()",
                    "return pickle.dumps(entry)",
                ),
            ],
            "- mypkg.models:Entry: written as pickle instead of JSON",
            id="json-to-pickle",
        ),
    ],
)
def test_a_bump_lists_serialized_form_changes_in_changes_md(
    project: Project, edits: list[tuple[str, str]], words: str
) -> None:
    project.declare('"mypkg.models:Entry"')
    project.write("mypkg/models.py", BODY_MODELS)
    project.write("mypkg/cache.py", BASE85_CACHE)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    for old, new in edits:
        project.edit("mypkg/cache.py", old, new)
    project.set_version(1)

    result = project.run("--cache-compat", "--snapshot-update")
    out = result.stdout.str()
    assert result.ret == 0, out
    assert "no serialized-form change" not in out
    changes = project.read("tests/cachecompat/simple/v1/CHANGES.md")
    assert "Changes against v0" in changes
    assert words in changes
    assert "no layout change" not in changes
    # The bump summary says the same.
    assert words.removeprefix("- ") in out


# --- rule 6: a form that differs from process to process -----------------------------------------

SET_AS_LIST_CACHE = """\
import json

from mypkg.models import Tagged

SIMPLE_CACHE_VERSION = 0


class CacheMiss(Exception):
    pass


def dumps(obj):
    # The set is written in iteration order, which follows the hash seed.
    return json.dumps({"name": obj.name, "tags": list(obj.tags)}).encode()


def loads(data):
    raw = json.loads(data)
    return Tagged(raw["name"], set(raw["tags"]))
"""

TAGGED_SAMPLES = """\
from mypkg.models import Tagged


def samples():
    return [Tagged("t", {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"})]
"""


@pytest.mark.slow
def test_a_value_that_follows_the_hash_seed_is_reported_as_not_deterministic(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.declare(
        '"mypkg.models:Tagged"', extra='samples = "mypkg.testing:samples"\ndefault_samples = false'
    )
    project.write("mypkg/models.py", PICKLED_MODELS)
    project.write("mypkg/cache.py", SET_AS_LIST_CACHE)
    project.write("mypkg/testing.py", TAGGED_SAMPLES)
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    assert project.run_subprocess("--cache-compat", "--snapshot-update").ret == 0
    before = project.store_state()

    failed = 0
    for seed in range(5, 10):
        monkeypatch.setenv("PYTHONHASHSEED", str(seed))
        result = project.run_subprocess("--cache-compat")
        out = result.stdout.str()
        assert_clean(out)
        assert "serialized form of" not in out  # never a false "the format changed"
        if result.ret != 0:
            failed += 1
            assert "dumps = mypkg.cache:dumps is not deterministic across processes" in out
            assert "  - sample 0: Tagged.tags: the same 6 items, in another order: [" in out
        assert project.store_state() == before
    assert failed  # six strings: some seed iterates them in another order than seed 0


# --- a store recorded by an older plugin -------------------------------------------------------


def _as_recorded_by_plugin_format_1(path: Path) -> None:
    """The samples file as the plugin wrote it before: format 1, pickles as opcode listings."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document["format_version"] = 1
    for entry in document["samples"]:
        data = bytes.fromhex("".join(entry["bytes"]))
        entry["decoded"] = [
            op.name if arg is None or op.name == "FRAME" else f"{op.name} {arg!r}"
            for op, arg, _ in pickletools.genops(data)
        ]
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def test_a_samples_file_recorded_by_an_older_plugin_still_passes_and_stays(
    project: Project,
) -> None:
    _pickled_project(project)
    assert project.run("--cache-compat", "--snapshot-update").ret == 0
    for name in ("Tagged", "Profile"):
        _as_recorded_by_plugin_format_1(
            project.store / f"simple/v0/mypkg.models.{name}.samples.json"
        )
    assert '"PROTO 4"' in project.read(
        "tests/cachecompat/simple/v0/mypkg.models.Tagged.samples.json"
    )
    before = project.store_state()

    for args in (["--cache-compat"], ["--cache-compat", "--snapshot-update"]):
        result = project.run(*args)
        assert result.ret == 0, result.stdout.str()
        assert project.store_state() == before

    # A real change is still told in words, on the trees decoded from the recorded bytes.
    project.edit(
        "mypkg/models.py", "        self.tags = tags\n", "        self.tags = sorted(tags)\n"
    )
    result = project.run("--cache-compat")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert re.search(
        r"  - sample 1: Tagged\.tags: \{'alpha', .*\} -> \['alpha', .*\] \(set -> array\)", out
    )
