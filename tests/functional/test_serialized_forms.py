"""Serialized forms compared on their decoded trees (SPEC §4 rule 5 and 6).

Byte differences that no reader can see are no change; a real change is
named by record and field, in words.
"""

from __future__ import annotations

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
