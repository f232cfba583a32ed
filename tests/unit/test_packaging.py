"""The package metadata: declared dependencies match imports, no build warnings (README.md)."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pytest_cachecompat"

# Libraries of record kinds a project may use: imported only inside functions,
# only when the project's own classes are of that kind (so never declared).
OPTIONAL = {"pydantic", "pydantic_core", "msgspec", "annotated_types"}


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(text) for text in project["dependencies"]]
    return {canonicalize_name(r.name): r for r in requirements}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, in_function: bool = False) -> Iterator[tuple[str, bool, int]]:
    """(top-level module, imported inside a function, line) of every import that runs."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (i for child in node.orelse for i in _imports(child, in_function))
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.partition(".")[0], in_function, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.partition(".")[0], in_function, node.lineno
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        yield from _imports(node, inside)


def _all_imports() -> list[tuple[str, bool, str]]:
    """(top-level module, imported inside a function, file:line) of every import of the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for module, in_function, line in _imports(tree):
            found.append((module, in_function, f"{path.relative_to(ROOT)}:{line}"))
    return found


def _third_party_imports() -> list[tuple[str, bool, str]]:
    return [
        found
        for found in _all_imports()
        if found[0] not in sys.stdlib_module_names and found[0] != "pytest_cachecompat"
    ]


def test_every_imported_library_is_a_declared_dependency() -> None:
    declared = _declared()
    providers = importlib.metadata.packages_distributions()
    undeclared = []
    for module, in_function, where in _third_party_imports():
        if module in OPTIONAL:
            assert in_function, f"{where}: {module} is optional and may only be imported lazily"
            continue
        dists = {canonicalize_name(d) for d in providers.get(module, [module])}
        if not dists & set(declared):
            undeclared.append(f"{where}: imports {module} (from {sorted(dists)})")
    assert undeclared == [], "imported but not in [project] dependencies:\n" + "\n".join(undeclared)


def test_every_declared_dependency_is_imported() -> None:
    providers = importlib.metadata.packages_distributions()
    used = {
        canonicalize_name(dist)
        for module, _, _ in _third_party_imports()
        for dist in providers.get(module, [module])
    }
    assert set(_declared()) - used == set()


# How README.md names each operating system the classifiers claim.
README_NAMES = {"POSIX": "POSIX", "Linux": "Linux", "MacOS": "macOS"}


def test_the_readme_states_the_platforms_the_classifiers_claim() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    systems = [
        c.removeprefix("Operating System :: ").split(" :: ")[-1]
        for c in project["classifiers"]
        if c.startswith("Operating System :: ")
    ]
    assert systems, "no Operating System classifier"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    platforms = next(p for p in readme.split("\n\n") if p.startswith("**Platforms.**"))
    for system in systems:
        assert README_NAMES[system] in platforms, f"{system} is claimed but README.md omits it"
    if "Windows" not in systems:  # not claimed, so the README must say it is untested
        assert "Windows" in platforms and "not" in platforms
    # The lock needs no fcntl (tests/functional/test_atomicity.py runs without it).
    assert "Nothing needs `fcntl`" in platforms
    assert not [where for module, _, where in _all_imports() if module == "fcntl"]


def _installed_closure(names: set[str]) -> set[str]:
    """The declared distributions and everything they require here, transitively."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return seen


# Imports every module of the package in a fresh interpreter in which any
# library outside the allowed distributions cannot be imported, as in an
# environment where only the declared dependencies are installed.
ONLY_DECLARED = """\
import importlib, importlib.abc, json, pkgutil, sys

allowed = set(json.loads(sys.argv[1]))

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names or top in allowed or top == "pytest_cachecompat":
            return None
        raise ModuleNotFoundError(f"No module named {name!r} (not a declared dependency)")

sys.meta_path.insert(0, Refuse())
import pytest_cachecompat
for info in pkgutil.walk_packages(pytest_cachecompat.__path__, "pytest_cachecompat."):
    importlib.import_module(info.name)
from pytest_cachecompat import store
with store.locked(__import__("pathlib").Path(sys.argv[2])):
    pass
print("imported", len(sys.modules))
"""


def test_the_package_imports_with_only_its_declared_dependencies(tmp_path: Path) -> None:
    closure = _installed_closure(set(_declared()))
    providers = importlib.metadata.packages_distributions()
    allowed = sorted(
        module
        for module, dists in providers.items()
        if {canonicalize_name(d) for d in dists} & closure
    )
    result = subprocess.run(
        [sys.executable, "-c", ONLY_DECLARED, json.dumps(allowed), str(tmp_path / "family")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "imported" in result.stdout


@pytest.mark.slow
def test_building_the_package_prints_no_deprecation_warning(tmp_path: Path) -> None:
    """What `pip install` runs: the build backend on pyproject.toml, with build isolation."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "deprecat" not in output.lower(), output
    (wheel,) = tmp_path.glob("pytest_cachecompat-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode("utf-8")
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Operating System :: POSIX" in metadata
    for requirement in _declared().values():
        assert f"Requires-Dist: {requirement}" in metadata
