"""parso 0.7.1 -> 0.8.0: pickled parser trees, a silent misread behind an unchanged version.

What the releases really do (found by hand first; README.md here): both
keep ``parso.cache:_PICKLE_VERSION = 33`` and the same grammar files, so
0.8.0 reads the very cache files 0.7.1 wrote. 0.8.0 added the tree class
``NamedExpr`` for ``:=``; a tree cached by 0.7.1 loads without error, but
its walrus node is a ``PythonNode``, which has no ``get_defined_names`` (a
fresh 0.8.0 parse gives a ``NamedExpr``). parso's own rule says to bump the
constant when a tree class changes; it was not bumped.

The plugin must fail the upgrade: the layout gate finds the new record and
the serialized form of the same sample naming the other class, both under
the same version 33. The golden archive itself loads (to the ``PythonNode``
that was written): the misread is only visible against what 0.8.0 writes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rwenv import (
    Environment,
    Release,
    copy_adopter,
    environments,
    record_and_freeze,
    store_files,
)

pytestmark = pytest.mark.realworld

PARSO_0_7 = Release("parso-0.7.1", ("parso==0.7.1",))
PARSO_0_8 = Release("parso-0.8.0", ("parso==0.8.0",))

MODULE = "tests/cachecompat/parser::layout[parso.python.tree:Module]"
NAMED_EXPR = "tests/cachecompat/parser::layout[parso.python.tree:NamedExpr]"


def _records(run_report: dict[str, object]) -> dict[str, str]:
    (family,) = run_report["families"]  # type: ignore[index]
    return {r["record"]: r["outcome"] for r in family["records"]}


@pytest.fixture(scope="module")
def envs() -> tuple[Environment, Environment]:
    old, new = environments([PARSO_0_7, PARSO_0_8])
    return old, new


def test_upgrade_to_0_8_fails_on_the_new_tree_class_under_the_same_version(
    envs: tuple[Environment, Environment], tmp_path: Path
) -> None:
    old, new = envs
    project = copy_adopter("parso", tmp_path / "tool")
    frozen = record_and_freeze(old, project)
    assert frozen.archives("parser", "33") == {
        "archives/parso.python.tree.Module-0.bin": "loaded"
    }, frozen
    recorded = store_files(project)

    run = new.pytest(project, "--cache-compat")

    assert run.ret == 1, run
    assert run.report is not None
    outcomes = _records(run.report)
    assert outcomes["parso.python.tree:NamedExpr"] == "failed", run
    assert outcomes["parso.python.tree:Module"] == "failed", run
    text = run.output
    assert "layout of parso.python.tree:NamedExpr changed but _PICKLE_VERSION is still 33" in text
    assert "parso.python.tree:NamedExpr: record added" in text
    # The same parse of the same source now pickles another class for the walrus node.
    assert (
        "serialized form of parso.python.tree:Module changed but _PICKLE_VERSION is still 33"
        in text
    ), run
    # ... and the diff says where: the walrus node, pickled as the other class.
    walrus = (
        r"^  - sample 0: decoded\.node(\.children\[\d+\])+: pickled as "
        r"'parso\.python\.tree:NamedExpr' instead of 'parso\.python\.tree:PythonNode'$"
    )
    assert re.search(walrus, text, re.MULTILINE), run
    assert "Fix: bump parso.cache:_PICKLE_VERSION from 33 to 34" in text, run
    # The archive 0.7.1 wrote still loads to what it wrote: the gate, not the archive, catches it.
    assert run.archives("parser", "33") == {"archives/parso.python.tree.Module-0.bin": "loaded"}

    # And --snapshot-update cannot make it pass: v33 is recorded, so it is frozen.
    update = new.pytest(project, "--cache-compat", "--snapshot-update")
    assert update.ret == 1, update
    assert store_files(project) == recorded


@pytest.mark.parametrize("seed", ["0", "4242"])
def test_an_unchanged_release_passes_under_any_hash_seed(
    envs: tuple[Environment, Environment], tmp_path: Path, seed: str
) -> None:
    # Pickled parser trees, recorded and frozen under a random hash seed: a
    # rerun of the same release under another seed (and seconds later) sees
    # no layout, serialized-form or archive change, and writes nothing.
    _, new = envs
    project = copy_adopter("parso", tmp_path / "tool")
    record_and_freeze(new, project)
    recorded = store_files(project)

    run = new.pytest(project, "--cache-compat", environ={"PYTHONHASHSEED": seed})

    assert run.ret == 0, run
    assert run.report is not None
    assert set(_records(run.report).values()) == {"passed"}, run
    assert run.archives("parser", "33") == {"archives/parso.python.tree.Module-0.bin": "loaded"}
    assert store_files(project) == recorded
