"""The pre-release check, ``--cache-compat-release`` (docs/ci.md).

A release is ready when every family's current version is recorded and
frozen (it has golden archives), nothing in the store is stale or unused,
and every check of the run passed. Runs on the controller at the end of the
run; it reads the store and the reported results, and writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_cachecompat import store

from ._stale import run_stale

if TYPE_CHECKING:
    from pytest_cachecompat.config import ResolvedFamily
    from pytest_cachecompat.run import Run

FREEZE_COMMAND = "pytest --cache-compat --cache-compat-freeze"
UPDATE_COMMAND = "pytest --cache-compat --snapshot-update"


def check_release(run: Run) -> list[str]:
    """Problem lines that stop a release, each naming the family, file or check."""
    problems: list[str] = []
    for family in run.families:
        problems.extend(_family_ready(run, family))
    problems.extend(
        f"release: stale store content {item.text} "
        "(remove it by hand, or declare what it belongs to)"
        for item in run_stale(run)
    )
    failed = [r for r in run.results if r.get("outcome") == "failed"]
    problems.extend(
        f"release: {r['nodeid']} failed (family {r['family']!r}); every check must pass"
        for r in failed
    )
    run.gates["release"] = {"problems": len(problems)}
    return problems


def _family_ready(run: Run, family: ResolvedFamily) -> list[str]:
    folder = family.version_folder
    where = f"release: family {family.name!r} v{family.version} ({family.version_ref})"
    problems = []
    if not store.read_layouts(folder):
        problems.append(f"{where}: not recorded in {folder}; run `{UPDATE_COMMAND}`")
    if not (folder / store.MANIFEST_NAME).is_file():
        problems.append(
            f"{where}: has no golden archives ({folder / store.MANIFEST_NAME} is missing); "
            f"freeze it before the release with `{FREEZE_COMMAND}`"
        )
    missing = _checks_not_run(run, family)
    if missing:
        problems.append(
            f"{where}: {len(missing)} of its checks did not run in this run "
            f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}; deselected with "
            "-k, -m or node ids?); the release check needs every check of every family"
        )
    return problems


def _checks_not_run(run: Run, family: ResolvedFamily) -> list[str]:
    """Layout checks (one per record type) and golden checks (one per frozen version) not run."""
    from pytest_cachecompat.golden import archived_versions

    expected = [f"layout[{name}]" for name in run.current_layouts(family)]
    expected += [f"golden[v{version}]" for version in archived_versions(family)]
    ran = {
        f"layout[{r['record']}]" if r["check"] == "layout" else f"golden[v{r['archive_version']}]"
        for r in run.results
        if r["family"] == family.name
    }
    return [name for name in expected if name not in ran]
