"""Who wrote a golden archive: the distributions (and versions) recorded at freeze time.

The first thing a reader of a failure wants to know is which release of
which package wrote the bytes that no longer load. A family's ``writers``
names those distributions (``["cachecontrol", "urllib3"]``); without it the
manifest records the distribution that owns the ``dumps`` module, else the
one that owns the records, else the project's own (``[project].name`` of its
``pyproject.toml``).
"""

from __future__ import annotations

import importlib.metadata
import sys
import tomllib
from pathlib import Path

from pytest_cachecompat.config import ResolvedFamily
from pytest_cachecompat.store import Manifest

UNKNOWN = "unknown (not an installed distribution)"


def writer_versions(family: ResolvedFamily) -> dict[str, str]:
    """``{distribution: installed version}`` of the family's ``writers``, in declared order."""
    found = {}
    for name in family.writers:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            # Resolving the family checked it; uninstalled since, say so plainly.
            found[name] = UNKNOWN
    return found


def written_by(family: ResolvedFamily, rootpath: Path) -> dict[str, str]:
    """The distribution (and its version) that wrote the family's archives.

    Editable installs often do not map their packages to a distribution, so
    a distribution named like the top-level package, then the project's own
    distribution, then the package's ``__version__``, stand in.
    """
    tops = [_top(getattr(family.dumps, "__module__", None)), _top(family.records[0].__module__)]
    tops = [top for top in dict.fromkeys(tops) if top]
    mapping = importlib.metadata.packages_distributions()
    for top in tops:
        for dist in [*mapping.get(top, []), top]:
            version = _installed(dist)
            if version is not None:
                return {"distribution": dist, "version": version}
    project = _project_name(rootpath)
    if project is not None and (version := _installed(project)) is not None:
        return {"distribution": project, "version": version}
    owner = tops[-1] if tops else "unknown"
    for top in tops:
        module_version = getattr(sys.modules.get(top), "__version__", None)
        if isinstance(module_version, str) and module_version:
            return {"module": top, "version": module_version}
    return {"module": owner, "version": UNKNOWN}


def describe(manifest: Manifest) -> str:
    """``cachecontrol 0.12.6, urllib3 1.26.20``: who wrote a version's archives, in words."""
    if manifest.writers:
        return ", ".join(_one(name, version) for name, version in manifest.writers.items())
    name = manifest.written_by.get("distribution") or manifest.written_by.get("module")
    if not name:
        return ""
    return _one(name, manifest.written_by.get("version", UNKNOWN))


def _one(name: str, version: str) -> str:
    if version == UNKNOWN:
        return f"{name} (version unknown: not an installed distribution)"
    return f"{name} {version}"


def _top(module: str | None) -> str:
    return module.partition(".")[0] if module else ""


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None


def _project_name(rootpath: Path) -> str | None:
    try:
        data = tomllib.loads((rootpath / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = data.get("project", {}).get("name")
    return name if isinstance(name, str) and name else None
