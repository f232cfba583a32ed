"""State of one ``--cache-compat`` run: the resolved families and what the checks reported.

Each process (the controller and every xdist worker) builds its own run from
the configuration; results reach the controller only through test reports,
so a single process and ``-n 4`` produce the same summary.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import pytest

from . import store, versions
from .config import (
    ConfigError,
    ResolvedFamily,
    Settings,
    families_from_table,
    find_pyproject,
    parse_settings,
    read_tool_table,
    resolve_all,
)
from .diff import Change, diff_layouts
from .history import recorded_layouts


@attrs.define
class CacheCompatRun:
    config: pytest.Config
    settings: Settings
    families: list[ResolvedFamily]
    results: list[dict[str, Any]] = attrs.field(factory=list)
    problems: list[str] = attrs.field(factory=list)
    report: dict[str, Any] | None = None
    # Run-wide findings of the controller for the report: "stale", "base", "release".
    gates: dict[str, Any] = attrs.field(factory=dict)
    _frozen: dict[str, bool] = attrs.field(factory=dict)
    _samples: dict[str, list[object]] = attrs.field(factory=dict)
    _recorded: dict[tuple[str, str], dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    _current: dict[str, dict[str, dict[str, Any]]] = attrs.field(factory=dict)
    _higher: dict[str, list[versions.VersionValue]] = attrs.field(factory=dict)

    @classmethod
    def from_config(cls, config: pytest.Config) -> CacheCompatRun:
        """Read and resolve every family; a ``ConfigError`` names what is wrong."""
        pyproject = find_pyproject(config.rootpath, config.inipath)
        source = str(pyproject.relative_to(config.rootpath)) if pyproject else "pyproject.toml"
        table = read_tool_table(pyproject)
        settings = parse_settings(table, config.rootpath, source)
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
        return cls(config=config, settings=settings, families=families)

    def is_frozen(self, family: ResolvedFamily) -> bool:
        """Frozen as the store was when this process first asked (see ``layoutcheck.is_frozen``)."""
        from .layoutcheck import is_frozen

        if family.name not in self._frozen:
            self._frozen[family.name] = is_frozen(family)
        return self._frozen[family.name]

    def higher_versions(self, family: ResolvedFamily) -> list[versions.VersionValue]:
        """Recorded versions above the current one, listed once per process.

        A run records only the current version, so the answer cannot change
        while it runs; listing the store once instead of once per layout item
        saves a directory scan of every version folder per record type.
        """
        if family.name not in self._higher:
            recorded = store.recorded_versions(family.folder, family.version)
            self._higher[family.name] = [
                v for v in recorded if versions.is_lower(family.version, v)
            ]
        return self._higher[family.name]

    def family(self, name: str) -> ResolvedFamily:
        return next(f for f in self.families if f.name == name)

    def user_samples(self, family: ResolvedFamily) -> list[object]:
        from .forms import CheckError

        if family.name not in self._samples:
            samples: list[object] = []
            if family.samples is not None:
                try:
                    samples = list(family.samples())
                except Exception as exc:
                    raise CheckError(
                        f"family {family.name!r}: the samples hook raised "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
            self._samples[family.name] = samples
        return self._samples[family.name]

    def recorded_layouts(
        self, family: ResolvedFamily, version: versions.VersionValue
    ) -> dict[str, dict[str, Any]]:
        key = (family.name, str(version))
        if key not in self._recorded:
            folder = family.folder / versions.folder_name(version)
            self._recorded[key] = recorded_layouts(folder)
        return self._recorded[key]

    def current_layouts(self, family: ResolvedFamily) -> dict[str, dict[str, Any]]:
        from .layout import collect_layouts

        if family.name not in self._current:
            self._current[family.name] = collect_layouts(family.records)
        return self._current[family.name]

    def family_changes(
        self, family: ResolvedFamily, version: versions.VersionValue
    ) -> list[Change]:
        """What differs between the layouts recorded for ``version`` and the current code."""
        return diff_layouts(self.recorded_layouts(family, version), self.current_layouts(family))

    def previous_version(self, family: ResolvedFamily) -> versions.VersionValue | None:
        recorded = store.recorded_versions(family.folder, family.version)
        return versions.previous(recorded, family.version)


HOOK = "conftest hook pytest_cachecompat_families"


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

    from .config import FAMILY_KEYS

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
