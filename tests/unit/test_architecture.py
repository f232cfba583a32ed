"""The architecture of docs/design.md, checked: layers, purity, no cycles, private stays private."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pytest_cachecompat"
MAX_LINES = 400


def _lint_imports() -> str:
    found = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(found).exists():
        pytest.fail("lint-imports is missing: it is part of the test extra (import-linter)")
    return found


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _imports(name: str, path: Path) -> Iterator[tuple[str, list[str], int]]:
    """(module, names, line) of every import, inside functions and TYPE_CHECKING too."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module, [alias.name for alias in node.names], node.lineno


def _part(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def _private_segment(module: str) -> bool:
    return any(segment.startswith("_") for segment in module.split(".")[1:])


def test_import_linter_contracts_hold() -> None:
    result = subprocess.run(
        [_lint_imports()], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_a_pure_module_importing_pytest_breaks_the_contracts(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE, tmp_path / "pytest_cachecompat")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    layout = tmp_path / "pytest_cachecompat" / "layout" / "_layout.py"
    layout.write_text(layout.read_text() + "\nimport pytest  # noqa\n")

    result = subprocess.run(
        [_lint_imports()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
    )

    assert result.returncode != 0
    assert "Only the pytest glue imports pytest or syrupy BROKEN" in result.stdout
    assert "pytest_cachecompat.layout._layout -> pytest" in result.stdout


def test_no_import_cycles_counting_function_and_type_checking_imports() -> None:
    modules = dict(_modules())
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for module, names, _ in _imports(name, path):
            # ``from pkg import _sub`` needs the submodule; ``from pkg import name``
            # needs the package's face, which imports its own modules.
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in modules]
            if module in modules and (not names or len(targets) < len(names)):
                targets.append(module)
            graph[name].update(t for t in targets if t != name)

    cycles = _cycles(graph)

    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_reaches_into_another_part_or_imports_a_private_name() -> None:
    offences = []
    for name, path in _modules():
        for module, names, line in _imports(name, path):
            if not module.startswith("pytest_cachecompat"):
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            if _part(module) != _part(name) and _private_segment(module):
                offences.append(f"{where} imports the private module {module}")
            for imported in names:
                target = f"{module}.{imported}"
                private_module = imported.startswith("_") and _part(target) == _part(name)
                if imported.startswith("_") and not private_module:
                    offences.append(f"{where} imports the private name {imported} from {module}")
    assert not offences, "\n".join(offences)


def test_no_module_is_over_the_size_limit() -> None:
    long = [
        f"{path.relative_to(ROOT)}: {count} lines"
        for _, path in _modules()
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not long, "\n".join(long)
