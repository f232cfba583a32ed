"""Building a run from pytest's configuration: the families and the options, read once.

Each process (the controller and every xdist worker) builds its own run from
the configuration; results reach the controller only through test reports,
so a single process and ``-n 4`` produce the same summary.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from typing import Any

import pytest

from pytest_cachecompat.config import (
    ConfigError,
    ResolvedFamily,
    families_from_table,
    find_pyproject,
    parse_settings,
    read_tool_table,
    resolve_all,
)
from pytest_cachecompat.kinds import (
    BUILTIN_NAMES,
    ENTRY_POINT_GROUP,
    KindError,
    RecordKind,
    checked_kinds,
    use_project_kinds,
)
from pytest_cachecompat.run import Options, Run


def read_options(config: pytest.Config) -> Options:
    """The options the checks read, looked up once by their pytest names."""
    return Options(
        rootpath=config.rootpath,
        invocation_dir=config.invocation_params.dir,
        update_snapshots=bool(config.getoption("update_snapshots", False)),
        collect_only=bool(config.getoption("collectonly", False)),
        freeze=bool(config.getoption("cachecompat_freeze", False)),
        fuzz=int(config.getoption("cachecompat_fuzz", 0) or 0),
        fuzz_save=bool(config.getoption("cachecompat_fuzz_save", False)),
        base=config.getoption("cachecompat_base", None),
        release=bool(config.getoption("cachecompat_release", False)),
        report=config.getoption("cachecompat_report", None),
    )


def run_from_config(config: pytest.Config) -> Run:
    """Read and resolve every family and the options; a ``ConfigError`` names what is wrong."""
    pyproject = find_pyproject(config.rootpath, config.inipath)
    source = str(pyproject.relative_to(config.rootpath)) if pyproject else "pyproject.toml"
    table = read_tool_table(pyproject)
    settings = parse_settings(table, config.rootpath, source)
    use_project_kinds(_record_kinds(config))
    hook_families = _families_from_hook(config)
    families = resolve_all(families_from_table(table, source), hook_families, settings)
    if not families:
        raise ConfigError(
            f"no cache family is declared, so there is nothing to check: add a "
            f"[tool.cachecompat.families.<name>] table to {source}, or implement the "
            "pytest_cachecompat_families hook in the root conftest.py (or one next to "
            "testpaths; a conftest deeper down is loaded too late). See docs/configuration.md"
        )
    for family in families:
        _check_store_outside_snapshots(family)
    return Run(options=read_options(config), settings=settings, families=families)


HOOK = "conftest hook pytest_cachecompat_families"
KINDS_HOOK = "conftest hook pytest_cachecompat_record_kinds"


def _record_kinds(config: pytest.Config) -> list[RecordKind]:
    """The project's record kinds: from the hook, then from installed entry points."""
    declared: list[tuple[str, object]] = []
    try:
        for result in config.hook.pytest_cachecompat_record_kinds(config=config):
            declared.extend((KINDS_HOOK, kind) for kind in _flatten([result]))
    except Exception as exc:
        raise ConfigError(f"{KINDS_HOOK} raised {type(exc).__name__}: {exc}") from None
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        source = f"entry point {entry_point.name} = {entry_point.value} ({ENTRY_POINT_GROUP})"
        try:
            declared.append((source, entry_point.load()))
        except Exception as exc:
            raise ConfigError(f"{source}: cannot load it: {type(exc).__name__}: {exc}") from None
    try:
        return checked_kinds(declared, BUILTIN_NAMES)
    except KindError as exc:
        raise ConfigError(str(exc)) from None


def _families_from_hook(config: pytest.Config) -> list[object]:
    """Families declared in Python; a mistake there is a usage error like one in pyproject."""
    try:
        return _flatten(config.hook.pytest_cachecompat_families(config=config))
    except Exception as exc:
        raise ConfigError(
            f"{HOOK} raised {type(exc).__name__}: {exc}{_keyword_hint(exc)}"
        ) from None


def _keyword_hint(exc: Exception) -> str:
    """``Family(recods=...)``: point at the key that was meant."""
    import difflib
    import re

    from pytest_cachecompat.config import FAMILY_KEYS

    match = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
    if not match:
        return ""
    close = difflib.get_close_matches(match.group(1), ("name", *FAMILY_KEYS), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _flatten(results: Iterable[Any]) -> list[object]:
    families: list[object] = []
    for result in results:
        if result is None:
            continue
        if isinstance(result, Iterable) and not isinstance(result, str | bytes):
            families.extend(result)
        else:
            families.append(result)
    return families


def _check_store_outside_snapshots(family: ResolvedFamily) -> None:
    if "__snapshots__" in family.store.parts:
        raise ConfigError(
            f"store = {family.store}: must not be inside a syrupy __snapshots__ folder "
            "(syrupy deletes files it does not recognise there)"
        )
